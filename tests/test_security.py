"""Secrets and endpoints stay the user's (contract §1, §2, §6).

A repository's ``poe`` settings cannot change the key, the endpoints or the
allowed bots; the key never appears in anything the server writes or says;
the app headers and bot parameters reach the bot; and stdout carries nothing
but LSP frames, even while bots fail.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types

from poe_lsp.core.errors import ErrorKind, PoeError
from poe_lsp.poe.bot_protocol import PoeClient

from conftest import MakeEditor
from editor import TEST_KEY, Editor
from fakepoe import FakePoe

SOURCE = """def total(prices):
    t = 0
    for p in prices:
        t = t + p
    return t
"""
BODY = "    t = 0\n    for p in prices:\n        t = t + p\n    return t\n"
INIT_KEY = "init-key-7c2b91d4-also-never-shown"
WORKSPACE_KEY = "workspace-key-0a9e-must-not-be-used"
DEFAULT_REFERER = "https://github.com/poe-lsp/poe-lsp"


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def read_log(path: Path) -> str:
    """The server's debug log so far (it is flushed line by line)."""
    return path.read_text(encoding="utf-8")


def explain_argument(editor: Editor, uri: str, bot: str, **extra: Any) -> dict[str, Any]:
    return {"uri": uri, "range": editor.range_of(uri, "def total(prices):"), "bot": bot, **extra}


def refactor_argument(editor: Editor, uri: str, bot: str, **extra: Any) -> dict[str, Any]:
    start = SOURCE.index(BODY)
    return {
        "uri": uri,
        "range": editor.span_range(uri, start, start + len(BODY)),
        "bot": bot,
        **extra,
    }


# -- workspace settings cannot touch the secrets ---------------------------------------


async def test_workspace_cannot_change_key_endpoints_or_allowed_bots(
    make_editor: MakeEditor, fake: FakePoe, log_file: Path
) -> None:
    elsewhere = f"http://127.0.0.1:{closed_port()}/"
    editor = await make_editor(
        workspace={
            "apiKey": WORKSPACE_KEY,
            "baseUrl": elsewhere,
            "uploadUrl": elsewhere,
            "allowedBots": ["EchoBot"],
        }
    )
    editor.consent_answer = "Allow"
    uri = editor.open("shop.py", SOURCE)
    done = await editor.run("poe.explain", explain_argument(editor, uri, "EchoBot"))
    assert done["status"] == "done", done
    # allowedBots from the workspace did not skip consent
    assert len(editor.message_requests) == 1
    # baseUrl from the workspace did not redirect the request, apiKey did not replace the key
    request = await fake.wait_request("EchoBot")
    assert request.headers["authorization"] == f"Bearer {TEST_KEY}"
    assert WORKSPACE_KEY not in json.dumps(request.headers)
    log = read_log(log_file)
    for key in ("apiKey", "baseUrl", "uploadUrl", "allowedBots"):
        assert any(key in line and "ignored" in line for line in log.splitlines()), key


async def test_workspace_allowed_bots_do_not_skip_consent_when_refused(
    make_editor: MakeEditor, fake: FakePoe
) -> None:
    editor = await make_editor(workspace={"allowedBots": ["EchoBot"]})
    editor.consent_answer = "Cancel"
    uri = editor.open("shop.py", SOURCE)
    done = await editor.run("poe.explain", explain_argument(editor, uri, "EchoBot"))
    assert done["status"] == "cancelled", done
    assert len(editor.message_requests) == 1
    assert fake.requests == []


async def test_workspace_base_url_cannot_replace_the_users_endpoint(
    make_editor: MakeEditor, fake: FakePoe
) -> None:
    users_endpoint = f"http://127.0.0.1:{closed_port()}/"
    editor = await make_editor(
        env={"POE_LSP_BASE_URL": None},
        init_options={"baseUrl": users_endpoint, "allowedBots": ["EchoBot"]},
        workspace={"baseUrl": fake.base_url},
    )
    uri = editor.open("shop.py", SOURCE)
    done = await editor.run("poe.explain", explain_argument(editor, uri, "EchoBot"))
    assert done["status"] == "failed", done
    assert "could not be reached" in done["error"]
    assert fake.requests == []


