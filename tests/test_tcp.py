"""``poe-lsp --tcp``: one client, the one with the token, speaking LSP and nothing else.

A TCP port is open to every program on the machine and, through the browser,
to web pages.  The server holds the user's key (from the environment) and
``initialize`` decides where requests go, so each test runs the real
``poe-lsp --tcp`` process, talks to it over real sockets as a second client,
a second ``initialize``, a browser's POST or a client without the token
would, and checks with two fake Poe servers where the key went: to the
user's endpoint, and never to the other one.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import stat
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from test_cli import POE_LSP, environment, frame, free_port, read_frame

from editor import TEST_KEY
from fakepoe import FakePoe

TOKEN = "tcp-token-3f9a7c1e5b2d4068"
SOURCE = "def total(prices):\n    return sum(prices)\n"
URI = "file:///workspace/shop.py"
SELECTION = {"start": {"line": 0, "character": 0}, "end": {"line": 1, "character": 22}}
LOOPBACK_WARNING = "not only on loopback"
REFUSAL = (
    "poe-lsp over TCP reads nothing before an initialize request carrying "
    "initializationOptions.tcpToken."
)


class TcpServer:
    """``poe-lsp --tcp`` as a subprocess; its stderr is collected line by line."""

    def __init__(self, process: asyncio.subprocess.Process, port: int) -> None:
        self.process = process
        self.port = port
        self.stderr: list[str] = []
        self._line = asyncio.Event()
        self._reader = asyncio.create_task(self._read_stderr())

    async def _read_stderr(self) -> None:
        assert self.process.stderr is not None
        while line := await self.process.stderr.readline():
            self.stderr.append(line.decode(errors="replace"))
            self._line.set()
        self._line.set()

    @property
    def text(self) -> str:
        return "".join(self.stderr)

    async def wait_stderr(self, needle: str) -> None:
        """Until ``needle`` is on stderr (the server logs at info level)."""
        async with asyncio.timeout(20):
            while needle not in self.text:
                if self._reader.done():
                    raise AssertionError(
                        f"the server ended without saying {needle!r}:\n{self.text}"
                    )
                self._line.clear()
                await self._line.wait()

    async def refused_to_start(self) -> int | None:
        """Its exit code if it ends without listening; None if it listens."""
        async with asyncio.timeout(20):
            while "serving one client on" not in self.text:
                if self._reader.done():
                    return await self.exit_code()
                self._line.clear()
                await self._line.wait()
        return None

    async def exit_code(self) -> int:
        code = await asyncio.wait_for(self.process.wait(), 15)
        await self._reader
        return code

    async def connect(self) -> Client:
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        return Client(reader, writer)


class Client:
    """A raw LSP client on one TCP connection."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.next_id = 0

    def send(self, message: dict[str, Any]) -> None:
        self.writer.write(frame(message))

    def notify(self, method: str, params: Any) -> None:
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def send_request(self, method: str, params: Any) -> int:
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        return self.next_id

    async def response(self, msg_id: int) -> dict[str, Any]:
        """The response to ``msg_id``; requests from the server get a null result."""
        await self.writer.drain()
        while True:
            message = await asyncio.wait_for(read_frame(self.reader), 15)
            if "method" in message and "id" in message:
                self.send({"jsonrpc": "2.0", "id": message["id"], "result": None})
            elif message.get("id") == msg_id and "method" not in message:
                return message

    async def request(self, method: str, params: Any) -> dict[str, Any]:
        return await self.response(self.send_request(method, params))

    async def first_word(self) -> bytes:
        """The first bytes the server sends, or b"" if it closes the connection."""
        with contextlib.suppress(ConnectionError):
            await self.writer.drain()
        async with asyncio.timeout(15):
            try:
                return await self.reader.read(65536)
            except ConnectionError:
                return b""

    async def answers_until_closed(self) -> list[dict[str, Any]]:
        """What the server sends before it closes the connection: never a result."""
        answers: list[dict[str, Any]] = []
        with contextlib.suppress(ConnectionError):
            await self.writer.drain()
        async with asyncio.timeout(15):
            while True:
                try:
                    message = await read_frame(self.reader)
                except (EOFError, ConnectionError, asyncio.IncompleteReadError):
                    return answers
                assert "result" not in message, message
                answers.append(message)

    def close(self) -> None:
        self.writer.close()


