@calendly @webhook @fault @database
Feature: Out-of-order, late and lost Calendly events still end in the right state

  Background:
    Given a builder "Ada Stone" working in "Europe/London" with skills "python"
    And "Ada Stone" offers a free session "Intro call" of 30 minutes

  Scenario: A cancel that arrives before its create waits; the late create asks Calendly and books it canceled
    Given Calendly will hold back the next "invitee.created" until a later event was sent
    When "grace@example.com" books the first "Intro call" slot of "Ada Stone" on Calendly
    And the invitee cancels the booking on Calendly saying "Changed my mind"
    Then the app processed 1 "invitee.created" event
    And the booking is "canceled" by "Grace Example" saying "Changed my mind"
    When the app's webhook retries fall due
    Then the app has 1 booking for "grace@example.com"
    And the booking is "canceled" by "Grace Example" saying "Changed my mind"
    And the booking's status last changed when Calendly says it did
    And the app processed 1 "invitee.canceled" event
    And no Calendly event took effect twice

  Scenario: A no-show for an invitee the app does not know yet waits for the booking
    Given Calendly will delay the next "invitee.created" by 1 hour
    When "grace@example.com" books the first "Intro call" slot of "Ada Stone" on Calendly
    And the host marks the invitee as a no-show on Calendly
    Then the "invitee_no_show.created" event is waiting for a retry
    When Calendly's clock moves on 1 hour
    And the app's webhook retries fall due
    Then the app has 1 booking for "grace@example.com"
    And the booking is flagged as a no-show
    And no Calendly event took effect twice

  Scenario: A no-show mark arriving after its own removal is ignored as stale
    Given "grace@example.com" has booked the first "Intro call" slot of "Ada Stone" in the app
    And Calendly will hold back the next "invitee_no_show.created" until a later event was sent
    When the host marks the invitee as a no-show on Calendly
    And the host takes the no-show mark back on Calendly
    Then the booking is not flagged as a no-show
    And the "invitee_no_show.created" event was ignored as stale
    And no Calendly event took effect twice

  Scenario: The app is down for a while; Calendly's retries deliver the booking once it is back
    Given the app stops answering
    When "grace@example.com" books the first "Intro call" slot of "Ada Stone" on Calendly
    Then Calendly's delivery of "invitee.created" failed and will be retried
    When the app is back
    And Calendly's clock moves on to the next retry
    Then the app has 1 booking for "grace@example.com"
    And the booking is "confirmed" and linked to its Calendly invitee and event
    And no Calendly event took effect twice

  Scenario: After 24 hours of failures Calendly disables the subscription; the operator recovers
    Given the app stops answering
    When "grace@example.com" books the first "Intro call" slot of "Ada Stone" on Calendly
    And Calendly retries for 24 hours without an answer
    And the app is back
    Then the app reports its Calendly subscription as "disabled"
    And the app has 0 bookings for "grace@example.com"
    When the operator registers the Calendly webhook again
    Then the app reports its Calendly subscription as "active"
    When the operator runs the Calendly reconciliation
    Then the reconciliation reports "created" for "grace@example.com"
    And the app has 1 booking for "grace@example.com"
    When "ben@example.com" books the first "Intro call" slot of "Ada Stone" on Calendly
    Then the app has 1 booking for "ben@example.com"
    And no Calendly event took effect twice

  Scenario: Reconciliation books what a dropped invitee.created never told the app
    Given Calendly will drop the next "invitee.created"
    When "grace@example.com" books the first "Intro call" slot of "Ada Stone" on Calendly
    Then the app has 0 bookings for "grace@example.com"
    When the operator runs the Calendly reconciliation
    Then the reconciliation reports "created" for "grace@example.com"
    And the app has 1 booking for "grace@example.com"
    And the booking is "confirmed" and linked to its Calendly invitee and event
    When the operator runs the Calendly reconciliation
    Then the reconciliation reports no changes
    And no Calendly event took effect twice

  Scenario: Reconciliation cancels what a dropped invitee.canceled never told the app
    Given "grace@example.com" has booked the first "Intro call" slot of "Ada Stone" in the app
    And Calendly will drop the next "invitee.canceled"
    When the invitee cancels the booking on Calendly saying "Clash"
    Then the booking is still "confirmed" and not flagged as a no-show
    When the operator runs the Calendly reconciliation
    Then the reconciliation reports "canceled" for "grace@example.com"
    And the booking is "canceled" by "Grace Example" saying "Clash"
    When the operator runs the Calendly reconciliation
    Then the reconciliation reports no changes
    And no Calendly event took effect twice

  Scenario: A no-show whose booking never arrived ends as a dead letter; the operator repairs and replays it
    Given Calendly will drop the next "invitee.created"
    When "grace@example.com" books the first "Intro call" slot of "Ada Stone" on Calendly
    And the host marks the invitee as a no-show on Calendly
    And the app's webhook retries run out
    Then the operator finds the "invitee_no_show.created" event among the dead letters
    When the operator runs the Calendly reconciliation
    Then the reconciliation reports "created" and "no_show_set" for "grace@example.com"
    When the operator replays the dead letter
    Then the replay answers "processed"
    And the booking is flagged as a no-show
    And no Calendly event took effect twice