async def test_workspace_api_key_is_never_used_when_the_user_set_none(
    make_editor: MakeEditor, fake: FakePoe
) -> None:
    editor = await make_editor(
        env={"POE_API_KEY": None},
        init_options={"allowedBots": ["EchoBot"]},
        workspace={"apiKey": WORKSPACE_KEY},
    )
    uri = editor.open("shop.py", SOURCE)
    done = await editor.run("poe.explain", explain_argument(editor, uri, "EchoBot"))
    assert done["status"] == "failed", done
    assert "No Poe API key" in done["error"]
    assert fake.requests == []


async def test_key_from_initialization_options_is_sent_not_the_workspace_one(
    make_editor: MakeEditor, fake: FakePoe
) -> None:
    editor = await make_editor(
        env={"POE_API_KEY": None},
        init_options={"apiKey": INIT_KEY, "allowedBots": ["EchoBot"]},
        workspace={"apiKey": WORKSPACE_KEY},
    )
    uri = editor.open("shop.py", SOURCE)
    done = await editor.run("poe.explain", explain_argument(editor, uri, "EchoBot"))
    assert done["status"] == "done", done
    assert fake.requests[-1].headers["authorization"] == f"Bearer {INIT_KEY}"


# -- bot names: one rule wherever a name enters ------------------------------------------

BAD_WORKSPACE_BOTS = {
    "bot": "ExplainBot/../FencedCodeBot",
    "actions": {"explain": {"bot": "../ExplainBot?via=workspace#x"}},
    "botParameters": {"../upload\nhere": {"thinking_budget": 99}},
}


async def test_a_bad_bot_name_in_workspace_settings_is_reported_once_and_never_requested(
    make_editor: MakeEditor, fake: FakePoe
) -> None:
    editor = await make_editor(init_options={"bot": "EchoBot"}, workspace=BAD_WORKSPACE_BOTS)
    uri = editor.open("shop.py", SOURCE)
    argument = {"uri": uri, "range": editor.range_of(uri, "def total(prices):")}
    for _ in range(2):
        done = await editor.run("poe.explain", argument)
        assert done["status"] == "done", done
        assert done["bot"] == "EchoBot"
        editor.client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(settings=None)
        )
    # The user's own bot was used, with no question and nothing else requested.
    assert editor.message_requests == []
    # (Besides the reads of the account's own usage history: what each job cost.)
    assert [p for p in fake.paths if not p.startswith("/usage/")] == ["/EchoBot", "/EchoBot"]
    reports = [m for m in editor.messages() if "not a bot name" in m]
    assert len(reports) == 3, reports
    assert all("\n" not in m and "ignored" in m for m in reports), reports
    listed = await editor.command("poe.listBots", {})
    assert [b["name"] for b in listed if b["configured"]] == ["EchoBot"]


@pytest.mark.parametrize("bot", ["../ExplainBot", "EchoBot?x=1", "EchoBot#x", "EchoBot\n"])
async def test_the_poe_client_never_requests_a_name_that_breaks_the_rule(
    fake: FakePoe, bot: str
) -> None:
    client = PoeClient(TEST_KEY, fake.base_url)
    try:
        with pytest.raises(PoeError) as caught:
            async for _ in client.stream(bot, "hello"):
                pass
        ok, said = await client.probe(bot)
    finally:
        await client.aclose()
    assert caught.value.kind is ErrorKind.BAD_BOT_NAME
    assert "\n" not in caught.value.message
    assert not ok and "not a Poe bot name" in said
    assert fake.paths == []


# -- prompt templates are bounded ----------------------------------------------------------


