"""Benchmarks of poe-lsp (``python -m bench``; see README "Performance")."""
