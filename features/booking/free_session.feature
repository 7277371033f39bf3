@booking @free @database
Feature: Unauthenticated client books a free session
  A visitor without an account goes Marketplace -> Builder profile -> Session
  type -> Time slot -> Confirmation, giving only a name and an email.

  Background:
    Given a builder "Ada Stone" working in "Europe/London" with skills "python, data engineering"
    And "Ada Stone" offers a free session "Intro call" of 30 minutes

  @smoke
  Scenario: A visitor finds a builder by skill and books a free session
    Given a visitor whose browser is set to "Europe/London"
    When the visitor searches the marketplace for "python"
    Then the marketplace lists "Ada Stone"
    When the visitor opens the profile of "Ada Stone"
    And the visitor chooses the session "Intro call"
    And the visitor picks the first offered slot
    And the visitor books as "Grace Hopper" with email "grace@example.com"
    Then the confirmation page says "You're booked"
    And the booking is "confirmed" for "grace@example.com" at the chosen slot
    And the booking is stored in UTC and shown in "Europe/London"

  Scenario: A search for a skill nobody offers lists nobody
    Given a visitor whose browser is set to "Europe/London"
    When the visitor searches the marketplace for "cobol"
    Then the marketplace lists nobody
