"""The plain core: documents and positions, prompts, context, answer cleaning,
doc placement, settings and errors.  Imports neither pygls nor any HTTP client."""