async def test_a_workspace_template_repeating_context_is_reported_and_the_built_in_one_used(
    make_editor: MakeEditor, fake: FakePoe
) -> None:
    editor = await make_editor(
        init_options={"bot": "EchoBot"},
        workspace={"actions": {"ask": {"prompt": "{context}" * 400}}},
    )
    big = "value = compute(value, 42)  # one line of a large file\n" * 10_000
    uri = editor.open("big.py", big)
    done = await editor.run(
        "poe.ask", {"uri": uri, "prompt": "What does it do?", "output": "explain"}
    )
    assert done["status"] == "done", done
    prompt = fake.requests[-1].prompt
    assert prompt.startswith("You are assisting a programmer")
    assert len(prompt) <= 24000
    (report,) = [m for m in editor.messages() if "prompt template" in m]
    assert "poe.actions.ask.prompt uses {context} 400 times" in report
    assert "built-in prompt" in report


# -- the key never leaks -----------------------------------------------------------------

MIXED_BOTS = [
    "EchoBot",
    "FencedCodeBot",
    "Status401",
    "Status500",
    "FailsMidStreamBot",
    "DropMidStream",
    "BotThatRaises",
]


@pytest.mark.parametrize(
    ("key", "env", "init_key"),
    [
        pytest.param(TEST_KEY, {}, {}, id="key-from-env"),
        pytest.param(INIT_KEY, {"POE_API_KEY": None}, {"apiKey": INIT_KEY}, id="key-from-init"),
    ],
)
async def test_api_key_never_appears_in_log_messages_or_errors(
    make_editor: MakeEditor,
    fake: FakePoe,
    log_file: Path,
    key: str,
    env: dict[str, str | None],
    init_key: dict[str, str],
) -> None:
    editor = await make_editor(env=env, init_options={**init_key, "allowedBots": MIXED_BOTS})
    uri = editor.open("shop.py", SOURCE)
    results = []
    for bot in MIXED_BOTS:
        results.append(await editor.run("poe.explain", explain_argument(editor, uri, bot)))
        results.append(await editor.run("poe.refactor", refactor_argument(editor, uri, bot)))
    statuses = {r["bot"]: r["status"] for r in results}
    assert statuses["EchoBot"] == "done" and statuses["Status401"] == "failed"
    assert {r["status"] for r in results} >= {"done", "failed"}
    # the key did reach Poe, so it was known to the server all along
    assert fake.requests[0].headers["authorization"] == f"Bearer {key}"

    errors = [r["error"] for r in results if r.get("error")]
    assert len(errors) >= 8
    assert not [e for e in errors if key in e]
    said = editor.everything_said()
    assert "rejected the API key" in said
    assert key not in said
    log = read_log(log_file)
    assert "Status401" in log and "initialize" in log, "the debug log recorded too little"
    assert key not in log
    assert key[:16] not in log


# -- what reaches the bot ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("workspace", "title", "referer"),
    [
        pytest.param(None, "poe-lsp", DEFAULT_REFERER, id="defaults"),
        pytest.param(
            {"app": {"title": "My Editor", "referer": "https://example.org/me"}},
            "My Editor",
            "https://example.org/me",
            id="from-workspace",
        ),
        pytest.param(
            {"app.title": "Dotted", "app.referer": "https://example.org/dotted"},
            "Dotted",
            "https://example.org/dotted",
            id="from-workspace-dotted",
        ),
    ],
)
async def test_app_title_and_referer_reach_the_bot(
    make_editor: MakeEditor,
    fake: FakePoe,
    workspace: dict[str, Any] | None,
    title: str,
    referer: str,
) -> None:
    editor = await make_editor(init_options={"allowedBots": ["EchoBot"]}, workspace=workspace)
    uri = editor.open("shop.py", SOURCE)
    done = await editor.run("poe.explain", explain_argument(editor, uri, "EchoBot"))
    assert done["status"] == "done", done
    headers = fake.requests[-1].headers
    assert headers["x-title"] == title
    assert headers["http-referer"] == referer


