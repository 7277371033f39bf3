@paid @stripe @webhook @database
Feature: A client pays for a session through Stripe Checkout
  The booking is held (slot reserved) while the client is on Stripe's hosted
  page; only Stripe's webhook confirms it. The page the client returns to shows
  what the webhook recorded, and money moves at most once.

  Background:
    Given a builder "Ada Stone" working in "Europe/London" with skills "python"
    And "Ada Stone" offers a paid session "Portfolio review" of 60 minutes for 4500 "gbp"
    And a visitor whose browser is set to "Europe/London"

  @smoke
  Scenario: Paid booking happy path
    When the visitor opens the session "Portfolio review" of "Ada Stone"
    And the visitor picks the first offered slot
    And the visitor books as "Grace Hopper" with email "grace@example.com"
    Then the visitor is on Stripe's payment page for "£45.00"
    And the booking is held for payment with its slot reserved
    And Stripe has one open Checkout Session for the booking of 4500 "gbp" that names the booking
    When the visitor pays with the card "4242424242424242"
    Then the visitor is back on the booking's payment page
    And the page says "Payment received - you're booked" once the webhook has confirmed it
    And the booking is "confirmed" with its payment "paid" for 4500 "gbp" by the card ending "4242"
    And the booking is on the builder's calendar
    And Stripe captured 4500 "gbp" once for the booking and refunded nothing

  Scenario: A zero-decimal currency is charged in whole units
    Given "Ada Stone" offers a paid session "Code clinic" of 30 minutes for 5000 "jpy"
    When the visitor opens the session "Code clinic" of "Ada Stone"
    And the visitor picks the first offered slot
    And the visitor books as "Grace Hopper" with email "grace@example.com"
    Then the visitor is on Stripe's payment page for "¥5,000"
    When the visitor pays with the card "4242424242424242"
    Then the page says "Payment received - you're booked" once the webhook has confirmed it
    And the booking is "confirmed" with its payment "paid" for 5000 "jpy" by the card ending "4242"
    And Stripe captured 5000 "jpy" once for the booking and refunded nothing

  Scenario: A card that needs 3-D Secure is authenticated
    Given "Grace Hopper" holds a "Portfolio review" booking of "Ada Stone" and is on Stripe's payment page
    When the visitor pays with the card "4000002500003155"
    Then Stripe asks the visitor to authenticate the payment
    When the visitor completes the authentication
    Then the page says "Payment received - you're booked" once the webhook has confirmed it
    And the booking is "confirmed" with its payment "paid" for 4500 "gbp" by the card ending "3155"
    And Stripe captured 4500 "gbp" once for the booking and refunded nothing

  Scenario: A failed 3-D Secure authentication keeps the client on the checkout page
    Given "Grace Hopper" holds a "Portfolio review" booking of "Ada Stone" and is on Stripe's payment page
    When the visitor pays with the card "4000002760003184"
    And the visitor fails the authentication
    Then Stripe's payment page shows "We are unable to authenticate your payment method"
    And the booking stays held for payment, its last attempt declined with "payment_intent_authentication_failure"
    And no money moved for the booking

  Scenario Outline: A declined card keeps the client on the checkout page (<code>)
    Given "Grace Hopper" holds a "Portfolio review" booking of "Ada Stone" and is on Stripe's payment page
    When the visitor pays with the card "<card>"
    And the visitor completes the authentication if Stripe asks for it
    Then Stripe's payment page shows "<message>"
    And the booking stays held for payment, its last attempt declined with "<code>"
    And no money moved for the booking

    Examples:
      | card             | message                                   | code               |
      | 4000000000000002 | Your card was declined.                   | generic_decline    |
      | 4000000000009995 | Your card has insufficient funds.         | insufficient_funds |
      | 4000000000000069 | Your card has expired.                    | expired_card       |
      | 4000000000000127 | Your card's security code is incorrect.   | incorrect_cvc      |
      | 4000000000000119 | An error occurred while processing your card | processing_error |
      | 4100000000000019 | Your card was declined.                   | fraudulent         |
      | 4000008400001629 | Your card was declined.                   | generic_decline    |

  Scenario: After a decline the client pays with another card and is charged once
    Given "Grace Hopper" holds a "Portfolio review" booking of "Ada Stone" and is on Stripe's payment page
    When the visitor pays with the card "4000000000000002"
    Then Stripe's payment page shows "Your card was declined."
    When the visitor pays with the card "4242424242424242"
    Then the page says "Payment received - you're booked" once the webhook has confirmed it
    And the booking is "confirmed" with its payment "paid" for 4500 "gbp" by the card ending "4242"
    And Stripe captured 4500 "gbp" once for the booking and refunded nothing
