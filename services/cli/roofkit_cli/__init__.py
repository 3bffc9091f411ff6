"""roofkit_cli."""
