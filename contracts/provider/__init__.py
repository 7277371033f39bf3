"""Provider side: the simulators verified against the booking service's pacts."""
