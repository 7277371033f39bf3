"""simulators/calendly"""
