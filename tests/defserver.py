"""A second language server for the editor tests: it knows one definition.

``python tests/defserver.py NAME TARGET`` serves LSP on stdio and answers
``textDocument/definition`` on the identifier ``NAME`` (anywhere in any open
document) with the range of ``NAME`` on the line of ``TARGET`` (a file path)
that defines it (``def NAME``): what a real server such as pyright answers, the
name, not the whole definition. Every other position gets ``null``. Positions
are read in the encoding negotiated at ``initialize`` (pygls takes the client's
first offered one).
``--hang`` makes it never answer a definition request (a stuck server).
"""

from __future__ import annotations

import argparse
import asyncio
import re
from pathlib import Path

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path


def _word_at(source: str, offset: int) -> str:
    """The identifier around code point ``offset`` of ``source``."""
    for match in re.finditer(r"[A-Za-z_][A-Za-z0-9_]*", source):
        if match.start() <= offset <= match.end():
            return match.group()
    return ""


def _target(name: str, target: Path) -> types.Location:
    for number, line in enumerate(target.read_text(encoding="utf-8").splitlines()):
        match = re.search(rf"\bdef ({re.escape(name)})\b", line)
        if match:
            span = types.Range(
                types.Position(number, match.start(1)), types.Position(number, match.end(1))
            )
            uri = from_fs_path(str(target))
            assert uri is not None
            return types.Location(uri, span)
    raise SystemExit(f"no 'def {name}' in {target}")


def main() -> None:
    """Serve on stdio until the client says exit."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("name")
    parser.add_argument("target", type=Path)
    parser.add_argument("--hang", action="store_true")
    options = parser.parse_args()
    location = _target(options.name, options.target.resolve())
    server = LanguageServer("defserver", "1")

    @server.feature(types.TEXT_DOCUMENT_DEFINITION)
    async def definition(
        ls: LanguageServer, params: types.DefinitionParams
    ) -> types.Location | None:
        if options.hang:
            await asyncio.Event().wait()
        doc = ls.workspace.get_text_document(params.text_document.uri)
        # In the negotiated position encoding (the client's first offered one).
        offset = doc.offset_at_position(params.position)
        return location if _word_at(doc.source, offset) == options.name else None

    server.start_io()


if __name__ == "__main__":
    main()
