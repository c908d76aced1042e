"""``poe.fix``: rewrite a range so that the given diagnostics go away.

The diagnostics (message, code, source, range) come from the code action
context; the rewrite follows the same edit modes and safety rules as a
refactor.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from lsprotocol import types

from poe_lsp.core.textdoc import Document, Pos, Span

from .arguments import invalid, open_document, parse_position, parse_range, the_argument
from .commands import start_job
from .jobs import JobManager
from .server import PoeServer

SEVERITIES = {1: "error", 2: "warning", 3: "information", 4: "hint"}


def format_diagnostics(command: str, value: Any) -> tuple[str, list[Pos]]:
    """The diagnostics as prompt text, and the positions they name (for an empty range)."""
    if not isinstance(value, list) or not value:
        raise invalid(
            f"{command} needs 'diagnostics': the list of LSP diagnostics to fix "
            "(as the code action context gives them)."
        )
    lines: list[str] = []
    positions: list[Pos] = []
    for i, diagnostic in enumerate(value[:50]):
        if not isinstance(diagnostic, Mapping):
            raise invalid(f"{command}: diagnostics[{i}] must be an LSP Diagnostic object.")
        message = diagnostic.get("message")
        if not isinstance(message, str) or not message.strip():
            raise invalid(f"{command}: diagnostics[{i}] needs a 'message' string.")
        rng = diagnostic.get("range")
        rng = rng if isinstance(rng, Mapping) else {}
        start = parse_position(rng.get("start"), f"diagnostics[{i}].range.start", command)
        end = parse_position(rng.get("end"), f"diagnostics[{i}].range.end", command)
        positions += [start, end]
        origin = ""
        source, code = diagnostic.get("source"), diagnostic.get("code")
        if isinstance(source, str) and source:
            origin = source
        if isinstance(code, str | int) and not isinstance(code, bool):
            origin = f"{origin} {code}".strip()
        level = diagnostic.get("severity")
        # Any JSON may arrive here: a list or object is no key (and no severity).
        severity = "problem"
        if isinstance(level, int) and not isinstance(level, bool):
            severity = SEVERITIES.get(level, "problem")
        where = f"line {start.line + 1}, column {start.character + 1}"
        label = f"{severity} [{origin}]" if origin else severity
        lines.append(f"- {where}: {label}: {' '.join(message.split())}")
    if len(value) > 50:
        lines.append(f"- … and {len(value) - 50} more")
    return "\n".join(lines), positions


async def fix(
    server: PoeServer, params: types.ExecuteCommandParams, *, jobs: JobManager
) -> dict[str, str]:
    """``poe.fix {uri, range, diagnostics, bot?, parameters?}``.

    An empty range (a cursor on a squiggle) grows to the whole lines that the
    range and the diagnostics cover: the fix needs something to rewrite.
    """
    command = "poe.fix"
    arg = the_argument(command, params)
    await server.ready()
    doc = open_document(server, command, arg)
    span = parse_range(server, command, doc, arg.get("range"))
    diagnostics, positions = format_diagnostics(command, arg.get("diagnostics"))
    if span.start == span.end:
        span = _whole_lines(server, doc, span, positions)
        if not doc.text[span.start : span.end].strip():
            raise invalid(f"{command}: the diagnostics point at blank lines; select the code.")
    return start_job(
        server,
        jobs,
        params,
        arg,
        action="fix",
        doc=doc,
        span=span,
        edits=True,
        diagnostics=diagnostics,
    )


def _whole_lines(server: PoeServer, doc: Document, span: Span, positions: list[Pos]) -> Span:
    """The whole lines holding ``span`` and ``positions``, line breaks included."""
    count = doc.line_count()
    lines = [p.line for p in positions if p.line < count]
    lines.append(doc.pos_at(span.start, server.encoding).line)
    first, last = min(lines), max(lines)
    end = doc.line_start(last + 1) if last + 1 < count else len(doc.text)
    return Span(doc.line_start(first), end)


def setup(server: PoeServer, jobs: JobManager) -> None:
    """Register ``poe.fix``."""
    server.register_command("poe.fix", partial(fix, jobs=jobs))
