@browser @booking @mobile
Feature: A client books in a real browser, on desktop, tablet and phone
  Chromium (Debian's, driven by Playwright) goes through the whole path; every
  page is checked with axe for serious accessibility problems and for
  horizontal scrolling at the device's width.

  Background:
    Given a builder "Ada Stone" working in "Europe/London" with skills "python, data engineering"
    And "Ada Stone" offers a free session "Intro call" of 30 minutes

  Scenario Outline: An unauthenticated client books a free session on a <device>
    Given a <device> browser whose time zone is "Asia/Tokyo"
    When the client searches the marketplace for "python" in the browser
    And the client clicks "Ada Stone"
    And the client clicks "Choose Intro call"
    Then the slot picker shows times in "Asia/Tokyo"
    When the client picks the first time and books as "Grace Hopper" with email "grace@example.com"
    Then the browser shows "You're booked"
    And the booked time is shown in "Asia/Tokyo"
    And no page had serious accessibility violations
    And no page scrolled sideways
    And no Content Security Policy violation was logged in the console

    Examples:
      | device  |
      | desktop |
      | tablet  |
      | phone   |

  @smoke
  Scenario: A client fixes a typo in the email and books on a phone
    Given a phone browser whose time zone is "Europe/London"
    When the client opens the "Intro call" session of "Ada Stone" in the browser
    And the client picks the first time and books as "Grace Hopper" with email "grace@@example"
    Then the browser shows the field error "Please enter a valid email address."
    When the client corrects the email to "grace@example.com" and books again
    Then the browser shows "You're booked"
    And no page had serious accessibility violations
    And no Content Security Policy violation was logged in the console
