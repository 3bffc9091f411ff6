"""roofkit_ratelimit."""