def initialize(base_url: str, token: str | None = TOKEN, **options: Any) -> dict[str, Any]:
    init: dict[str, Any] = {"baseUrl": base_url, "allowedBots": ["EchoBot"], **options}
    if token is not None:
        init["tcpToken"] = token
    return {"processId": None, "rootUri": None, "capabilities": {}, "initializationOptions": init}


def explain(client: Client) -> int:
    """Open a document and ask EchoBot to explain it; the request's id."""
    client.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": URI, "languageId": "python", "version": 1, "text": SOURCE}},
    )
    return client.send_request(
        "workspace/executeCommand",
        {
            "command": "poe.explain",
            "arguments": [{"uri": URI, "range": SELECTION, "bot": "EchoBot"}],
        },
    )


async def where_the_key_went(user_poe: FakePoe, other_poe: FakePoe) -> FakePoe:
    """The fake Poe that receives the first query for EchoBot (carrying the key)."""
    waits = {
        asyncio.ensure_future(poe.wait_request("EchoBot", timeout=30)): poe
        for poe in (user_poe, other_poe)
    }
    done, pending = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    task = done.pop()
    assert task.result().headers["authorization"] == f"Bearer {TEST_KEY}"
    return waits[task]


@pytest.fixture
async def user_poe() -> AsyncIterator[FakePoe]:
    """The endpoint the user chose."""
    async with FakePoe() as poe:
        yield poe


@pytest.fixture
async def other_poe() -> AsyncIterator[FakePoe]:
    """An endpoint someone else would like the user's key sent to."""
    async with FakePoe() as poe:
        yield poe


@contextlib.asynccontextmanager
async def tcp_server(
    *args: str, host: str = "127.0.0.1", ready: bool = True, **env: str | None
) -> AsyncIterator[TcpServer]:
    """``poe-lsp --tcp`` with the key in its environment (as a user would start it)."""
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        POE_LSP,
        "--tcp",
        "--host",
        host,
        "--port",
        str(port),
        "--log-level",
        "info",
        *args,
        env=environment(**{"POE_API_KEY": TEST_KEY, "POE_LSP_TCP_TOKEN": TOKEN, **env}),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    server = TcpServer(process, port)
    try:
        if ready:
            await server.wait_stderr("serving one client on")
        yield server
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await server._reader
        assert TEST_KEY not in server.text


async def test_one_client_is_served_and_the_process_ends_with_it(user_poe: FakePoe) -> None:
    async with tcp_server() as server:
        client = await server.connect()
        init = await client.request("initialize", initialize(user_poe.base_url))
        commands = init["result"]["capabilities"]["executeCommandProvider"]["commands"]
        assert {"poe.explain", "poe.refactor", "poe.ask", "poe.cancel"} <= set(commands)
        client.notify("initialized", {})
        assert "error" not in await client.request("shutdown", None)
        client.notify("exit", None)
        await client.writer.drain()
        assert await server.exit_code() == 0
    assert LOOPBACK_WARNING not in server.text
    assert TOKEN not in server.text


async def test_a_second_connection_is_refused_while_the_first_is_served(
    user_poe: FakePoe, other_poe: FakePoe
) -> None:
    async with tcp_server() as server:
        first = await server.connect()
        assert "result" in await first.request("initialize", initialize(user_poe.base_url))
        # Even with the token, a second client gets nothing: no answer, no job.
        try:
            second = await server.connect()
        except ConnectionRefusedError:
            pass
        else:
            second.send_request("initialize", initialize(other_poe.base_url))
            explain(second)
            assert await second.first_word() == b""
        # The first client is still served, by the endpoint it chose.
        done = await first.response(explain(first))
        assert "result" in done, done
        assert await where_the_key_went(user_poe, other_poe) is user_poe
        assert other_poe.requests == []
        first.close()
        assert await server.exit_code() == 0, server.text


