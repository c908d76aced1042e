"""Shared fixtures: a fake Poe on loopback, and editors attached to the real server."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types

sys.path.insert(0, str(Path(__file__).parent))

from editor import TEST_KEY, Editor, capabilities, server_config
from fakepoe import FakePoe

CLIENTS = ["visual-studio-code", "neovim@v0.11.0"]
CLIENT_NAMES = {
    "visual-studio-code": "Visual Studio Code",
    "neovim": "Neovim",
    "emacs": "Eglot",
    "ale": "ALE",
}
"""What each client says its name is (``clientInfo.name``)."""

MakeEditor = Callable[..., Awaitable[Editor]]


@pytest.fixture
async def fake() -> AsyncIterator[FakePoe]:
    """A fake Poe (real fastapi-poe bots served by uvicorn on 127.0.0.1)."""
    async with FakePoe() as poe:
        yield poe


@pytest.fixture(scope="module")
def fake_poe_url() -> Iterator[str]:
    """A fake Poe in its own process (``tests/fakepoe.py --port 0``), for real editors."""
    proc = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("fakepoe.py")), "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    assert url.startswith("http://127.0.0.1:"), url
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def log_file(tmp_path: Path) -> Path:
    """Where the server under test writes its debug log."""
    return tmp_path / "poe-lsp.log"


@pytest.fixture
async def make_editor(fake: FakePoe, log_file: Path, tmp_path: Path) -> AsyncIterator[MakeEditor]:
    """Start the real server and attach a scripted editor to it."""
    editors: list[Editor] = []

    async def make(
        client: str = "visual-studio-code",
        *,
        stream: bool = True,
        init_options: dict[str, Any] | None = None,
        workspace: dict[str, Any] | None = None,
        env: dict[str, str | None] | None = None,
        minimal_diff: bool | None = None,
        log_level: str | None = None,
        client_caps: types.ClientCapabilities | None = None,
    ) -> Editor:
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
        result = await lsp_client.initialize_session(
            types.InitializeParams(
                capabilities=client_caps or capabilities(client, stream=stream),
                client_info=types.ClientInfo(name=CLIENT_NAMES[client.split("@")[0]]),
                root_uri="file:///workspace",
                initialization_options=init_options or {},
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
