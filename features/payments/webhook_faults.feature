@paid @stripe @webhook @fault @database
Feature: Stripe's webhooks are verified, stored once and applied once, whatever the delivery does
  Every delivery is checked with stripe-python's construct_event over the raw
  body. A duplicate (same event id) is acknowledged and not applied again; a
  distinct event for the same change is applied as a no-op; order does not
  matter; a refused or lost delivery is recovered from Stripe's API by the hold
  sweep. Money moves at most once.

  Background:
    Given a builder "Ada Stone" working in "Europe/London" with skills "python"
    And "Ada Stone" offers a paid session "Portfolio review" of 60 minutes for 4500 "gbp"
    And a visitor whose browser is set to "Europe/London"
    And "Grace Hopper" holds a "Portfolio review" booking of "Ada Stone" and is on Stripe's payment page

  Scenario Outline: checkout.session.completed delivered <copies> times confirms the booking once
    Given Stripe will deliver checkout.session.completed <copies> times
    When the visitor pays with the card "4242424242424242"
    Then the app answered all <copies> deliveries of checkout.session.completed with 200
    And the app stored checkout.session.completed once and processed it
    And the booking is "confirmed" with its payment "paid" for 4500 "gbp" by the card ending "4242"
    And Stripe captured 4500 "gbp" once for the booking and refunded nothing

    Examples:
      | copies |
      | 2      |
      | 10     |

  Scenario: Ten copies of checkout.session.completed at the same moment confirm the booking once
    Given Stripe will deliver checkout.session.completed 10 times at the same moment
    When the visitor pays with the card "4242424242424242"
    Then the app answered all 10 deliveries of checkout.session.completed with 200
    And the app stored checkout.session.completed once and processed it
    And the booking is "confirmed" with its payment "paid" for 4500 "gbp" by the card ending "4242"
    And Stripe captured 4500 "gbp" once for the booking and refunded nothing

  Scenario: A second, distinct event for the same completed checkout changes nothing
    Given Stripe will also send a distinct event for the same completed checkout
    When the visitor pays with the card "4242424242424242"
    Then the app stored 2 distinct checkout.session.completed events and processed both
    And the booking is "confirmed" with its payment "paid" for 4500 "gbp" by the card ending "4242"
    When an operator replays both checkout.session.completed events
    Then the booking and its payment are exactly as they were
    And Stripe captured 4500 "gbp" once for the booking and refunded nothing

  Scenario: The webhook confirms the payment before the client is back from Stripe
    When the client pays on Stripe's side and never follows the redirect
    Then the booking is "confirmed" with its payment "paid" for 4500 "gbp" by the card ending "4242"
    When the visitor opens the page Stripe sends paying clients back to
    Then the page says "Payment received - you're booked" at once

  Scenario: The client is back before the webhook and the page waits for it
    Given Stripe will deliver checkout.session.completed 2 minutes late
    When the visitor pays with the card "4242424242424242"
    Then the visitor is back on the booking's payment page
    And the page says "Confirming your payment" and updates by itself
    And the booking is still held for payment
    When 2 minutes pass at Stripe
    Then the page says "Payment received - you're booked" once the webhook has confirmed it
    And Stripe captured 4500 "gbp" once for the booking and refunded nothing

  Scenario: A completed checkout without metadata.bookingId or client_reference_id is matched by its session id
    Given Stripe will deliver checkout.session.completed without metadata.bookingId and client_reference_id
    When the visitor pays with the card "4242424242424242"
    Then the booking is "confirmed" with its payment "paid" for 4500 "gbp" by the card ending "4242"
    And Stripe captured 4500 "gbp" once for the booking and refunded nothing

  Scenario: A payment for a checkout the app never opened is a dead letter an operator can see
    When someone pays a Checkout Session that was made outside the app
    Then the app dead-lettered that checkout.session.completed with a reason naming the session
    And the booking is still held for payment

  Scenario Outline: A delivery with <fault> is refused with <reason>, then recovered from Stripe's API
    Given Stripe will deliver checkout.session.completed with <fault>
    When the visitor pays with the card "4242424242424242"
    Then the app refused the delivery of checkout.session.completed with 400 "<reason>"
    And the app stored no checkout.session.completed event
    And the booking is still held for payment
    When the hold sweep runs after the hold has ended
    Then the sweep confirmed the booking from Stripe's API
    And the booking is "confirmed" with its payment "paid" for 4500 "gbp" by the card ending "4242"
    And Stripe captured 4500 "gbp" once for the booking and refunded nothing

    Examples:
      | fault                               | reason            |
      | a corrupted signature               | invalid_signature |
      | a signature 10 minutes old          | stale_signature   |
      | a signing key the app does not know | invalid_signature |

  Scenario: A lost checkout.session.completed is recovered from Stripe's API by the hold sweep
    Given Stripe will lose checkout.session.completed
    When the visitor pays with the card "4242424242424242"
    Then the booking is still held for payment
    When the hold sweep runs after the hold has ended
    Then the sweep confirmed the booking from Stripe's API
    And the booking is "confirmed" with its payment "paid" for 4500 "gbp" by the card ending "4242"
    And Stripe captured 4500 "gbp" once for the booking and refunded nothing

  Scenario: Deliveries keep verifying while Stripe's signing secret is rotated
    When Stripe's signing secret is rolled and the old one stays valid for an hour
    And the visitor pays with the card "4242424242424242"
    Then the delivery of checkout.session.completed carried a signature for each of the 2 active secrets
    And the booking is "confirmed" with its payment "paid" for 4500 "gbp" by the card ending "4242"

  Scenario: Once the old secret is gone, Stripe's retry is accepted after the app gets the new one
    When Stripe's signing secret is rolled and the old one expires at once
    And the visitor pays with the card "4242424242424242"
    Then the app refused the delivery of checkout.session.completed with 400 "invalid_signature"
    When the operator puts the new signing secret into the app's configuration
    And an hour passes at Stripe, so it retries the failed deliveries
    Then the booking is "confirmed" with its payment "paid" for 4500 "gbp" by the card ending "4242"
    And Stripe captured 4500 "gbp" once for the booking and refunded nothing
