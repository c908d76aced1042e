"""Shared fixtures: a fake Poe on loopback, and editors attached to the real server."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types

sys.path.insert(0, str(Path(__file__).parent))

from editor import TEST_KEY, Editor, capabilities, server_config
from fakepoe import FakePoe

CLIENTS = ["visual-studio-code", "neovim@v0.11.0"]

MakeEditor = Callable[..., Awaitable[Editor]]


@pytest.fixture
async def fake() -> AsyncIterator[FakePoe]:
    """A fake Poe (real fastapi-poe bots served by uvicorn on 127.0.0.1)."""
    async with FakePoe() as poe:
        yield poe


@pytest.fixture
def log_file(tmp_path: Path) -> Path:
    """Where the server under test writes its debug log."""
    return tmp_path / "poe-lsp.log"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "edits_mode(mode): the edits.mode every editor of the test starts with (in its "
        "initializationOptions; a test's own options and workspace settings still win)",
    )


@pytest.fixture
async def make_editor(
    fake: FakePoe, log_file: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[MakeEditor]:
    """Start the real server and attach a scripted editor to it."""
    editors: list[Editor] = []
    marker = request.node.get_closest_marker("edits_mode")
    mode_options = {"edits": {"mode": marker.args[0]}} if marker else {}

    async def make(
        client: str = "visual-studio-code",
        *,
        stream: bool = True,
        init_options: dict[str, Any] | None = None,
        workspace: dict[str, Any] | None = None,
        env: dict[str, str | None] | None = None,
        minimal_diff: bool | None = None,
        log_level: str | None = None,
        adjust: Callable[[types.ClientCapabilities], None] | None = None,
    ) -> Editor:
        """``adjust`` may change the client's capabilities before ``initialize``."""
        server_env: dict[str, str | None] = {
            "POE_API_KEY": TEST_KEY,
            "POE_LSP_BASE_URL": fake.base_url,
            **(env or {}),
        }
        config = server_config(server_env)
        config.server_command += ["--log-file", str(log_file)]
        if log_level:
            config.server_command += ["--log-level", log_level]
        lsp_client = await config.start()
        if workspace is not None:
            lsp_client.set_configuration(workspace, section="poe")
        editor = Editor(
            lsp_client,
            minimal_diff=client.startswith("neovim") if minimal_diff is None else minimal_diff,
        )
        caps = capabilities(client, stream=stream)
        if adjust is not None:
            adjust(caps)
        result = await lsp_client.initialize_session(
            types.InitializeParams(
                capabilities=caps,
                client_info=types.ClientInfo(
                    name="Neovim" if client.startswith("neovim") else "Visual Studio Code"
                ),
                root_uri="file:///workspace",
                initialization_options={**mode_options, **(init_options or {})},
            )
        )
        encoding = result.capabilities.position_encoding
        editor.encoding = str(getattr(encoding, "value", encoding) or "utf-16")
        editors.append(editor)
        return editor

    yield make
    for editor in editors:
        try:
            await editor.client.shutdown_session()
        finally:
            await editor.client.stop()


@pytest.fixture(params=CLIENTS)
async def editor(request: pytest.FixtureRequest, make_editor: MakeEditor) -> Editor:
    """An editor session for each real client capability set (VS Code, Neovim)."""
    return await make_editor(request.param)
