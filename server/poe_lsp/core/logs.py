"""Logging: to a file or stderr, never stdout, never with the API key in it, and
never with a byte a terminal would obey.

Log lines quote text the server does not choose: a bot's event names, error
texts and answers, HTTP headers, and at debug level every LSP message.  A
log read with ``cat`` or ``tail -f`` must not let that text move the cursor,
retitle the window or write the clipboard (terminal escape sequences), nor
forge a log line (a line break), so every record is escaped in one place,
:class:`SafeRecords`, as it reaches the handler.
"""

from __future__ import annotations

import errno
import io
import logging
import os
import re
import stat
import sys

_SECRETS: set[str] = set()
REDACTED = "[redacted]"
# The key can reach a log line before the server knows it: pygls logs the
# initialize request (with initializationOptions.apiKey) at debug level.
_PATTERNS = [
    re.compile(r"""(['"]apiKey['"]\s*:\s*['"])[^'"]*"""),
    re.compile(r"(Bearer\s+)[^\s'\",]+"),
]
# C0 controls (line breaks and ESC among them), DEL and the C1 controls
# (U+009B is a one-character CSI for many terminals), each shown as \xNN.
_CONTROLS = {c: f"\\x{c:02x}" for c in (*range(0x20), 0x7F, *range(0x80, 0xA0))}
# A traceback keeps its line structure; only its other controls are escaped.
_CONTROLS_BUT_NEWLINE = {c: e for c, e in _CONTROLS.items() if c != 0x0A}
_PRIVATE_FILE = 0o600


def redact(text: str) -> str:
    """``text`` without any known secret or key-shaped value."""
    for secret in _SECRETS:
        text = text.replace(secret, REDACTED)
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + REDACTED, text)
    return text


def escape_controls(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` with every C0/C1 control character (and DEL) written as ``\\xNN``."""
    return text.translate(_CONTROLS_BUT_NEWLINE if keep_newlines else _CONTROLS)


def add_secret(secret: str) -> None:
    """Redact this string from every log line from now on."""
    if len(secret) >= 4:
        _SECRETS.add(secret)


class SafeRecords(logging.Filter):
    """Makes a record safe to write: known secrets redacted, control characters escaped."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        text = escape_controls(redact(message))
        if text != message:
            record.msg, record.args = text, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = escape_controls(redact(record.exc_text), keep_newlines=True)
        if record.stack_info:
            record.stack_info = escape_controls(redact(record.stack_info), keep_newlines=True)
        return True


class PrivateFileHandler(logging.FileHandler):
    """Appends to a log file only its owner can read, never through a symbolic link.

    At debug level the log holds the user's code, so a new file is created
    0600 and an existing one of the user's is narrowed to 0600.  A symbolic
    link is refused: in a shared directory another user could point it at
    one of the user's files, which the log would then append to.
    """

    def _open(self) -> io.TextIOWrapper:
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC
        fd = os.open(self.baseFilename, flags | getattr(os, "O_NOFOLLOW", 0), _PRIVATE_FILE)
        try:
            st = os.fstat(fd)
            # Only a regular file of the user's: never chmod /dev/null or someone else's file.
            if stat.S_ISREG(st.st_mode) and st.st_uid == os.geteuid() and st.st_mode & 0o077:
                os.fchmod(fd, _PRIVATE_FILE)
            return open(fd, "a", encoding=self.encoding, errors=self.errors)
        except BaseException:
            os.close(fd)
            raise


def _file_handler(path: str) -> logging.Handler:
    """The handler for ``--log-file``; its folder, if missing, is created 0700."""
    parent = os.path.dirname(os.path.abspath(path))
    os.makedirs(parent, mode=0o700, exist_ok=True)
    # A client can send lone surrogates (JSON allows "\ud800"); a log line quoting
    # one must still be written, not dropped with a "Logging error".
    return PrivateFileHandler(path, encoding="utf-8", errors="backslashreplace")


def setup_logging(path: str | None, level: str, secrets: list[str] | None = None) -> None:
    """Send the log to ``path`` (or stderr) at ``level``; quiet the chatty libraries.

    A log file that cannot be opened (a symbolic link, a missing permission)
    leaves the log on stderr, with one line saying why: the server still starts.
    """
    for secret in secrets or []:
        add_secret(secret)
    problem = None
    handler: logging.Handler
    try:
        handler = _file_handler(path) if path else logging.StreamHandler(sys.stderr)
    except (OSError, ValueError) as error:  # ValueError: a NUL in the path
        handler = logging.StreamHandler(sys.stderr)
        symlink = isinstance(error, OSError) and error.errno == errno.ELOOP
        reason = "it is a symbolic link" if symlink else getattr(error, "strerror", None) or error
        problem = f"cannot write the log file {path} ({reason}); logging to stderr instead"
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(SafeRecords())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # pygls logs every message body at INFO; httpx logs every request line.
    quiet = "DEBUG" if level.lower() == "debug" else "WARNING"
    for name in ("pygls", "httpx", "httpcore", "uvicorn", "uvicorn.access"):
        logging.getLogger(name).setLevel(quiet if name == "pygls" else "WARNING")
    if problem:
        logging.getLogger(__name__).error("%s", problem)
