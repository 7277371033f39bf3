"""The test harness: starts the app and the simulators on free ports and runs the suites.

It is the only package allowed to import both ``app_under_test`` and
``simulators``; it wires them together exactly as a deployment would, over HTTP.
"""
