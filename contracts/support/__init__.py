"""The machinery the consumer and provider contract tests share: cases, runs, states, results."""