async def test_a_second_initialize_is_refused_and_the_endpoint_stays(
    user_poe: FakePoe, other_poe: FakePoe
) -> None:
    async with tcp_server() as server:
        client = await server.connect()
        assert "result" in await client.request("initialize", initialize(user_poe.base_url))
        again = await client.request(
            "initialize", initialize(other_poe.base_url, bot="EchoBot", allowedBots=["EchoBot"])
        )
        client.notify("initialized", {})
        assert "result" in await client.response(explain(client))
        assert await where_the_key_went(user_poe, other_poe) is user_poe
        assert other_poe.requests == []
        assert again["error"]["message"] == (
            "poe-lsp is already initialized; a second initialize request is refused."
        )
        client.close()
        assert await server.exit_code() == 0


def http_request(request_line: bytes, body: bytes) -> bytes:
    return (
        request_line
        + b"\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        + b"Content-Length: %d\r\n\r\n" % len(body)
        + body
    )


@pytest.mark.parametrize(
    "request_line",
    [b"POST / HTTP/1.1", b"GET /?initialize HTTP/1.1", b"OPTIONS / HTTP/1.1"],
)
async def test_an_http_request_is_cut_off_and_sends_nothing(
    request_line: bytes, user_poe: FakePoe, other_poe: FakePoe
) -> None:
    """What a web page could send to a local port (with the token, even)."""
    init = {"jsonrpc": "2.0", "id": 1, "method": "initialize"}
    body = json.dumps({**init, "params": initialize(other_poe.base_url)}).encode()
    async with tcp_server() as server:
        page = await server.connect()
        page.writer.write(http_request(request_line, body))
        page.notify("initialized", {})
        explain(page)
        assert await page.first_word() == b""
        assert await server.exit_code() == 1
    assert other_poe.requests == [] and user_poe.requests == []
    assert "not an LSP frame header" in server.text


async def test_a_header_other_than_content_length_or_type_is_cut_off(
    other_poe: FakePoe,
) -> None:
    body = json.dumps(
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": initialize(other_poe.base_url),
        }
    ).encode()
    async with tcp_server() as server:
        client = await server.connect()
        client.writer.write(b"Content-Length: %d\r\nOrigin: http://example.com\r\n\r\n" % len(body))
        client.writer.write(body)
        explain(client)
        assert await client.first_word() == b""
        assert await server.exit_code() == 1
    assert other_poe.requests == []


@pytest.mark.parametrize("token", [None, "", "wrong-token-of-some-length", TOKEN + "x", 12345])
async def test_initialize_without_the_right_token_is_refused_and_closed(
    token: Any, other_poe: FakePoe
) -> None:
    async with tcp_server() as server:
        client = await server.connect()
        refusal = await client.request("initialize", initialize(other_poe.base_url, token=token))
        assert "tcpToken" in refusal["error"]["message"], refusal
        explain(client)
        assert await client.first_word() == b""
        assert await server.exit_code() == 1
    assert other_poe.requests == []


