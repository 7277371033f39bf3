@booking @validation @database
Feature: Invalid booking input gets a clear error and writes nothing

  Background:
    Given a builder "Ada Stone" working in "Europe/London" with skills "python"
    And "Ada Stone" offers a free session "Intro call" of 30 minutes
    And a visitor whose browser is set to "Europe/London"

  @smoke
  Scenario: An unknown builder is a clear 404
    When the visitor opens the profile "no-such-builder"
    Then the request is refused with status 404 and the reason "nothing at this address"

  Scenario Outline: A booking with <problem> is refused
    When the visitor opens the session "Intro call" of "Ada Stone"
    And the visitor posts a booking with <problem>
    Then the request is refused with status <status> and the reason "<reason>"
    And no booking was written

    Examples:
      | problem                  | status | reason                          |
      | a slot in the past       | 422    | already passed                  |
      | a slot that is not offered | 422  | not offered                     |
      | a malformed email        | 422    | valid email address             |
      | no name                  | 422    | enter your name                 |
      | a malformed slot         | 422    | pick one of the listed times    |
      | no CSRF token            | 400    | reload the page                 |
      | an unknown time zone     | 422    | highlighted fields              |

  Scenario: An oversized form is refused before it is read
    When the visitor posts a booking form of 100 KB
    Then the request is refused with status 413 and the reason "larger than this endpoint accepts"
    And no booking was written