@pytest.mark.parametrize("where", ["init_options", "workspace"])
async def test_bot_parameters_and_command_parameters_merge_and_reach_the_bot(
    make_editor: MakeEditor, fake: FakePoe, where: str
) -> None:
    bot_parameters = {
        "botParameters": {
            "EchoBot": {"temperature": 0.25, "style": "from settings"},
            "ExplainBot": {"not_for": "EchoBot"},
        }
    }
    options: dict[str, Any] = {"allowedBots": ["EchoBot"]}
    workspace: dict[str, Any] | None = None
    if where == "init_options":
        options.update(bot_parameters)
    else:
        workspace = bot_parameters
    editor = await make_editor(init_options=options, workspace=workspace)
    uri = editor.open("shop.py", SOURCE)
    await editor.run("poe.explain", explain_argument(editor, uri, "EchoBot"))
    assert fake.requests[-1].parameters == {"temperature": 0.25, "style": "from settings"}
    await editor.run(
        "poe.explain",
        explain_argument(
            editor, uri, "EchoBot", parameters={"style": "from command", "thinking_budget": 64}
        ),
    )
    assert fake.requests[-1].parameters == {
        "temperature": 0.25,
        "style": "from command",
        "thinking_budget": 64,
    }


# -- stdout is the LSP channel and nothing else ----------------------------------------


class FrameError(AssertionError):
    """stdout held something that is not a Content-Length framed JSON-RPC message."""


def parse_frames(data: bytes) -> tuple[list[dict[str, Any]], int]:
    """Strictly parse complete frames; return the messages and the bytes consumed.

    Raises :class:`FrameError` for anything that cannot be the start of a frame.
    """
    messages: list[dict[str, Any]] = []
    pos = 0
    while pos < len(data):
        head_end = data.find(b"\r\n\r\n", pos)
        if head_end < 0:
            # An incomplete header is fine (more is coming), but it must look like one.
            if not b"Content-".startswith(data[pos : pos + 8]):
                raise FrameError(f"not a frame header at byte {pos}: {data[pos : pos + 80]!r}")
            break
        length: int | None = None
        for line in data[pos:head_end].split(b"\r\n"):
            name, sep, value = line.partition(b":")
            if not sep:
                raise FrameError(f"bad header line at byte {pos}: {line[:80]!r}")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
            elif name.strip().lower() != b"content-type":
                raise FrameError(f"unexpected header at byte {pos}: {line[:80]!r}")
        if length is None:
            raise FrameError(f"frame without Content-Length at byte {pos}")
        body_start = head_end + 4
        if body_start + length > len(data):
            break
        body = json.loads(data[body_start : body_start + length])
        if not isinstance(body, dict) or body.get("jsonrpc") != "2.0":
            raise FrameError(f"not a JSON-RPC 2.0 message: {body!r:.200}")
        messages.append(body)
        pos = body_start + length
    return messages, pos


