@calendly @webhook @database
Feature: Every Calendly webhook event updates the bookings once
  Calendly holds the builders' calendars: bookings made in the app go through its API,
  and whatever happens on Calendly (a booking on the hosted page, a cancellation, a
  reschedule, a no-show, a routing form) reaches the app as a signed webhook.

  Background:
    Given a builder "Ada Stone" working in "Europe/London" with skills "python"
    And "Ada Stone" offers a free session "Intro call" of 30 minutes

  Scenario: invitee.created for a booking made in the app links it to its Calendly invitee
    When "grace@example.com" books the first "Intro call" slot of "Ada Stone" in the app
    Then the booking is "confirmed" and linked to its Calendly invitee and event
    And Calendly's invitee carries the booking's id in its tracking
    And the app processed 1 "invitee.created" event
    And no Calendly event took effect twice

  @smoke
  Scenario: invitee.created for a booking made on Calendly creates the booking
    When "grace@example.com" books the first "Intro call" slot of "Ada Stone" on Calendly
    Then the app has 1 booking for "grace@example.com"
    And the booking is "confirmed" and linked to its Calendly invitee and event
    And the booking was made on "calendly"
    And the booking's status last changed when Calendly says it did
    And no Calendly event took effect twice

  Scenario Outline: invitee.canceled by the <who> cancels the booking with the reason and who canceled
    Given "grace@example.com" has booked the first "Intro call" slot of "Ada Stone" in the app
    When the <who> cancels the booking on Calendly saying "<reason>"
    Then the booking is "canceled" by "<canceled by>" saying "<reason>"
    And the booking's status last changed when Calendly says it did
    And the "Intro call" slot of "Ada Stone" is offered again
    And no Calendly event took effect twice

    Examples:
      | who     | reason               | canceled by   |
      | invitee | Something came up    | Grace Example |
      | host    | Builder is off sick  | Ada Stone     |

  Scenario: invitee_no_show.created and .deleted set and clear the no-show flag
    Given "grace@example.com" has booked the first "Intro call" slot of "Ada Stone" in the app
    When the host marks the invitee as a no-show on Calendly
    Then the booking is flagged as a no-show
    When the host takes the no-show mark back on Calendly
    Then the booking is not flagged as a no-show
    And the app processed 1 "invitee_no_show.created" event
    And the app processed 1 "invitee_no_show.deleted" event
    And no Calendly event took effect twice

  Scenario: routing_form_submission.created is stored and linked to the client who booked
    Given Calendly has a routing form "Find your session" asking "Email" and "Goal"
    When "grace@example.com" fills in the routing form and books the first "Intro call" slot of "Ada Stone"
    Then the app stored the routing form submission with the answer "Ship my MVP"
    And the submission is linked to the client "grace@example.com"
    And no Calendly event took effect twice

  Scenario: routing_form_submission.created without a booking is stored without a client
    Given Calendly has a routing form "Find your session" asking "Email" and "Goal"
    When "nobody@example.com" fills in the routing form without booking
    Then the app stored the routing form submission with the answer "Ship my MVP"
    And the submission is not linked to any client
    And no Calendly event took effect twice

  Scenario Outline: A reschedule moves the booking whichever half arrives first (<order>, booked <where>)
    Given "grace@example.com" has booked the first "Intro call" slot of "Ada Stone" <where>
    When the invitee reschedules to the next day on Calendly, Calendly announcing the <order>
    Then the booking is "confirmed" at the new time and linked to the new invitee
    And the app has 1 booking for "grace@example.com"
    And the old "Intro call" slot of "Ada Stone" is offered again
    And no Calendly event took effect twice

    Examples:
      | order          | where       |
      | canceled_first | in the app  |
      | created_first  | in the app  |
      | canceled_first | on Calendly |
      | created_first  | on Calendly |
