"""``python -m poe_lsp`` is the same program as ``poe-lsp``."""

from .cli.main import main

main()
