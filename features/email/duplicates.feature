@email @webhook @database
Feature: Duplicate and replayed webhooks never send a mail twice
  Each mail has an idempotency key (booking, kind, recipient, revision): a second
  copy of the event that caused it finds the mail already queued.

  Background:
    Given a builder "Ada Stone" working in "Europe/London" with skills "python"
    And "Ada Stone" offers a free session "Intro call" of 30 minutes

  Scenario: A cancellation delivered three times sends one notice to each person
    Given "grace@example.com" has booked the first "Intro call" slot of "Ada Stone" in the app
    And Calendly will deliver the next "invitee.canceled" 3 times one after another
    When the invitee cancels the booking on Calendly saying "Plans changed"
    Then "grace@example.com" receives exactly 1 cancellation mail
    And "ada-stone@builders.example.com" receives exactly 1 cancellation mail
    And no mail was sent twice

  Scenario: A booking made on Calendly, announced twice at the same moment, is confirmed once
    Given Calendly will deliver the next "invitee.created" 2 times at the same moment
    When "grace@example.com" books the first "Intro call" slot of "Ada Stone" on Calendly
    Then "grace@example.com" receives exactly 1 confirmation mail
    And "ada-stone@builders.example.com" receives exactly 1 confirmation mail
    And no mail was sent twice
