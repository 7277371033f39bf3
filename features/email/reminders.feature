@email @database
Feature: Reminders go out once per booking, however often the job runs
  ``booking-app mail send-reminders --within 24h`` runs from cron; each run
  reminds clients of confirmed sessions starting within the window.

  Background:
    Given a builder "Ada Stone" working in "Europe/London" with skills "python"
    And "Ada Stone" offers a free session "Intro call" of 30 minutes

  Scenario: The reminder job runs twice and the client gets one reminder
    Given a visitor whose browser is set to "Asia/Tokyo"
    When the visitor opens the session "Intro call" of "Ada Stone"
    And the visitor picks the first offered slot
    And the visitor books as "Kenji Sato" with email "kenji@example.com"
    And the reminder job runs 3 hours before the session, twice
    Then the reminder job queued 1 reminder the first time and 0 the second time
    And "kenji@example.com" receives exactly 1 reminder mail
    And the mail's subject is "Reminder: Intro call with Ada Stone in 3 hours"
    And the mail says "Intro call with Ada Stone starts in 3 hours:"
    And the mail gives the session's start in "Asia/Tokyo"
    And the mail has no empty template variables
    And "ada-stone@builders.example.com" receives no reminder mail

  Scenario: A canceled session gets no reminder
    Given "grace@example.com" has booked the first "Intro call" slot of "Ada Stone" in the app
    When the invitee cancels the booking on Calendly saying "Cannot make it"
    And the reminder job runs 3 hours before the session
    Then the reminder job queued no reminder
    And "grace@example.com" receives no reminder mail
