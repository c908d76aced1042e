"""The one argument object of a ``poe.*`` command, checked field by field.

Bad arguments answer -32602 with one sentence that says what to do (contract
§4); a well-formed request that cannot be carried out now answers
RequestFailed.  Strings from the client that appear in a message are escaped
(:func:`shown`), and a bot name must keep the one rule of
:mod:`poe_lsp.botnames`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams

from poe_lsp.core.botnames import BOT_NAME_RULE, is_bot_name
from poe_lsp.core.catalogue import text_refusal
from poe_lsp.core.textdoc import Document, Pos, Span

from .server import PoeServer


class RequestFailed(JsonRpcException):
    """A well-formed request that cannot be carried out now (LSP RequestFailed)."""

    CODE = -32803
    MESSAGE = "Request failed"


def invalid(message: str) -> JsonRpcInvalidParams:
    """A -32602 error whose message is the one sentence the user sees."""
    return JsonRpcInvalidParams(message=message)


def the_argument(command: str, params: types.ExecuteCommandParams) -> dict[str, Any]:
    """The command's single argument object."""
    args = params.arguments
    if isinstance(args, list | tuple) and len(args) == 1 and args[0] == []:
        # Lua and other clients encode an empty object as an empty array.
        args = [{}]
    if not isinstance(args, list | tuple) or len(args) != 1 or not isinstance(args[0], Mapping):
        raise invalid(
            f'{command} takes exactly one argument, an object such as {{"uri": ..., "range": ...}}.'
        )
    return dict(args[0])


def shown(value: str, limit: int = 200) -> str:
    """A client's string as it may appear in a one-line message: control
    characters escaped, cut to ``limit`` characters."""
    cut = value[:limit] + ("…" if len(value) > limit else "")
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in cut)


def open_document(server: PoeServer, command: str, arg: Mapping[str, Any]) -> Document:
    """The open document named by ``uri``."""
    uri = arg.get("uri")
    if not isinstance(uri, str) or not uri:
        raise invalid(f"{command} needs a 'uri' string naming an open document.")
    doc = server.documents.get(uri)
    if doc is None:
        raise invalid(
            f"{command}: the document {shown(uri)} is not open in the editor; open it first."
        )
    return doc


def parse_position(value: Any, what: str, command: str) -> Pos:
    if not isinstance(value, Mapping):
        raise invalid(f"{command}: {what} must be an object {{line, character}}.")
    line, character = value.get("line"), value.get("character")
    for name, number in (("line", line), ("character", character)):
        if not isinstance(number, int) or isinstance(number, bool) or number < 0:
            raise invalid(f"{command}: {what}.{name} must be a non-negative whole number.")
    assert isinstance(line, int) and isinstance(character, int)
    return Pos(line, character)


def parse_range(
    server: PoeServer, command: str, doc: Document, value: Any, *, what: str = "range"
) -> Span:
    """Validate an LSP range against the document and turn it into offsets."""
    if not isinstance(value, Mapping):
        raise invalid(f"{command} needs a '{what}' object {{start, end}} in LSP positions.")
    start = parse_position(value.get("start"), f"{what}.start", command)
    end = parse_position(value.get("end"), f"{what}.end", command)
    if (end.line, end.character) < (start.line, start.character):
        raise invalid(f"{command}: {what} ends before it starts.")
    lines = doc.line_count()
    for pos in (start, end):
        # One line past the last is where an editor puts the end of a linewise
        # selection that includes the final newline.
        if pos.line > lines or (pos.line == lines and pos.character > 0):
            raise invalid(
                f"{command}: {what} reaches line {pos.line + 1} but the document has "
                f"{lines} lines; send a range inside the document."
            )
    encoding = server.encoding
    return Span(doc.offset_at(start, encoding), doc.offset_at(end, encoding))


def pick_bot(server: PoeServer, command: str, action: str, arg: Mapping[str, Any]) -> str:
    """The bot named by the command, or the one settings give the action; refused
    when the catalogue says its answers hold no text (every action writes text)."""
    bot = arg.get("bot")
    if bot is None:
        bot = server.settings.bot_for(action)
    elif not is_bot_name(bot):
        raise invalid(
            f"{command}: 'bot' must be a Poe bot name such as \"GPT-5\" ({BOT_NAME_RULE} "
            "characters)."
        )
    assert isinstance(bot, str)
    known = server.catalogue.get(bot) if server.catalogue is not None else None
    refusal = text_refusal(command, known) if known is not None else None
    if refusal is not None:
        raise invalid(refusal)
    return bot


def optional_text(command: str, arg: Mapping[str, Any], key: str) -> str:
    """An optional string argument ('' when absent)."""
    value = arg.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise invalid(f"{command}: '{key}' must be a string.")
    return value
