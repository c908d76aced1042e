"""Logging: to a file or stderr, never stdout, and never with the API key in it."""

from __future__ import annotations

import logging
import re
import sys

_SECRETS: set[str] = set()
REDACTED = "[redacted]"
# The key can reach a log line before the server knows it: pygls logs the
# initialize request (with initializationOptions.apiKey) at debug level.
_PATTERNS = [
    re.compile(r"""(['"]apiKey['"]\s*:\s*['"])[^'"]*"""),
    re.compile(r"(Bearer\s+)[^\s'\",]+"),
]


def redact(text: str) -> str:
    """``text`` without any known secret or key-shaped value."""
    for secret in _SECRETS:
        text = text.replace(secret, REDACTED)
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + REDACTED, text)
    return text


def add_secret(secret: str) -> None:
    """Redact this string from every log line from now on."""
    if len(secret) >= 4:
        _SECRETS.add(secret)


class RedactSecrets(logging.Filter):
    """Replaces any known secret in a record's final message."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        text = redact(message)
        if text != message:
            record.msg, record.args = text, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


def setup_logging(path: str | None, level: str, secrets: list[str] | None = None) -> None:
    """Send the log to ``path`` (or stderr) at ``level``; quiet the chatty libraries."""
    for secret in secrets or []:
        add_secret(secret)
    handler: logging.Handler = (
        # A client can send lone surrogates (JSON allows "\ud800"); a log line quoting
        # one must still be written, not dropped with a "Logging error".
        logging.FileHandler(path, encoding="utf-8", errors="backslashreplace")
        if path
        else logging.StreamHandler(sys.stderr)
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # pygls logs every message body at INFO; httpx logs every request line.
    quiet = "DEBUG" if level.lower() == "debug" else "WARNING"
    for name in ("pygls", "httpx", "httpcore", "uvicorn", "uvicorn.access"):
        logging.getLogger(name).setLevel(quiet if name == "pygls" else "WARNING")
