"""The ``poe-lsp`` command line: version, check and the log file (TCP: test_tcp.py)."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sys
from pathlib import Path
from typing import Any

from poe_lsp import __version__
from poe_lsp.core.settings import mask

from editor import TEST_KEY
from fakepoe import FakePoe

POE_LSP = str(Path(sys.executable).parent / "poe-lsp")


def environment(**overrides: str | None) -> dict[str, str]:
    """This process's environment with ``overrides`` laid over it (``None`` removes)."""
    env = dict(os.environ)
    for name in ("POE_API_KEY", "POE_LSP_BASE_URL", "POE_LSP_UPLOAD_URL"):
        env.pop(name, None)
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


async def run(*argv: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """Run a command without blocking the loop (a FakePoe may be serving on it)."""
    process = await asyncio.create_subprocess_exec(
        *argv,
        env=env or environment(),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def frame(message: dict[str, Any]) -> bytes:
    body = json.dumps(message).encode()
    return f"Content-Length: {len(body)}\r\n\r\n".encode() + body


async def read_frame(reader: asyncio.StreamReader) -> dict[str, Any]:
    length = 0
    while True:
        line = await reader.readline()
        if not line:
            raise EOFError("the server closed the connection")
        if line == b"\r\n":
            break
        name, _, value = line.decode("ascii").partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    message: dict[str, Any] = json.loads(await reader.readexactly(length))
    return message


async def call(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    msg_id: int,
    method: str,
    params: Any,
) -> dict[str, Any]:
    """Send a request and return its response, skipping whatever else arrives."""
    writer.write(frame({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params}))
    await writer.drain()
    while True:
        message = await asyncio.wait_for(read_frame(reader), 10)
        if message.get("id") == msg_id and "method" not in message:
            return message


INITIALIZE = {
    "processId": None,
    "rootUri": None,
    "capabilities": {},
    "initializationOptions": {"apiKey": TEST_KEY},
}


async def lsp_session(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> dict[str, Any]:
    """initialize, initialized, shutdown, exit; returns the initialize result."""
    init = await call(reader, writer, 1, "initialize", INITIALIZE)
    writer.write(frame({"jsonrpc": "2.0", "method": "initialized", "params": {}}))
    shutdown = await call(reader, writer, 2, "shutdown", None)
    assert "error" not in shutdown, shutdown
    writer.write(frame({"jsonrpc": "2.0", "method": "exit", "params": None}))
    await writer.drain()
    assert "error" not in init, init
    result: dict[str, Any] = init["result"]
    return result


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def test_version_prints_the_version() -> None:
    code, out, _ = await run(POE_LSP, "--version")
    assert code == 0
    assert out.strip() == f"poe-lsp {__version__}"


async def test_python_dash_m_prints_the_same_version() -> None:
    script = await run(POE_LSP, "--version")
    module = await run(sys.executable, "-m", "poe_lsp", "--version")
    assert module == script


async def test_check_masks_the_key_and_reports_that_the_endpoint_answers() -> None:
    async with FakePoe() as fake:
        code, out, err = await run(
            POE_LSP,
            "check",
            "--bot",
            "EchoBot",
            env=environment(POE_API_KEY=TEST_KEY, POE_LSP_BASE_URL=fake.base_url),
        )
    assert code == 0, out + err
    assert TEST_KEY not in out + err
    assert mask(TEST_KEY) in out
    assert fake.base_url in out
    assert f"EchoBot at {fake.base_url}EchoBot: answers" in out


async def test_check_reports_a_bot_the_endpoint_does_not_know() -> None:
    async with FakePoe() as fake:
        code, out, err = await run(
            POE_LSP,
            "check",
            "--bot",
            "Status404",
            env=environment(POE_API_KEY=TEST_KEY, POE_LSP_BASE_URL=fake.base_url),
        )
    assert code != 0
    assert TEST_KEY not in out + err
    assert "Status404" in out


async def test_check_without_a_key_says_how_to_set_one_and_sends_nothing() -> None:
    connections: list[object] = []

    async def count(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(writer)
        writer.close()

    server = await asyncio.start_server(count, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        code, out, _ = await run(
            POE_LSP, "check", env=environment(POE_LSP_BASE_URL=f"http://127.0.0.1:{port}/")
        )
    finally:
        server.close()
        await server.wait_closed()
    assert code != 0
    assert "(not set)" in out
    assert "No Poe API key is set" in out
    assert "POE_API_KEY" in out
    assert "not probed" in out
    assert connections == []


async def test_log_file_is_written_and_never_holds_the_key(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    process = await asyncio.create_subprocess_exec(
        POE_LSP,
        "--log-file",
        str(log),
        "--log-level",
        "debug",
        env=environment(),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdin is not None and process.stdout is not None
    try:
        await lsp_session(process.stdout, process.stdin)
        assert await asyncio.wait_for(process.wait(), 10) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    text = log.read_text(encoding="utf-8")
    assert f"poe-lsp {__version__} starting" in text
    assert "initialized" in text
    assert TEST_KEY not in text


async def test_demo_and_check_help_describe_their_own_verb() -> None:
    for verb, about in (("demo", "bundled sample file"), ("check", "API key masked")):
        code, out, _ = await run(POE_LSP, verb, "--help")
        assert code == 0
        assert out.startswith(f"usage: poe-lsp {verb} [-h] [--bot BOT]"), out
        assert about in " ".join(out.split())
        assert "--tcp" not in out


async def test_the_bot_may_be_named_before_or_after_the_verb() -> None:
    async with FakePoe() as fake:
        env = environment(POE_API_KEY=TEST_KEY, POE_LSP_BASE_URL=fake.base_url)
        before = await run(POE_LSP, "--bot", "EchoBot", "check", env=env)
        after = await run(POE_LSP, "check", "--bot", "EchoBot", env=env)
    assert before[0] == after[0] == 0
    assert f"EchoBot at {fake.base_url}EchoBot: answers" in before[1]
    assert f"EchoBot at {fake.base_url}EchoBot: answers" in after[1]


async def test_check_reports_a_bad_setting_once() -> None:
    code, out, err = await run(POE_LSP, "check", env=environment(POE_LSP_TRANSPORT="bogus"))
    assert code == 1
    sentence = "poe-lsp: transport should be one of poe, openai, not 'bogus'; using 'poe'."
    assert f"  problem:       {sentence}\n" in out
    assert (out + err).count(sentence) == 1, out + err
