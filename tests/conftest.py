"""Shared fixtures: a fake Poe on loopback, and editors attached to the real server."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types

sys.path.insert(0, str(Path(__file__).parent))

from editor import TEST_KEY, Echo, Editor, capabilities, server_config
from fakepoe import FakePoe

CLIENTS = ["visual-studio-code", "neovim@v0.11.0"]
CLIENT_NAMES = {
    "visual-studio-code": "Visual Studio Code",
    "neovim": "Neovim",
    "emacs": "Eglot",
    "ale": "ALE",
}
"""What each client says its name is (``clientInfo.name``)."""

ECHOES = [
    pytest.param(("visual-studio-code", Echo.BEFORE), id="vscode-echo-then-answer"),
    pytest.param(("visual-studio-code", Echo.AFTER), id="vscode-answer-then-echo"),
    pytest.param(("neovim@v0.11.0", Echo.LATE_SPLIT), id="neovim-answer-then-late-split-echo"),
]
"""The orders in which editors answer ``workspace/applyEdit`` and echo it (see
:class:`editor.Echo`), with the capability set of an editor that does so."""

MakeEditor = Callable[..., Awaitable[Editor]]

# No test may reach Poe itself: ``poe.listBots`` fetches the catalogue from the
# OpenAI-compatible endpoint, so a server that is not pointed at a fake finds
# nothing listening there (port 9, discard) instead of going to api.poe.com.
os.environ.setdefault("POE_LSP_OPENAI_BASE_URL", "http://127.0.0.1:9/v1")


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
        echo: Echo | None = None,
        caps: types.ClientCapabilities | None = None,
        adjust: Callable[[types.ClientCapabilities], None] | None = None,
        client_caps: types.ClientCapabilities | None = None,
        root: Path | None = None,
        before_initialize: Callable[[Editor], None] | None = None,
    ) -> Editor:
        """``adjust`` may change the client's capabilities before ``initialize``;
        ``root`` is the one workspace folder (else ``file:///workspace``);
        ``before_initialize`` may register client handlers."""
        server_env: dict[str, str | None] = {
            "POE_API_KEY": TEST_KEY,
            "POE_LSP_BASE_URL": fake.base_url,
            "POE_LSP_USAGE_URL": fake.usage_url,
            "POE_LSP_OPENAI_BASE_URL": fake.openai_base_url,
            **(env or {}),
        }
        config = server_config(server_env)
        config.server_command += ["--log-file", str(log_file)]
        if log_level:
            config.server_command += ["--log-level", log_level]
        lsp_client = await config.start()
        if workspace is not None:
            lsp_client.set_configuration(workspace, section="poe")
        neovim = client.startswith("neovim")
        editor = Editor(
            lsp_client,
            minimal_diff=neovim if minimal_diff is None else minimal_diff,
            # Neovim answers first and sends its (debounced) didChange later; our VS
            # Code extension holds the answer until its didChange has gone out.
            echo=echo or (Echo.LATE_SPLIT if neovim else Echo.BEFORE),
        )
        caps = caps or client_caps or capabilities(client, stream=stream)
        if adjust is not None:
            adjust(caps)
        if root is not None:
            editor.root_uri = root.as_uri()
        if before_initialize is not None:
            before_initialize(editor)
        result = await lsp_client.initialize_session(
            types.InitializeParams(
                capabilities=caps,
                client_info=types.ClientInfo(name=CLIENT_NAMES[client.split("@")[0]]),
                root_uri=editor.root_uri,
                workspace_folders=(
                    [types.WorkspaceFolder(uri=editor.root_uri, name=root.name)] if root else None
                ),
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
    for editor in editors:
        assert editor.bad_edits == [], "the server sent edits no editor could apply"


@pytest.fixture(params=CLIENTS)
async def editor(request: pytest.FixtureRequest, make_editor: MakeEditor) -> Editor:
    """An editor session for each real client capability set (VS Code, Neovim)."""
    return await make_editor(request.param)


@pytest.fixture(params=ECHOES)
async def edit_editor(request: pytest.FixtureRequest, make_editor: MakeEditor) -> Editor:
    """An editor in ``stream`` edit mode, for each order of answer and echo (:data:`ECHOES`)."""
    client, echo = request.param
    return await make_editor(client, echo=echo, workspace={"edits": {"mode": "stream"}})


async def fail_after_writing_code(
    editor: Editor, fake: FakePoe, command: str, argument: dict[str, Any], lines: int = 3
) -> dict[str, Any]:
    """Run an editing ``command`` answered by CodeThenFailBot: its ``lines`` lines of
    code land in the range one edit each (every line is let through once the last
    shows in the document), then the bot fails.  Returns the job's ``poe/done``."""
    uri = argument["uri"]
    before = editor.text(uri)
    job_id = await editor.start(
        command,
        {**argument, "bot": "CodeThenFailBot", "parameters": {"lines": lines, "gate": "line"}},
    )
    for i in range(lines):
        await fake.wait_held(f"line.{i}")
        await editor.wait_until(lambda i=i: f"        written_{i} = {i}\n" in editor.text(uri))
        if i < lines - 1:
            fake.release(f"line.{i}")
    assert len(editor.workspace_edits) >= lines
    assert editor.text(uri) != before
    fake.release(f"line.{lines - 1}")
    return await editor.done(job_id)
