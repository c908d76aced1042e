"""``FILE[:START[-END]]``: the file ``poe-lsp ask`` works on, and which of its lines.

The file is read as bytes and decoded as UTF-8 without newline translation,
so the text (and what ``--apply`` writes back) keeps its ``\\r\\n`` line
endings, its byte order mark and its last line exactly as they are.  Each
way the argument can be wrong has its own sentence.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

from poe_lsp.core.docs.parsing import EXTENSIONS as LANGUAGES

_LINES = re.compile(r"(?P<start>\d+)(?:-(?P<end>\d+))?")


class UsageError(Exception):
    """Bad command line: exit 2 with this sentence."""


@dataclass(frozen=True)
class Target:
    """FILE[:START[-END]] resolved against the file's text."""

    path: str
    """``-`` for stdin."""
    text: str
    start: int
    end: int
    lines: tuple[int, int] | None
    """1-based first and last line, or None for the whole file."""

    @property
    def newline(self) -> str:
        """The line ending new lines get: the range's own, else the file's usual one."""
        part = self.text[self.start : self.end]
        if "\n" in part:
            return "\r\n" if part[: part.index("\n")].endswith("\r") else "\n"
        crlf = self.text.count("\r\n")
        return "\r\n" if crlf and crlf * 2 >= self.text.count("\n") else "\n"


def split_spec(spec: str) -> tuple[str, tuple[int, int] | None]:
    """``FILE[:START[-END]]`` -> (FILE, (START, END) or None)."""
    if spec == "-" or Path(spec).exists() or ":" not in spec:
        return spec, None
    path, _, lines = spec.rpartition(":")
    match = _LINES.fullmatch(lines)
    if match is None:
        if path == "-" or Path(path).exists():
            raise UsageError(
                f"'{lines}' in {spec} is not a line number or a START-END range "
                f"(e.g. {path}:12 or {path}:12-30)."
            )
        return spec, None  # no such file either way: reading it says so
    first = int(match["start"])
    last = int(match["end"]) if match["end"] else first
    return path, (first, last)


def read_target(spec: str) -> Target:
    """Read the file (or stdin) and turn the 1-based line range into offsets."""
    path, lines = split_spec(spec)
    try:
        data = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        name = "stdin" if path == "-" else path
        raise UsageError(
            f"cannot read {name}: it is not UTF-8 text (byte 0x{data[exc.start]:02x} "
            f"at offset {exc.start})."
        ) from None
    if lines is None:
        return Target(path, text, 0, len(text), None)
    first, last = lines
    line_starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]
    if text.endswith("\n"):
        line_starts.pop()
    count = len(line_starts)
    if first < 1:
        raise UsageError(f"line numbers start at 1; {spec} asks for line {first}.")
    if last < first:
        raise UsageError(
            f"the range {first}-{last} is reversed: START must not be greater than END "
            f"(did you mean {last}-{first}?)."
        )
    if last > count:
        asked = f"line {last} is" if first == last else f"lines {first}-{last} are"
        raise UsageError(f"{asked} not in {path}, which has {count} lines.")
    end = line_starts[last] if last < count else len(text)
    return Target(path, text, line_starts[first - 1], end, (first, last))


def language_of(target: Target, given: str | None) -> str:
    """The LSP language id: ``--language``, else from the file's extension."""
    if given:
        return given
    return LANGUAGES.get(Path(target.path).suffix.lower(), "plaintext")
