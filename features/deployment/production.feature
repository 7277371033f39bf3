@deployment
Feature: The deployment is stable
  Production start-up refuses an incomplete configuration with one message naming
  every problem, and the health endpoints tell an orchestrator when to route traffic.

  Scenario: Production refuses to start with missing and placeholder settings, naming each one
    Given a production environment where "STRIPE_SECRET_KEY" is "changeme" and "SENDGRID_API_KEY" is missing
    When the operator checks the configuration
    Then the check fails naming "STRIPE_SECRET_KEY holds a placeholder value"
    And the check names "SENDGRID_API_KEY is missing"
    And the check names every other required variable that is missing
    And no secret value appears in the output

  Scenario: A complete production configuration passes the check
    Given a complete production environment
    When the operator checks the configuration
    Then the check passes

  @database @smoke
  Scenario: The service reports itself live and ready
    When the orchestrator probes the service
    Then "/healthz" answers 200 with status "ok"
    And "/readyz" answers 200 with status "ready"

  Scenario: Readiness fails while the database is unreachable, liveness does not
    Given the service runs against a database that does not answer
    When the orchestrator probes the service
    Then "/healthz" answers 200 with status "ok"
    And "/readyz" answers 503 with status "unavailable"
