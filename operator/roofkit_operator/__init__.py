"""roofkit_operator."""
