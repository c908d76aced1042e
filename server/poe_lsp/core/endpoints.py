"""Poe's default endpoints and the project's own address: written once.

Only the user (environment or ``initializationOptions``) may replace these;
see :mod:`poe_lsp.core.settings`.
"""

from __future__ import annotations

DEFAULT_BASE_URL = "https://api.poe.com/bot/"
"""The bot-protocol base: bot ``X`` is requested at ``<base>X``."""
DEFAULT_UPLOAD_URL = "https://www.quora.com/poe_api/"
"""Where attachments are uploaded."""
DEFAULT_OPENAI_BASE_URL = "https://api.poe.com/v1"
"""The OpenAI-compatible API (chat completions; the catalogue is ``<this>/models``)."""
DEFAULT_USAGE_URL = "https://api.poe.com/usage/"
"""``current_balance`` and ``points_history``."""
PROJECT_URL = "https://github.com/poe-lsp/poe-lsp"
"""Sent as ``HTTP-Referer`` unless ``app.referer`` says otherwise."""
