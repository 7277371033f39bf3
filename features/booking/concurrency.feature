@booking @concurrency @database
Feature: Two clients racing for the same slot get exactly one booking

  Background:
    Given a builder "Ada Stone" working in "Europe/London" with skills "python"
    And "Ada Stone" offers a free session "Intro call" of 30 minutes
    And "Ada Stone" offers a free session "Long call" of 60 minutes

  Scenario Outline: <clients> clients post the same slot at the same moment
    When <clients> clients book the same "Intro call" slot of "Ada Stone" at the same moment
    Then exactly one of them gets a confirmation
    And the others are told the slot was just taken
    And "Ada Stone" has exactly one booking at that time

    Examples:
      | clients |
      | 2       |
      | 10      |

  Scenario: Overlapping sessions of different lengths cannot both be booked
    Given "grace@example.com" has booked the first "Long call" slot of "Ada Stone"
    Then the "Intro call" picker of "Ada Stone" no longer offers times overlapping that booking
    When another client books the "Intro call" slot of "Ada Stone" starting 30 minutes into that booking
    Then the request is refused with status 409 and the reason "just booked"
    And "Ada Stone" still has only the first booking
