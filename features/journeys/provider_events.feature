@browser @paid @stripe @calendly @webhook @email @mobile
Feature: What a client sees in the browser after each Calendly and Stripe event
  The booking is made and paid over HTTP (the journey is not about that); the
  simulators then fire the provider's event while the client's booking page is
  open, and the client reloads it as they would. The page says what happened in
  plain words; the mail the client would read for it is opened on the SendGrid
  simulator's inbox page, and its link leads back to the booking. Every page is
  checked with axe, and the last one is kept as a screenshot.

  Background:
    Given a builder "Ada Stone" working in "Europe/London" with skills "python"
    And "Ada Stone" offers a paid session "Portfolio review" of 60 minutes for 4500 "gbp"
    And a visitor whose browser is set to "Asia/Tokyo"

  Scenario Outline: invitee.canceled by the <who> shows who canceled and that the refund was made, on a <device>
    Given "Grace Hopper" has paid for a "Portfolio review" booking of "Ada Stone" with the card "4242424242424242"
    And a <device> browser whose time zone is "Asia/Tokyo"
    When the client opens the booking page in the browser
    Then the browser shows "You're booked"
    When the <who> cancels the paid booking on Calendly saying "<reason>"
    And the client reloads the booking page once its refund is "succeeded"
    Then the browser shows "This booking was canceled"
    And the booking page in the browser says "<who canceled>"
    And the booking page in the browser says "Your payment of £45.00 has been refunded."
    When the client opens the "<subject>" mail to "grace@example.com" in the SendGrid inbox
    Then the mail page gives the booked time in "Asia/Tokyo"
    When the client follows the mail's "View the booking" link
    Then the browser shows "This booking was canceled"
    And no page had serious accessibility violations
    And no page scrolled sideways

    Examples:
      | who     | reason              | who canceled                     | subject                    | device  |
      | invitee | Plans changed       | You canceled this booking.       | Canceled: Portfolio review | desktop |
      | invitee | Plans changed       | You canceled this booking.       | Canceled: Portfolio review | phone   |
      | host    | Builder is off sick | Ada Stone canceled this booking. | Canceled: Portfolio review | desktop |
      | host    | Builder is off sick | Ada Stone canceled this booking. | Canceled: Portfolio review | phone   |

  Scenario Outline: A reschedule on Calendly shows the new time in the client's zone, not a cancellation, on a <device>
    Given "Grace Hopper" has paid for a "Portfolio review" booking of "Ada Stone" with the card "4242424242424242"
    And a <device> browser whose time zone is "Asia/Tokyo"
    When the client opens the booking page in the browser
    And the invitee reschedules the paid booking to the next day on Calendly
    And the client reloads the booking page once it has moved
    Then the browser shows "You're booked"
    And the booking page in the browser gives the new time in "Asia/Tokyo"
    When the client opens the "Moved: Portfolio review" mail to "grace@example.com" in the SendGrid inbox
    Then the mail page gives the new time in "Asia/Tokyo"
    When the client follows the mail's "View the booking" link
    Then the browser shows "You're booked"
    And no page had serious accessibility violations
    And no page scrolled sideways

    Examples:
      | device  |
      | desktop |
      | phone   |

  Scenario Outline: invitee_no_show.created then .deleted leave the client's page as it was, on a <device>
    Given "Grace Hopper" has paid for a "Portfolio review" booking of "Ada Stone" with the card "4242424242424242"
    And a <device> browser whose time zone is "Asia/Tokyo"
    When the client opens the booking page in the browser
    And the host marks the paid booking's client as a no-show on Calendly
    And the client reloads the booking page once the app has "no_show" set to true
    Then the browser shows "You're booked"
    And the booking page in the browser does not say "no-show"
    When the host takes the no-show mark back on Calendly
    And the client reloads the booking page once the app has "no_show" set to false
    Then the browser shows "You're booked"
    And no mail to "grace@example.com" mentions a no-show
    And no page had serious accessibility violations

    Examples:
      | device  |
      | desktop |
      | phone   |

  Scenario Outline: A refund that is pending at the bank, then succeeds, is shown as it stands, on a <device>
    Given "Grace Hopper" has paid for a "Portfolio review" booking of "Ada Stone" with the card "4000000000007726"
    And a <device> browser whose time zone is "Asia/Tokyo"
    When the invitee cancels the paid booking on Calendly saying "Plans changed"
    And the client opens the booking page in the browser once its refund is "pending"
    Then the browser shows "This booking was canceled"
    And the booking page in the browser says "Your payment of £45.00 is being refunded."
    When Stripe settles the refund of the booking
    And the client reloads the booking page once its refund is "succeeded"
    Then the booking page in the browser says "Your payment of £45.00 has been refunded."
    When the client opens the "Refund for Portfolio review: 45.00 GBP" mail to "grace@example.com" in the SendGrid inbox
    Then the mail page gives the booked time in "Asia/Tokyo"
    When the client follows the mail's "View your booking" link
    Then the browser shows "This booking was canceled"
    And no page had serious accessibility violations
    And no page scrolled sideways

    Examples:
      | device  |
      | desktop |
      | phone   |

  Scenario Outline: A refund the card refuses after it succeeded is explained to the client, on a <device>
    Given "Grace Hopper" has paid for a "Portfolio review" booking of "Ada Stone" with the card "4000000000005126"
    And a <device> browser whose time zone is "Asia/Tokyo"
    When the invitee cancels the paid booking on Calendly saying "Plans changed"
    And the client opens the booking page in the browser once its refund is "succeeded"
    Then the booking page in the browser says "Your payment of £45.00 has been refunded."
    When Stripe settles the refund of the booking
    And the client reloads the booking page once its refund is "failed"
    Then the booking page in the browser says "We could not refund your payment of £45.00 to your card."
    And no page had serious accessibility violations
    And no page scrolled sideways

    Examples:
      | device  |
      | desktop |
      | phone   |
