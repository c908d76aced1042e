"""``poe.document``: write or replace the doc comment of the enclosing definition.

tree-sitter (:mod:`poe_lsp.docs`) finds the function, method or class around
the position and where its doc comment goes; the bot is asked for the text
only, and :func:`poe_lsp.docs.render_doc` puts it in the language's own form
(Python docstring inside the body; ``/** */``, ``///``, ``//``, ``---`` above).
Only the doc comment changes: the job's target is the existing comment, or
an empty span where a new one goes, so the range tracker keeps everything
else byte for byte.

In a language without a grammar, a selection is documented as a whole (the
bot rewrites it with documentation added, as a refactor would) and the
command's answer carries a ``note`` saying so.
"""

from __future__ import annotations

from typing import Any

from lsprotocol import types

from . import docs
from .arguments import invalid, open_document, parse_position, parse_range, the_argument
from .commands import start_job
from .server import PoeServer
from .textdoc import Document, Span

FALLBACK_INSTRUCTION = (
    "Add documentation comments, in the idiom of this language, to the definitions in the "
    "selection. Do not change the code itself: keep every line of code exactly as it is."
)


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


def instruction_for(target: docs.DocTarget) -> str:
    """What the document prompt says about the definition: its name, style, current doc."""
    parts = [f"The definition to document is the {target.kind} `{target.name}`."]
    if target.style:
        style = STYLE_NAMES.get(target.style, target.style)
        parts.append(f"The file's other docstrings use the {style} style: follow it.")
    if target.existing:
        parts.append(
            "Its current documentation, to improve and keep where still true:\n"
            + target.existing.strip()
        )
    else:
        parts.append("It has no documentation yet.")
    return "\n".join(parts)


STYLE_NAMES = {
    "google": "Google (Args:/Returns:/Raises: sections)",
    "numpy": "NumPy (Parameters/Returns sections underlined with dashes)",
    "rest": "reStructuredText (:param x: / :returns: fields)",
}


async def document(server: PoeServer, params: types.ExecuteCommandParams) -> dict[str, str]:
    """``poe.document {uri, position or range, bot?, parameters?}``."""
    command = "poe.document"
    arg = the_argument(command, params)
    await server.ready()
    doc = open_document(server, command, arg)
    span = _target_span(server, command, doc, arg)
    target = docs.find_doc_target(doc.text, doc.language_id, span.start, span.end)
    if target is None:
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
    newline = "\r\n" if "\r\n" in doc.text[target.definition[0] : target.definition[1]] else "\n"

    def render(answer: str, final: bool) -> str | None:
        return docs.render_doc(answer, target, newline=newline) if final else None

    return start_job(
        server,
        params,
        arg,
        action="document",
        doc=doc,
        span=Span(*target.replace),
        prompt_span=Span(*target.definition),
        edits=True,
        instruction=instruction_for(target),
        render=render,
        stream_edits=False,
    )


def setup(server: PoeServer) -> None:
    """Register ``poe.document``."""
    server.register_command("poe.document", document)
