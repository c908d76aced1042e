"""The command line: ``poe-lsp`` and its verbs.  Starts the server through
:mod:`poe_lsp.lsp`'s public entry points and never imports its internals."""
