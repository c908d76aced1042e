"""poe-lsp: send a selection to a Poe bot from any LSP editor and stream the answer back."""

__version__ = "0.1.0"
