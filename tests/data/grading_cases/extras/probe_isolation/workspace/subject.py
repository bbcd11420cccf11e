"""The 'agent code' of the probe isolation case: what its probes import."""
VALUE = 7
