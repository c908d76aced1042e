"""What the tests of real editors share: the README's own snippets, and the
environment a headless editor scenario runs in.

A scenario (``tests/emacs/*.el``, ``tests/vim/*.vim``) reads its inputs from
``POE_TEST_*`` variables and writes what the user saw as JSON to
``POE_TEST_RESULT``; the editor starts the installed ``poe-lsp`` from ``PATH``
against the fake Poe.
"""

from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
"""Where the installed ``poe-lsp`` is."""


def readme_block(heading: str, language: str) -> str:
    """The first ``language`` code block after the paragraph starting ``heading``."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index(heading)
    match = re.compile(rf"```{language}\n(.*?)```", re.S).search(readme, start)
    assert match, f"no {language} block after {heading!r} in README.md"
    return match.group(1)


@dataclass(frozen=True)
class Snippet:
    """Where an editor's set-up snippet is in the README, and the file it edits."""

    heading: str
    """The start of the README paragraph before the snippet."""
    language: str
    """The snippet's code-block language (``elisp``, ``vim``)."""
    file_name: str
    sample: str
    """The text of the file the scenario opens."""
    key: str
    """The API key the editor's environment holds (checked never to leak)."""


def scenario_env(
    snippet: Snippet,
    tmp_path: Path,
    fake_poe_url: str,
    bot: str,
    parameters: dict[str, Any],
    **extra: str,
) -> dict[str, str]:
    """Write the README snippet and the sample file into ``tmp_path``; return the
    environment of the scenario: a fresh ``HOME``, the installed ``poe-lsp``
    first on ``PATH``, the key and the fake Poe, and the inputs."""
    snippet_file = tmp_path / f"readme-snippet.{snippet.language}"
    snippet_file.write_text(readme_block(snippet.heading, snippet.language), encoding="utf-8")
    source = tmp_path / snippet.file_name
    source.write_text(snippet.sample, encoding="utf-8")
    return {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": str(tmp_path),
        "POE_API_KEY": snippet.key,
        "POE_LSP_BASE_URL": fake_poe_url,
        "POE_LSP_USAGE_URL": f"{fake_poe_url}usage/",
        "POE_TEST_SNIPPET": str(snippet_file),
        "POE_TEST_FILE": str(source),
        "POE_TEST_BOT": bot,
        "POE_TEST_PARAMETERS": json.dumps(parameters),
        "POE_TEST_RESULT": str(tmp_path / "result.json"),
        **extra,
    }
