@paid @stripe @webhook @database
Feature: A payment confirms a booking only when it is the booking's price
  Following Stripe's fulfilment guidance, the app checks what was paid, not only
  that something was: a completed Checkout Session whose amount_total or currency
  is not the booking's price confirms nothing. The money goes back in full through
  the app's refund path, the booking is canceled unconfirmed, the client is told in
  plain words and the operator sees it in the log and on the operator API. The
  mismatch is made the way it happens at Stripe: the customer picks their own
  currency on the hosted page (Adaptive Pricing, switched on in the Dashboard).

  Background:
    Given a builder "Ada Stone" working in "Europe/London" with skills "python"
    And "Ada Stone" offers a paid session "Portfolio review" of 60 minutes for 4500 "gbp"
    And a visitor whose browser is set to "Europe/London"
    And "Grace Hopper" holds a "Portfolio review" booking of "Ada Stone" and is on Stripe's payment page
    And the app's log is recorded

  Scenario: A payment taken in another currency is refunded and the booking is not confirmed
    When the client chooses to pay in "eur" at the rate "1.17" on Stripe's page
    And the visitor pays with the card "4242424242424242"
    Then the booking is "canceled" and its payment is refunded in full for "amount_mismatch"
    And the booking was never put on the builder's calendar
    And the booking page tells the client "which is not the price of this session (£45.00)"
    And the operator API lists a payment of 5265 "eur" against the price of 4500 "gbp", refunded
    And the app logged "payment_amount_mismatch" for the booking
    And Stripe captured 5265 "eur" once for the booking and refunded it in full

  Scenario: The hold sweep reconciling a lost webhook refunds a payment that is not the price
    Given Stripe will lose checkout.session.completed
    When the client chooses to pay in "eur" at the rate "1.17" on Stripe's page
    And the visitor pays with the card "4242424242424242"
    And the hold sweep runs after the hold has ended
    Then the sweep refused the booking instead of confirming it
    And the booking is "canceled" and its payment is refunded in full for "amount_mismatch"
    And the operator API lists a payment of 5265 "eur" against the price of 4500 "gbp", refunded
    And the app logged "payment_amount_mismatch" for the booking
    When the hold sweep runs after the hold has ended
    Then Stripe captured 5265 "eur" once for the booking and refunded it in full

  Scenario: Three deliveries of a completed session that is not the price refund it once
    Given Stripe will deliver checkout.session.completed 3 times
    When the client chooses to pay in "eur" at the rate "1.17" on Stripe's page
    And the visitor pays with the card "4242424242424242"
    Then the app answered all 3 deliveries of checkout.session.completed with 200
    And the booking is "canceled" and its payment is refunded in full for "amount_mismatch"
    And the operator API lists a payment of 5265 "eur" against the price of 4500 "gbp", refunded
    And the app logged "payment_amount_mismatch" for the booking
    And Stripe captured 5265 "eur" once for the booking and refunded it in full
