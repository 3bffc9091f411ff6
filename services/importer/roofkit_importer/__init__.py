"""roofkit_importer."""
