@calendly @webhook @fault @database
Feature: Calendly webhook faults never lose an event and never apply one twice

  Background:
    Given a builder "Ada Stone" working in "Europe/London" with skills "python"
    And "Ada Stone" offers a free session "Intro call" of 30 minutes

  Scenario Outline: invitee.created delivered <copies> times <how> makes one booking
    Given Calendly will deliver the next "invitee.created" <copies> times <how>
    When "grace@example.com" books the first "Intro call" slot of "Ada Stone" on Calendly
    Then Calendly got a 2xx for all <copies> copies, 1 accepted and the rest as duplicates
    And the app has 1 booking for "grace@example.com"
    And the booking's status last changed when Calendly says it did
    And no Calendly event took effect twice

    Examples:
      | copies | how                |
      | 2      | one after another  |
      | 10     | one after another  |
      | 20     | at the same moment |

  Scenario Outline: invitee.canceled delivered <copies> times <how> cancels once
    Given "grace@example.com" has booked the first "Intro call" slot of "Ada Stone" in the app
    And Calendly will deliver the next "invitee.canceled" <copies> times <how>
    When the invitee cancels the booking on Calendly saying "Clash"
    Then Calendly got a 2xx for all <copies> copies, 1 accepted and the rest as duplicates
    And the booking is "canceled" by "Grace Example" saying "Clash"
    And the booking's status last changed when Calendly says it did
    And no Calendly event took effect twice

    Examples:
      | copies | how                |
      | 2      | one after another  |
      | 20     | at the same moment |

  Scenario Outline: invitee.created without <field> is a dead letter with the reason, and books nothing
    Given Calendly will deliver the next "invitee.created" without "<field>"
    When "grace@example.com" books the first "Intro call" slot of "Ada Stone" on Calendly
    Then the delivery was acknowledged and the event is a dead letter saying "<field>"
    And the app has 0 bookings for "grace@example.com"
    And no Calendly event took effect twice

    Examples:
      | field                              |
      | payload.email                      |
      | payload.name                       |
      | payload.scheduled_event            |
      | payload.scheduled_event.uri        |
      | payload.scheduled_event.start_time |
      | payload.scheduled_event.end_time   |
      | payload.scheduled_event.event_type |

  Scenario Outline: <event> without <field> is a dead letter with the reason, and changes nothing
    Given "grace@example.com" has booked the first "Intro call" slot of "Ada Stone" in the app
    And Calendly will deliver the next "<event>" without "<field>"
    When <action> on Calendly
    Then the delivery was acknowledged and the event is a dead letter saying "<field>"
    And the booking is still "confirmed" and not flagged as a no-show
    And no Calendly event took effect twice

    Examples:
      | event                   | field                   | action                                            |
      | invitee.canceled        | payload.rescheduled     | the invitee cancels the booking saying "Clash"    |
      | invitee.canceled        | payload.cancellation    | the invitee cancels the booking saying "Clash"    |
      | invitee.canceled        | payload.email           | the invitee cancels the booking saying "Clash"    |
      | invitee_no_show.created | payload.no_show         | the host marks the invitee as a no-show           |
      | invitee_no_show.created | payload.scheduled_event | the host marks the invitee as a no-show           |

  Scenario Outline: routing_form_submission.created without <field> is a dead letter and stores nothing
    Given Calendly has a routing form "Find your session" asking "Email" and "Goal"
    And Calendly will deliver the next "routing_form_submission.created" without "<field>"
    When "nobody@example.com" fills in the routing form without booking
    Then the delivery was acknowledged and the event is a dead letter saying "<field>"
    And the app stored no routing form submission
    And no Calendly event took effect twice

    Examples:
      | field                         |
      | payload.questions_and_answers |
      | payload.routing_form          |

  Scenario: A no-show in the REST resource's shape is a dead letter, and flags nothing
    Given "grace@example.com" has booked the first "Intro call" slot of "Ada Stone" in the app
    And Calendly will deliver the next "invitee_no_show.created" in the shape "rest_no_show"
    When the host marks the invitee as a no-show on Calendly
    Then the delivery was acknowledged and the event is a dead letter saying "REST invitee_no_show resource"
    And the booking is still "confirmed" and not flagged as a no-show
    And no Calendly event took effect twice

  Scenario Outline: A body that is not a Calendly event (<shape>) is refused and stored nowhere
    Given Calendly will deliver the next "invitee.created" in the shape "<shape>"
    When "grace@example.com" books the first "Intro call" slot of "Ada Stone" on Calendly
    Then Calendly's delivery was refused with 400 and the reason "<reason>"
    And the app stored no Calendly event
    And the app has 0 bookings for "grace@example.com"
    And no Calendly event took effect twice

    Examples:
      | shape              | reason                     |
      | payload_missing    | payload must be a JSON object |
      | payload_not_object | payload must be a JSON object |

  Scenario Outline: A delivery with <fault> is refused, stored nowhere, and retried by Calendly
    Given Calendly will deliver the next "invitee.created" with <fault>
    When "grace@example.com" books the first "Intro call" slot of "Ada Stone" on Calendly
    Then Calendly's delivery was refused with 400 and the reason "<reason>"
    And Calendly will retry that delivery
    And the app stored no Calendly event
    And the app has 0 bookings for "grace@example.com"
    And no Calendly event took effect twice

    Examples:
      | fault                               | reason                  |
      | a corrupted signature               | does not match the body |
      | a signing key the app does not know | does not match the body |
      | a signature 10 minutes old          | older than 180 seconds  |