@pytest.mark.parametrize(
    "first",
    [
        frame({"jsonrpc": "2.0", "id": 1, "method": "shutdown", "params": None}),
        frame({"jsonrpc": "2.0", "method": "exit", "params": None}),
        frame(
            {
                "jsonrpc": "2.0",
                "id": 1,
                "method": "workspace/executeCommand",
                "params": {"command": "poe.listBots", "arguments": [{}]},
            }
        ),
        b"Content-Length: 17000000\r\n\r\n",  # over the frame limit: not even read
    ],
    ids=["shutdown", "exit", "command", "oversized"],
)
async def test_nothing_is_read_before_a_valid_initialize(first: bytes, user_poe: FakePoe) -> None:
    async with tcp_server() as server:
        client = await server.connect()
        client.writer.write(first)
        client.send_request("initialize", initialize(user_poe.base_url))
        # A request may get its refusal; nothing is answered, nothing else is read.
        answers = await client.answers_until_closed()
        assert [m["error"]["message"] for m in answers] == [REFUSAL] * len(answers)
        assert await server.exit_code() == 1
    assert "reads nothing before an initialize" in server.text
    assert user_poe.requests == []


# -- where the token comes from ----------------------------------------------------------


def token_file(tmp_path: Path, mode: int) -> Path:
    path = tmp_path / "token"
    path.write_text(TOKEN + "\n", encoding="utf-8")
    path.chmod(mode)
    return path


async def test_a_token_file_only_the_user_can_read_is_used(
    tmp_path: Path, user_poe: FakePoe
) -> None:
    path = token_file(tmp_path, 0o600)
    async with tcp_server("--token-file", str(path), POE_LSP_TCP_TOKEN=None) as server:
        client = await server.connect()
        assert "result" in await client.request("initialize", initialize(user_poe.base_url))
        client.close()
        assert await server.exit_code() == 0


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660], ids=oct)
async def test_a_token_file_others_can_read_is_refused_at_start(tmp_path: Path, mode: int) -> None:
    path = token_file(tmp_path, mode)
    async with tcp_server("--token-file", str(path), ready=False, POE_LSP_TCP_TOKEN=None) as server:
        assert await server.refused_to_start() == 2, server.text
        with pytest.raises(ConnectionRefusedError):
            await server.connect()
    assert f"the token file {path} is open to other users" in server.text
    assert f"chmod 600 {path}" in server.text
    assert TOKEN not in server.text


@pytest.mark.skipif(os.getuid() != 0, reason="giving a file away needs root")
async def test_a_token_file_of_another_user_is_refused_at_start(tmp_path: Path) -> None:
    path = token_file(tmp_path, 0o600)
    os.chown(path, 65534, 65534)
    async with tcp_server("--token-file", str(path), ready=False, POE_LSP_TCP_TOKEN=None) as server:
        assert await server.refused_to_start() == 2, server.text
    assert f"the token file {path} belongs to another user" in server.text


async def test_a_short_token_is_refused_at_start() -> None:
    async with tcp_server(ready=False, POE_LSP_TCP_TOKEN="1234") as server:
        assert await server.refused_to_start() == 2, server.text
    assert "POE_LSP_TCP_TOKEN is shorter than 16 characters" in server.text


async def test_without_a_token_one_is_written_to_a_private_file(
    tmp_path: Path, user_poe: FakePoe
) -> None:
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    async with tcp_server(
        ready=False, POE_LSP_TCP_TOKEN=None, XDG_RUNTIME_DIR=str(runtime)
    ) as server:
        await server.wait_stderr("serving one client on")
        path = runtime / "poe-lsp" / f"tcp-token-{server.port}"
        assert f"the TCP token is in {path}" in server.text
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        token = path.read_text(encoding="utf-8").strip()
        assert len(token) >= 32 and token not in server.text
        client = await server.connect()
        init = initialize(user_poe.base_url, token=token)
        assert "result" in await client.request("initialize", init)
        client.close()
        assert await server.exit_code() == 0
    assert not path.exists()  # the token dies with the server


async def test_listening_beyond_loopback_warns(user_poe: FakePoe) -> None:
    async with tcp_server(host="0.0.0.0") as server:
        assert f"listening on 0.0.0.0, {LOOPBACK_WARNING}" in server.text
        client = await server.connect()
        assert "result" in await client.request("initialize", initialize(user_poe.base_url))
        client.close()
        assert await server.exit_code() == 0
