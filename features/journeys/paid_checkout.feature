@browser @paid @stripe @webhook @mobile
Feature: A client gets through Stripe's hosted page in a real browser, whatever the card does
  Declined cards and 3-D Secure challenges happen on Stripe's page; the client
  reads Stripe's words there, and a booking whose payment did not go through
  stays payable from its own page. Every page is checked with axe and for
  sideways scrolling, and the last one is kept as a screenshot.

  Background:
    Given a builder "Ada Stone" working in "Europe/London" with skills "python"
    And "Ada Stone" offers a paid session "Portfolio review" of 60 minutes for 4500 "gbp"

  Scenario Outline: A declined card shows Stripe's error, then a 3-D Secure card passes its challenge, on a <device>
    Given a <device> browser whose time zone is "Europe/London"
    When the client opens the "Portfolio review" session of "Ada Stone" in the browser
    And the client picks the first time and continues to payment as "Grace Hopper" with email "grace@example.com"
    And the client tries the card "4000000000000002" in the browser
    Then Stripe's page in the browser says "Your card was declined."
    When the client tries the card "4000002500003155" in the browser
    And the client completes the 3-D Secure challenge in the browser
    Then the browser shows "Payment received - you're booked"
    And the browser shows that "£45.00" was paid with the card ending "3155"
    And no page had serious accessibility violations
    And no page scrolled sideways

    Examples:
      | device  |
      | desktop |
      | phone   |

  Scenario Outline: A failed 3-D Secure challenge leaves the booking payable: back from Stripe, the client pays again from the booking page on a <device>
    Given a <device> browser whose time zone is "Europe/London"
    When the client opens the "Portfolio review" session of "Ada Stone" in the browser
    And the client picks the first time and continues to payment as "Grace Hopper" with email "grace@example.com"
    And the client tries the card "4000002760003184" in the browser
    And the client fails the 3-D Secure challenge in the browser
    Then Stripe's page in the browser says "We are unable to authenticate your payment method."
    When the client goes back from Stripe's page in the browser
    Then the browser shows "Your payment was not completed"
    When the client opens the booking page in the browser
    Then the browser shows "Waiting for your payment"
    When the client pays now from the booking page in the browser
    Then the browser is on Stripe's payment page for "£45.00"
    When the client pays with the card "4242424242424242" in the browser
    Then the browser shows "Payment received - you're booked"
    And no page had serious accessibility violations
    And no page scrolled sideways

    Examples:
      | device  |
      | desktop |
      | phone   |

  Scenario: A payment Stripe took in another currency is refunded, and the page the client comes back to says why
    Given a desktop browser whose time zone is "Europe/London"
    When the client opens the "Portfolio review" session of "Ada Stone" in the browser
    And the client picks the first time and continues to payment as "Grace Hopper" with email "grace@example.com"
    And the client chooses to pay in "eur" at the rate "1.17" on Stripe's page in the browser
    Then the browser is on Stripe's payment page for "€52.65"
    When the client pays with the card "4242424242424242" in the browser
    Then the browser shows "We did not confirm this booking"
    And the booking page in the browser says "Stripe took €52.65, which is not the price of this session (£45.00), so we did not confirm the booking."
    And no page had serious accessibility violations
    And no page scrolled sideways
