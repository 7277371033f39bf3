@browser @booking @pathway @auth @mobile
Feature: A client books a pathway session in a real browser, signing in on the way
  Pathway sessions are for signed-in clients: an anonymous client is sent to
  sign in, comes back to the session they chose, picks a time and a pathway, and
  books. Every page is checked with axe and for sideways scrolling.

  Background:
    Given a builder "Lin Okafor" working in "America/New_York" with skills "product design"
    And "Lin Okafor" offers a pathway session "Pathway mentoring" of 45 minutes
    And the marketplace offers the pathway "First-time founder"
    And an existing account "Sam Ruiz" with email "sam@example.com" and password "correct horse battery"

  Scenario Outline: An anonymous client is sent to sign in, comes back to the session, picks a pathway and books on a <device>
    Given a <device> browser whose time zone is "Europe/Berlin"
    When the client opens the "Pathway mentoring" session of "Lin Okafor" in the browser without signing in
    Then the browser shows "Sign in"
    When the client signs in as "sam@example.com" with password "correct horse battery" in the browser
    Then the browser is back on the "Pathway mentoring" session of "Lin Okafor"
    And the slot picker shows times in "Europe/Berlin"
    When the client picks the first time and the pathway "First-time founder" and books in the browser
    Then the browser shows "You're booked"
    And the booked time is shown in "Europe/Berlin"
    And the booking page in the browser says "First-time founder"
    And no page had serious accessibility violations
    And no page scrolled sideways

    Examples:
      | device  |
      | desktop |
      | tablet  |
      | phone   |
