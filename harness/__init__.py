"""The test harness: starts the app and the simulators on free ports and runs the suites.

Neither ``app_under_test`` nor ``simulators`` imports it or each other (import-linter contracts
in pyproject.toml). It imports both, as do the tests, contracts and benchmarks that set up data
or read state directly; the running app and simulators still meet only over HTTP, wired here
exactly as a deployment would wire them.
"""
