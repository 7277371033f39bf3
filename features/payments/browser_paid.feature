@browser @paid @stripe @webhook @mobile
Feature: A client pays for a session in a real browser, on desktop and on a phone
  Chromium goes from the slot picker to Stripe's hosted page and back; the page
  it comes back to waits (by its own script) for the webhook to confirm the
  payment. Every page is checked with axe and for sideways scrolling.

  Background:
    Given a builder "Ada Stone" working in "Europe/London" with skills "python"
    And "Ada Stone" offers a paid session "Portfolio review" of 60 minutes for 4500 "gbp"

  Scenario Outline: A client pays with a card and sees the webhook-confirmed booking on a <device>
    Given a <device> browser whose time zone is "Europe/London"
    When the client opens the "Portfolio review" session of "Ada Stone" in the browser
    And the client picks the first time and continues to payment as "Grace Hopper" with email "grace@example.com"
    Then the browser is on Stripe's payment page for "£45.00"
    When the client pays with the card "4242424242424242" in the browser
    Then the browser shows "Payment received - you're booked"
    And the browser shows that "£45.00" was paid with the card ending "4242"
    And no page had serious accessibility violations
    And no page scrolled sideways
    And no Content Security Policy violation was logged in the console

    Examples:
      | device  |
      | desktop |
      | phone   |
