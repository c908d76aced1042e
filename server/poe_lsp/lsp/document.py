"""``poe.document``: write or replace the doc comment of the enclosing definition.

tree-sitter (:mod:`poe_lsp.core.docs`) finds the function, method or class around
the position and where its doc comment goes; the bot is asked for the text
only, and :func:`poe_lsp.core.docs.render_doc` puts it in the language's own form
(Python docstring inside the body; ``/** */``, ``///``, ``//``, ``---`` above).
Only the doc comment changes: the job's target is the existing comment, or
an empty span where a new one goes, so the range tracker keeps everything
else byte for byte.

In a language without a grammar, a selection is documented as a whole (the
bot rewrites it with documentation added, as a refactor would) and the
command's answer carries a ``note`` saying so.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from lsprotocol import types

from poe_lsp.core import docs
from poe_lsp.core.planning import FALLBACK_INSTRUCTION, plan_document
from poe_lsp.core.textdoc import Document, Span

from .arguments import invalid, open_document, parse_position, parse_range, the_argument
from .commands import start_job
from .jobs import JobManager
from .server import PoeServer


def _target_span(server: PoeServer, command: str, doc: Document, arg: dict[str, Any]) -> Span:
    if arg.get("range") is not None:
        return parse_range(server, command, doc, arg["range"])
    if arg.get("position") is not None:
        pos = parse_position(arg["position"], "position", command)
        if pos.line > doc.line_count():
            raise invalid(
                f"{command}: position is on line {pos.line + 1} but the document has "
                f"{doc.line_count()} lines."
            )
        offset = doc.offset_at(pos, server.encoding)
        return Span(offset, offset)
    raise invalid(f"{command} needs a 'position' (the cursor) or a 'range' inside a definition.")


async def document(
    server: PoeServer, params: types.ExecuteCommandParams, *, jobs: JobManager
) -> dict[str, str]:
    """``poe.document {uri, position or range, bot?, parameters?}``."""
    command = "poe.document"
    arg = the_argument(command, params)
    await server.ready()
    doc = open_document(server, command, arg)
    span = _target_span(server, command, doc, arg)
    plan = plan_document(doc.text, doc.language_id, span.start, span.end)
    if plan is None:
        if docs.supported(doc.language_id):
            raise invalid(
                f"{command}: there is no function, method or class at that position; put the "
                "cursor inside the definition to document."
            )
        if span.start == span.end:
            raise invalid(
                f"{command}: poe-lsp cannot find definitions in '{doc.language_id}' files; "
                "select the code to document instead."
            )
        answer = start_job(
            server,
            jobs,
            params,
            arg,
            action="document",
            doc=doc,
            span=span,
            edits=True,
            instruction=FALLBACK_INSTRUCTION,
            template_action="refactor",
        )
        return {
            **answer,
            "note": (
                f"poe-lsp has no grammar for '{doc.language_id}': the bot documents the "
                "selection as a whole, and may touch more than doc comments."
            ),
        }
    return start_job(
        server,
        jobs,
        params,
        arg,
        action="document",
        doc=doc,
        span=plan.span,
        prompt_span=plan.prompt_span,
        edits=True,
        instruction=plan.instruction,
        render=plan.render,
        stream_edits=False,
    )


def setup(server: PoeServer, jobs: JobManager) -> None:
    """Register ``poe.document``."""
    server.register_command("poe.document", partial(document, jobs=jobs))
