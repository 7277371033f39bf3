@email @fault @database
Feature: A failing mail provider never costs a booking, and its failures reach the operator
  Mail is sent after the booking commits; a failed send is retried with backoff
  by the mail job, and what can never succeed becomes a dead letter the operator sees.

  Background:
    Given a builder "Ada Stone" working in "Europe/London" with skills "python"
    And "Ada Stone" offers a free session "Intro call" of 30 minutes

  Scenario: SendGrid is down: the booking is confirmed, and the mail goes out once SendGrid is back
    Given SendGrid is down
    And a visitor whose browser is set to "Europe/London"
    When the visitor opens the session "Intro call" of "Ada Stone"
    And the visitor picks the first offered slot
    And the visitor books as "Grace Hopper" with email "grace@example.com"
    Then the confirmation page says "You're booked"
    And the booking is "confirmed" for "grace@example.com" at the chosen slot
    And "grace@example.com" receives no confirmation mail
    And the operator sees the mail to "grace@example.com" waiting for a retry after "SendGrid answered 503"
    When SendGrid is back
    And the mail job runs 2 minutes later
    Then "grace@example.com" receives exactly 1 confirmation mail
    And the mail gives the session's start in "Europe/London"
    And "ada-stone@builders.example.com" receives exactly 1 confirmation mail
    And the operator sees no dead mail

  Scenario: A rate limit delays the mail until the job runs again
    Given SendGrid rate-limits the next 2 requests
    And "grace@example.com" has booked the first "Intro call" slot of "Ada Stone" in the app
    Then "grace@example.com" receives no confirmation mail
    And the operator sees the mail to "grace@example.com" waiting for a retry after "SendGrid rate limit (429)"
    When the mail job runs 2 minutes later
    Then "grace@example.com" receives exactly 1 confirmation mail
    And "ada-stone@builders.example.com" receives exactly 1 confirmation mail

  Scenario: A revoked API key makes the mail a dead letter the operator sees, and a retry sends it
    Given the SendGrid account no longer accepts the app's API key
    And "grace@example.com" has booked the first "Intro call" slot of "Ada Stone" in the app
    Then the operator sees a dead mail to "grace@example.com" saying "SendGrid rejected the API key (401)"
    And "grace@example.com" receives no confirmation mail
    When the mail job runs 60 minutes later
    Then "grace@example.com" receives no confirmation mail
    When the SendGrid account accepts the app's API key again
    And the operator retries the dead mails
    Then "grace@example.com" receives exactly 1 confirmation mail
    And the operator sees no dead mail

  Scenario: A bouncing address is marked undeliverable for the operator
    Given mail to "grace@example.com" bounces
    And "grace@example.com" has booked the first "Intro call" slot of "Ada Stone" in the app
    Then the operator sees "grace@example.com" as undeliverable
    And the operator sees a dead mail to "grace@example.com" saying "SendGrid reported a bounce"
    And "ada-stone@builders.example.com" receives exactly 1 confirmation mail

  Scenario: A mail the receiving server blocks for now leaves the address deliverable
    Given the receiving server blocks mail to "grace@example.com" for now
    And "grace@example.com" has booked the first "Intro call" slot of "Ada Stone" in the app
    Then SendGrid reported the mail to "grace@example.com" as blocked and the app took the report
    And the operator does not see "grace@example.com" as undeliverable
    And the operator sees no dead mail
    And "ada-stone@builders.example.com" receives exactly 1 confirmation mail
