"""simulators/stripe"""
