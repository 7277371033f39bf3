@email @timezone @database
Feature: Times in mails are in the recipient's zone, across a daylight-saving change
  A client reads times in the zone they booked in, a builder in their own; each
  time names its zone and the offset in force on that date.

  Scenario: Bookings either side of a daylight-saving change are mailed in each reader's zone
    Given a builder "Rosa Diaz" working in "America/New_York" with skills "fundraising"
    And "Rosa Diaz" offers a free session "Intro call" of 30 minutes
    And a visitor whose browser is set to "Europe/London"
    When the visitor opens the session "Intro call" of "Rosa Diaz"
    And the visitor looks for the next daylight-saving change in "America/New_York"
    And the visitor notes the first slot on the last working day before the change
    And the visitor notes the first slot on the first working day after the change
    And the visitor books the first slot before the change as "Ann Lee" with email "ann@example.com" and returns to the slot picker
    And the visitor books the first slot after the change as "Tom Berg" with email "tom@example.com"
    Then "tom@example.com" receives exactly 1 confirmation mail
    And the mail gives the session's start in "Europe/London"
    And "ann@example.com" receives exactly 1 confirmation mail
    And the mail gives the session's start in "Europe/London"
    And "rosa-diaz@builders.example.com" receives exactly 2 confirmation mails
    And each of them gives its session's start at 09:00 in "America/New_York"
    And between them they name both offsets of "America/New_York"
    And no mail of the scenario has empty template variables
