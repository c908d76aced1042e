"""The README's set-up snippets for editors that cannot be installed here.

Kakoune's kak-lsp and Sublime Text's LSP package are not in Debian 12 (Helix
neither: its check is in ``test_emacs.py``).  Each snippet is parsed as its
editor would parse it (TOML, JSON), its keys are checked against the keys the
editor's documentation defines, it must start the installed ``poe-lsp``, and
the settings it sends must be ones the server reads: no problem reported,
no key ignored as unknown, and the bot taken.
"""

from __future__ import annotations

import json
import logging
import tomllib
from typing import Any

import pytest

from poe_lsp.core.settings import SettingsReader
from real_editors import BIN, readme_block

KAK_LSP_SERVER_KEYS = {"filetypes", "roots", "command", "args", "settings_section", "settings"}
"""What kak-lsp's README defines for a ``[language_server.<name>]`` table."""
SUBLIME_CLIENT_KEYS = {
    "enabled",
    "command",
    "env",
    "settings",
    "initializationOptions",
    "selector",
    "priority_selector",
    "diagnostics_mode",
    "tcp_port",
    "experimental_capabilities",
    "disabled_capabilities",
}
"""The client settings Sublime LSP's "Client Configuration" page lists."""


def read_cleanly(options: dict[str, Any], caplog: pytest.LogCaptureFixture) -> str:
    """The bot the server takes from ``options``, which it must read without
    a complaint or an ignored key."""
    problems: list[str] = []
    with caplog.at_level(logging.INFO, logger="poe_lsp.core.settings"):
        settings = SettingsReader(problems.append).read(options, None)
    assert problems == []
    assert not [r for r in caplog.records if "unknown setting" in r.getMessage()]
    return settings.bot


def test_kakoune_snippet_starts_poe_lsp_with_settings_it_reads(
    caplog: pytest.LogCaptureFixture,
) -> None:
    config = tomllib.loads(readme_block("**Kakoune (kak-lsp", "toml"))
    server = config["language_server"]["poe-lsp"]
    assert set(server) <= KAK_LSP_SERVER_KEYS, set(server) - KAK_LSP_SERVER_KEYS
    assert server["command"] == "poe-lsp" and (BIN / "poe-lsp").exists()
    assert "python" in server["filetypes"]
    # kak-lsp sends settings[settings_section] as initializationOptions.
    options = server["settings"][server["settings_section"]]
    assert read_cleanly(options, caplog) == "GPT-5"


def test_sublime_snippet_starts_poe_lsp_with_settings_it_reads(
    caplog: pytest.LogCaptureFixture,
) -> None:
    config = json.loads(readme_block("**Sublime Text (LSP package)**", "json"))
    client = config["clients"]["poe-lsp"]
    assert set(client) <= SUBLIME_CLIENT_KEYS, set(client) - SUBLIME_CLIENT_KEYS
    assert client["enabled"] is True
    assert client["command"][0] == "poe-lsp" and (BIN / "poe-lsp").exists()
    assert client["selector"] == "source.python"
    assert read_cleanly(client["initializationOptions"], caplog) == "GPT-5"


def test_helix_snippet_sends_settings_the_server_reads(caplog: pytest.LogCaptureFixture) -> None:
    config = tomllib.loads(readme_block("**Helix**", "toml"))
    assert read_cleanly(config["language-server"]["poe-lsp"]["config"], caplog) == "GPT-5"
