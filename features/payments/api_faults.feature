@paid @stripe @fault @database
Feature: Stripe API failures at checkout are clear, retryable and leave nothing half-made
  The held booking and its Checkout Session are made in one transaction: when
  Stripe still fails after stripe-python's own retries (which reuse the request's
  idempotency key), the client gets a clear answer to retry and no booking, slot
  claim or payment row exists.

  Background:
    Given a builder "Ada Stone" working in "Europe/London" with skills "python"
    And "Ada Stone" offers a paid session "Portfolio review" of 60 minutes for 4500 "gbp"
    And a visitor whose browser is set to "Europe/London"

  Scenario Outline: Stripe answers 500 <when> making the session; the library's retry makes exactly one
    Given Stripe's API answers the next Checkout Session request with a 500 <when> making the session
    When the visitor opens the session "Portfolio review" of "Ada Stone"
    And the visitor picks the first offered slot
    And the visitor books as "Grace Hopper" with email "grace@example.com"
    Then the visitor is on Stripe's payment page for "£45.00"
    And Stripe made exactly one Checkout Session, after failing one request
    And the booking is held for payment with its slot reserved

    Examples:
      | when   |
      | before |
      | after  |

  Scenario Outline: Stripe <trouble>: a clear answer to retry, and nothing written
    Given Stripe's API <trouble>
    When the visitor opens the session "Portfolio review" of "Ada Stone"
    And the visitor picks the first offered slot
    And the visitor books as "Grace Hopper" with email "grace@example.com"
    Then the request is refused with status <status> and the reason "<reason>"
    And the answer asks to retry in a minute
    And no booking was written
    And no payment was written and Stripe has no Checkout Session
    And the chosen slot is still offered

    Examples:
      | trouble                    | status | reason                                  |
      | is down                    | 503    | payment provider cannot be reached      |
      | drops every connection     | 503    | payment provider cannot be reached      |
      | rate limits every request  | 429    | payment provider is busy right now      |

  Scenario: A JSON client gets the reason as JSON, and books once Stripe is back
    Given Stripe's API is down
    When the visitor opens the session "Portfolio review" of "Ada Stone"
    And the visitor picks the first offered slot
    And a JSON client posts the booking as "Grace Hopper" with email "grace@example.com"
    Then the answer is JSON with status 503 and the code "payment_provider_unavailable"
    And no booking was written
    When Stripe's API is back
    And the visitor opens the session "Portfolio review" of "Ada Stone"
    And the visitor books as "Grace Hopper" with email "grace@example.com"
    Then the visitor is on Stripe's payment page for "£45.00"
    And Stripe has one open Checkout Session for the booking of 4500 "gbp" that names the booking
