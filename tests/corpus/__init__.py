"""The generated report corpus: exact roofs (roofs.py) rendered into each format (renderers/)."""
