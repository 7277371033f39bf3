@booking @pathway @auth @database
Feature: Pathway sessions are for signed-in clients who choose a pathway

  Background:
    Given a builder "Lin Okafor" working in "America/New_York" with skills "product design"
    And "Lin Okafor" offers a pathway session "Pathway mentoring" of 45 minutes
    And the marketplace offers the pathway "First-time founder"

  @smoke
  Scenario: A signed-in client books a pathway session
    Given a signed-up client "Maya Chen" with email "maya@example.com" in "Asia/Tokyo"
    When the client opens the session "Pathway mentoring" of "Lin Okafor"
    And the client picks the first offered slot
    And the client books it for the pathway "First-time founder"
    Then the confirmation page says "You're booked"
    And the booking is "confirmed" for "maya@example.com" at the chosen slot
    And the booking is for the pathway "first-time-founder"

  Scenario: An anonymous client is sent to sign in and returned to the session
    Given a visitor whose browser is set to "Europe/Berlin"
    And an existing account "Sam Ruiz" with email "sam@example.com" and password "correct horse battery"
    When the visitor opens the session "Pathway mentoring" of "Lin Okafor"
    Then the visitor is asked to sign in
    When the visitor signs in as "sam@example.com" with password "correct horse battery"
    Then the visitor is back on the session "Pathway mentoring" of "Lin Okafor"

  Scenario: A pathway booking without a pathway is refused and writes nothing
    Given a signed-up client "Maya Chen" with email "maya@example.com" in "Asia/Tokyo"
    When the client opens the session "Pathway mentoring" of "Lin Okafor"
    And the client picks the first offered slot
    And the client books it without choosing a pathway
    Then the request is refused with status 422 and the reason "Please choose the pathway"
    And no booking was written

  Scenario: An anonymous booking request for a pathway session is refused
    Given a visitor whose browser is set to "Europe/Berlin"
    When the visitor posts a booking for the session "Pathway mentoring" of "Lin Okafor" without signing in
    Then the request is refused with status 401 and the reason "signed-in clients"
    And no booking was written
