"""roofkit_auth."""
