@email @paid @stripe @database
Feature: Paid sessions: a receipt, a confirmation that says it was paid, and the refund when canceled
  The mails of a paid session follow Stripe's webhooks: nothing while the client
  is on the payment page, a receipt and a confirmation once the payment arrives,
  and on cancellation a notice naming the refund, then the refund's own receipt.

  Background:
    Given a builder "Ada Stone" working in "Europe/London" with skills "python"
    And "Ada Stone" offers a paid session "Portfolio review" of 60 minutes for 4500 "gbp"
    And a visitor whose browser is set to "Asia/Tokyo"

  Scenario: Paying sends one receipt and one confirmation, in the client's zone
    Given "Grace Hopper" holds a "Portfolio review" booking of "Ada Stone" and is on Stripe's payment page
    Then "grace@example.com" receives no confirmation mail
    When the visitor pays with the card "4242424242424242"
    Then the page says "Payment received - you're booked" once the webhook has confirmed it
    And "grace@example.com" receives exactly 1 receipt mail
    And the mail's subject is "Receipt for Portfolio review: 45.00 GBP"
    And the mail says "We received 45.00 GBP for Portfolio review with Ada Stone on"
    And the mail says "Card: ending in 4242"
    And the mail names the booking's Stripe payment and Checkout Session
    And the mail gives the session's start in "Asia/Tokyo"
    And the mail has no empty template variables
    And "grace@example.com" receives exactly 1 confirmation mail
    And the mail says "Price: 45.00 GBP, paid"
    And the mail gives the session's start in "Asia/Tokyo"
    And "ada-stone@builders.example.com" receives exactly 1 confirmation mail
    And the mail gives the session's start in "Europe/London"
    And "ada-stone@builders.example.com" receives no receipt mail

  Scenario: The host cancels a paid session: the notice names the refund, and the refund has its receipt
    Given "Grace Hopper" holds a "Portfolio review" booking of "Ada Stone" and is on Stripe's payment page
    When the visitor pays with the card "4242424242424242"
    Then the page says "Payment received - you're booked" once the webhook has confirmed it
    When the host cancels the paid booking on Calendly saying "Double-booked, sorry"
    Then "grace@example.com" receives exactly 1 cancellation mail
    And the mail says "Canceled by: Ada Stone (the builder)"
    And the mail says "Refund: 45.00 GBP goes back to the card it was paid with"
    And the mail has no empty template variables
    And "grace@example.com" receives exactly 1 refund mail
    And the mail's subject is "Refund for Portfolio review: 45.00 GBP"
    And the mail names the booking's Stripe refund
    And "ada-stone@builders.example.com" receives exactly 1 cancellation mail
    And the mail says "Refund: 45.00 GBP goes back to the card it was paid with"
    And no mail was sent twice
