@booking @timezone @database
Feature: Times are shown in the client's zone and stored in UTC

  Scenario: Slots are listed in the client's zone and the booking is stored in UTC
    Given a builder "Kenji Sato" working in "Asia/Tokyo" with skills "mobile apps"
    And "Kenji Sato" offers a free session "Intro call" of 30 minutes
    And a visitor whose browser is set to "America/Los_Angeles"
    When the visitor opens the session "Intro call" of "Kenji Sato"
    Then every slot is labelled with its UTC instant converted to "America/Los_Angeles"
    And the first slot starts at 09:00 in "Asia/Tokyo"
    When the visitor picks the first offered slot
    And the visitor books as "Ana Lima" with email "ana@example.com"
    Then the booking is stored in UTC and shown in "America/Los_Angeles"

  Scenario: The client changes the zone the slots are shown in
    Given a builder "Kenji Sato" working in "Asia/Tokyo" with skills "mobile apps"
    And "Kenji Sato" offers a free session "Intro call" of 30 minutes
    And a visitor whose browser is set to "America/Los_Angeles"
    When the visitor opens the session "Intro call" of "Kenji Sato"
    And the visitor changes the time zone to "Europe/Paris"
    Then every slot is labelled with its UTC instant converted to "Europe/Paris"

  Scenario: A slot across a daylight-saving change keeps the builder's local hour
    Given a builder "Rosa Diaz" working in "America/New_York" with skills "fundraising"
    And "Rosa Diaz" offers a free session "Intro call" of 30 minutes
    And a visitor whose browser is set to "Europe/London"
    When the visitor opens the session "Intro call" of "Rosa Diaz"
    And the visitor looks for the next daylight-saving change in "America/New_York"
    And the visitor notes the first slot on the last working day before the change
    And the visitor notes the first slot on the first working day after the change
    Then both first slots start at 09:00 in "America/New_York"
    And their UTC offsets differ by one hour
    And each is shown in "Europe/London" as its UTC instant converted there
    When the visitor books the first slot after the change as "Tom Berg" with email "tom@example.com"
    Then the booking is stored in UTC and shown in "Europe/London"
