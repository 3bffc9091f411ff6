"""roofkit_runtime."""
