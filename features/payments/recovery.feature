@paid @stripe @webhook @database
Feature: Payment failures are recoverable and money moves at most once
  Canceling on Stripe's page leads back to an offer to pay again; a session or
  hold that runs out releases the slot; a payment that arrives after its hold
  was released is refunded and the client told; canceling a paid booking
  refunds it through Stripe's API, and a refund that Stripe completes or fails
  later is shown as it stands.

  Background:
    Given a builder "Ada Stone" working in "Europe/London" with skills "python"
    And "Ada Stone" offers a paid session "Portfolio review" of 60 minutes for 4500 "gbp"
    And a visitor whose browser is set to "Europe/London"
    And "Grace Hopper" holds a "Portfolio review" booking of "Ada Stone" and is on Stripe's payment page

  Scenario: Cancel on Stripe's page, then pay again: a new session for the same held booking
    When the visitor goes back from Stripe's payment page
    Then the page says "Your payment was not completed" and offers to pay again
    And the booking is held for payment with its slot reserved
    When the visitor chooses to pay now
    Then the visitor is on a new Stripe payment page for the same booking
    And the first Checkout Session was expired at Stripe and can no longer be paid
    When the visitor pays with the card "4242424242424242"
    Then the page says "Payment received - you're booked" once the webhook has confirmed it
    And the booking is "confirmed" with its payment "paid" for 4500 "gbp" by the card ending "4242"
    And Stripe captured 4500 "gbp" once for the booking and refunded nothing

  Scenario: A Checkout Session that expires at Stripe releases the slot
    When the Checkout Session expires unpaid at Stripe
    Then the booking expires, its payment "expired", and its slot is offered again
    And no money moved for the booking

  Scenario: The hold sweep releases a hold whose time ran out and expires its session through the API
    When the hold sweep runs after the hold has ended
    Then the sweep released the booking
    And the booking expires, its payment "expired", and its slot is offered again
    And the Checkout Session was expired at Stripe and can no longer be paid
    When the hold sweep runs after the hold has ended
    Then the sweep changed nothing
    And no money moved for the booking

  Scenario: A payment that arrives after the hold was released is refunded and the client told
    Given Stripe's API fails every request to expire a Checkout Session
    When the hold sweep runs after the hold has ended
    Then the booking expires, its payment "expired", and its slot is offered again
    When the visitor pays with the card "4242424242424242"
    Then the booking stays "expired" and its payment is refunded in full for "late_payment"
    And the page says "Your payment was refunded" once the webhook has confirmed it
    And the booking page tells the client "arrived after the time we held for you had been released"
    And Stripe captured 4500 "gbp" once for the booking and refunded it in full

  Scenario: Canceling a paid booking on Calendly refunds it through Stripe
    When the visitor pays with the card "4242424242424242"
    Then the booking is "confirmed" with its payment "paid" for 4500 "gbp" by the card ending "4242"
    When the client cancels the booking on Calendly
    Then the booking is "canceled" and its payment is refunded in full for "canceled"
    And the booking page tells the client "has been refunded"
    And Stripe captured 4500 "gbp" once for the booking and refunded it in full

  Scenario: A refund the card's bank completes later shows as pending until Stripe reports it succeeded
    When the visitor pays with the card "4000000000007726"
    Then the booking is "confirmed" with its payment "paid" for 4500 "gbp" by the card ending "7726"
    When the client cancels the booking on Calendly
    Then the booking is "canceled" and its refund of 4500 "gbp" is pending at Stripe
    And the booking page tells the client "is being refunded"
    When Stripe settles the refund of the booking
    Then the booking is "canceled" and its payment is refunded in full for "canceled"
    And the booking page tells the client "has been refunded"
    And Stripe captured 4500 "gbp" once for the booking and refunded it in full

  Scenario: A refund that fails after Stripe reported it succeeded leaves the payment paid and says so
    When the visitor pays with the card "4000000000005126"
    Then the booking is "confirmed" with its payment "paid" for 4500 "gbp" by the card ending "5126"
    When the client cancels the booking on Calendly
    Then the booking is "canceled" and its payment is refunded in full for "canceled"
    When Stripe settles the refund of the booking
    Then the booking is "canceled", its payment "paid" again and its refund "failed"
    And the booking page tells the client "We could not refund your payment"
    And Stripe captured 4500 "gbp" once for the booking and refunded nothing