class RawLspSession:
    """The server as a bare subprocess, spoken to with hand-made LSP frames."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.stdout = bytearray()
        self.messages: list[dict[str, Any]] = []
        self._parsed = 0
        self._ids = itertools.count(1)
        self._arrived = asyncio.Event()
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.process.stdout is not None
        while chunk := await self.process.stdout.read(65536):
            self.stdout += chunk
            messages, consumed = parse_frames(bytes(self.stdout[self._parsed :]))
            self._parsed += consumed
            for message in messages:
                self.messages.append(message)
                if "id" in message and "method" in message:
                    # A request from the server: answer it blandly.
                    self.send({"jsonrpc": "2.0", "id": message["id"], "result": None})
            self._arrived.set()

    def send(self, message: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        body = json.dumps(message).encode()
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    async def wait_for(self, predicate: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        async with asyncio.timeout(15):
            while True:
                for message in self.messages:
                    if predicate(message):
                        return message
                if self.reader.done():
                    self.reader.result()
                    raise AssertionError("the server closed stdout")
                self._arrived.clear()
                await self._arrived.wait()

    async def request(self, method: str, params: Any) -> Any:
        msg_id = next(self._ids)
        self.send({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params})
        reply = await self.wait_for(lambda m: m.get("id") == msg_id and "method" not in m)
        assert "error" not in reply, reply
        return reply.get("result")

    def notify(self, method: str, params: Any) -> None:
        self.send({"jsonrpc": "2.0", "method": method, "params": params})


async def test_stdout_carries_only_lsp_frames_while_bots_fail(
    fake: FakePoe, tmp_path: Path
) -> None:
    failing = [
        "Status401",
        "Status500",
        "FailsMidStreamBot",
        "DropMidStream",
        "BotThatRaises",
        "MalformedBot",
        "OutOfPointsBot",
    ]
    env = {**os.environ, "POE_API_KEY": TEST_KEY, "POE_LSP_BASE_URL": fake.base_url}
    with (tmp_path / "stderr.txt").open("wb") as stderr:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "poe_lsp",
            "--log-level",
            "debug",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=stderr,
            env=env,
        )
    session = RawLspSession(process)
    try:
        await session.request(
            "initialize",
            {
                "processId": os.getpid(),
                "rootUri": "file:///workspace",
                # A client that renders poe/*: it is told each job's end in poe/done.
                "capabilities": {"experimental": {"poe": {"stream": True}}},
                "initializationOptions": {"allowedBots": [*failing, "EchoBot"]},
            },
        )
        session.notify("initialized", {})
        uri = "file:///workspace/shop.py"
        session.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": SOURCE}},
        )
        selection = {"start": {"line": 0, "character": 0}, "end": {"line": 4, "character": 12}}
        statuses = {}
        for bot in [*failing, "EchoBot"]:
            started = await session.request(
                "workspace/executeCommand",
                {
                    "command": "poe.explain",
                    "arguments": [{"uri": uri, "range": selection, "bot": bot}],
                },
            )
            job_id = started["jobId"]
            done = await session.wait_for(
                lambda m, job_id=job_id: (
                    m.get("method") == "poe/done" and m["params"]["jobId"] == job_id
                )
            )
            statuses[bot] = done["params"]["status"]
        assert statuses == {**dict.fromkeys(failing, "failed"), "EchoBot": "done"}
        await session.request("shutdown", None)
        session.notify("exit", None)
        await asyncio.wait_for(process.wait(), 10)
        await asyncio.wait_for(session.reader, 10)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        with contextlib.suppress(Exception):
            await session.reader

    data = bytes(session.stdout)
    messages, consumed = parse_frames(data)
    assert consumed == len(data), f"stray bytes on stdout: {data[consumed : consumed + 200]!r}"
    assert len(messages) == len(session.messages)
    assert sum(m.get("method") == "poe/done" for m in messages) == len(failing) + 1
    assert TEST_KEY.encode() not in data


# -- the rate limit holds under a burst -------------------------------------------------


async def test_a_burst_through_the_poe_client_never_starts_more_than_500_a_minute(
    fake: FakePoe,
) -> None:
    """520 answers requested at once, on a simulated clock: every HTTP request the
    client makes passes the limiter, so no 60-second window holds more than 500."""
    from poe_lsp.poe.bot_protocol import PoeClient
    from poe_lsp.poe.ratelimit import RateLimiter

    now = [0.0]
    starts: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        now[0] += seconds
        await asyncio.sleep(0)

    limiter = RateLimiter(clock=lambda: now[0], sleep=fake_sleep)
    acquire = limiter.acquire

    async def counted() -> None:
        await acquire()
        starts.append(now[0])

    limiter.acquire = counted  # type: ignore[method-assign]
    client = PoeClient(TEST_KEY, fake.base_url, limiter=limiter)

    async def one(i: int) -> str:
        return "".join([e.text async for e in client.stream("EchoBot", f"q{i}")])

    try:
        answers = await asyncio.wait_for(asyncio.gather(*(one(i) for i in range(520))), 60)
    finally:
        await client.aclose()
    assert answers == [f"q{i}" for i in range(520)]
    assert len(starts) == len(fake.requests) == 520
    window = [t for t in starts if t < starts[0] + 60]
    assert len(window) == 500, len(window)
    assert all(sum(1 for t in starts if s <= t < s + 60) <= 500 for s in starts)
    assert max(starts) >= 60  # the last 20 waited for the first minute to pass
