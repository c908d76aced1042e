"""Bad input: whatever a client sends, the server answers or ignores it, and goes on.

* ``workspace/executeCommand`` with hypothesis-generated arguments (any JSON,
  biased towards the keys the commands read) and hand-picked nasty ones;
* ``textDocument/codeAction`` with every field of its params mutated;
* raw frames on the server's stdin: broken ``Content-Length`` headers,
  invalid JSON, wrong ``jsonrpc`` versions, deep nesting, huge bodies.

A request gets its answer or a JSON-RPC error, never an internal error
(-32603, an exception nobody meant) and never silence; a malformed frame is
ignored; the next valid request is answered and the process is alive.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import json
import os
import sys
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import psutil
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pygls.exceptions import JsonRpcException

from poe_lsp.lsp.framescan import FrameScan
from test_security import RawLspSession, closed_port, parse_frames

from conftest import MakeEditor
from editor import TEST_KEY, Editor
from fakepoe import FakePoe

# These tests are about streamed edits against random user typing, not review proposals.
pytestmark = pytest.mark.edits_mode("stream")

SOURCE = """import os


def greet(name):
    return "héllo " + name + " 🎉"


class Shop:
    def total(self, prices):
        return sum(prices)
"""
INTERNAL_ERROR = -32603
FUZZ_EXAMPLES = 250
COMMANDS = [
    "poe.explain",
    "poe.refactor",
    "poe.document",
    "poe.fix",
    "poe.ask",
    "poe.cancel",
    "poe.listBots",
    "poe.unknown",
    "",
]
KEYS = [
    "uri",
    "range",
    "start",
    "end",
    "line",
    "character",
    "position",
    "bot",
    "parameters",
    "instruction",
    "prompt",
    "output",
    "jobId",
    "diagnostics",
    "message",
    "severity",
    "code",
    "source",
    "jsonrpc",
    "id",
    "method",
]
NASTY_STRINGS = [
    "\ud800",
    "a\udfffb",
    "\x00",
    "x" * 200_000,
    "file:///workspace/../../etc/passwd",
    "file:///workspace/shop.py\n",
    "‮gpt",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "GPT-5",
    "edit",
    "explain",
    "../x",
    "{selection}",
]
NASTY_NUMBERS = [-1, -(2**31), 2**31, 2**53 + 1, 2**70, 10**30, 0, 1, 3, 1e308, -0.0, 0.5]

JSON_NOISE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='"\\{}[]:,ab é\n', max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["id", "method", "uri", "x", '"}']), inner, max_size=3)
    ),
    max_leaves=10,
)
"""JSON values full of what a scanner could mistake for structure."""
FRAME_LIMIT = 16 * 1024 * 1024
"""The largest frame the README promises to read."""

T_ = TypeVar("T_")

Runner = Callable[[Awaitable[T_]], T_]


def json_values(uri: str) -> st.SearchStrategy[Any]:
    """Any JSON value, biased towards what the commands look for."""
    scalars = (
        st.none()
        | st.booleans()
        | st.integers()
        | st.sampled_from(NASTY_NUMBERS)
        | st.floats(allow_nan=False, allow_infinity=False)
        | st.text(max_size=20)
        | st.sampled_from([*NASTY_STRINGS, uri])
    )
    return st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=4)
            | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), inner, max_size=5)
        ),
        max_leaves=25,
    )


def positions(uri: str) -> st.SearchStrategy[Any]:
    number = st.integers(0, 12) | st.sampled_from(NASTY_NUMBERS) | json_values(uri)
    return st.fixed_dictionaries({"line": number, "character": number}) | json_values(uri)


def ranges(uri: str) -> st.SearchStrategy[Any]:
    return st.fixed_dictionaries({"start": positions(uri), "end": positions(uri)}) | json_values(
        uri
    )


def command_arguments(uri: str) -> st.SearchStrategy[list[Any]]:
    """Mostly one object with plausible fields, sometimes anything at all."""
    plausible = st.fixed_dictionaries(
        {},
        optional={
            "uri": st.sampled_from([uri, "file:///workspace/closed.py", *NASTY_STRINGS])
            | json_values(uri),
            "range": ranges(uri),
            "position": positions(uri),
            "bot": st.sampled_from(["NoSuchBot", "GPT-5", *NASTY_STRINGS]) | json_values(uri),
            "parameters": json_values(uri),
            "instruction": json_values(uri),
            "prompt": json_values(uri),
            "output": st.sampled_from(["explain", "edit", "html"]) | json_values(uri),
            "jobId": json_values(uri),
            "diagnostics": st.lists(
                st.fixed_dictionaries(
                    {},
                    optional={
                        "range": ranges(uri),
                        "message": json_values(uri),
                        "severity": json_values(uri),
                        "code": json_values(uri),
                        "source": json_values(uri),
                    },
                ),
                max_size=3,
            )
            | json_values(uri),
        },
    )
    return st.lists(plausible, min_size=1, max_size=1) | st.lists(json_values(uri), max_size=3)


def code_action_params(uri: str) -> st.SearchStrategy[Any]:
    """Mostly well-formed params with one or more fields broken, sometimes junk."""

    def mostly(good: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        return st.one_of(good, good, good, good, good, good, good, json_values(uri))

    number = st.one_of(st.integers(0, 12), st.just(2**31 - 1), st.sampled_from(NASTY_NUMBERS))
    position = st.fixed_dictionaries({"line": mostly(number), "character": mostly(number)})
    rng = st.fixed_dictionaries({"start": mostly(position), "end": mostly(position)})
    document = st.fixed_dictionaries(
        {"uri": mostly(st.sampled_from([uri, uri, "file:///nowhere.py", *NASTY_STRINGS]))}
    )
    diagnostic = st.fixed_dictionaries(
        {"range": mostly(rng), "message": mostly(st.text(max_size=10))},
        optional={"severity": mostly(st.integers(1, 4)), "code": json_values(uri)},
    )
    context = st.fixed_dictionaries(
        {"diagnostics": mostly(st.lists(mostly(diagnostic), max_size=2))},
        optional={
            "only": mostly(st.lists(st.sampled_from(["quickfix", "refactor", "", "x.y"]))),
            "triggerKind": mostly(st.integers(1, 2)),
        },
    )
    params = st.fixed_dictionaries(
        {"textDocument": mostly(document), "range": mostly(rng), "context": mostly(context)}
    )
    return mostly(params)


def runner(loop: asyncio.AbstractEventLoop) -> Runner[Any]:
    def run(coro: Awaitable[Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, loop).result(timeout=30)  # type: ignore[arg-type]

    return run


def fuzz_settings(examples: int) -> Callable[[Any], Any]:
    return settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.function_scoped_fixture,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
        ],
        database=None,
    )


class Outcomes:
    def __init__(self) -> None:
        self.cases = 0
        self.answered = 0
        self.refused: dict[int, int] = {}

    def __str__(self) -> str:
        return f"{self.cases} cases: {self.answered} answered, errors by code {self.refused}"


async def raw_request(editor: Editor, method: str, params: Any) -> Any:
    """Send ``params`` as they are: the client's typed path would refuse to send junk."""
    protocol = editor.client.protocol
    msg_id = str(uuid.uuid4())
    future: concurrent.futures.Future[Any] = concurrent.futures.Future()
    protocol._request_futures[msg_id] = future
    protocol._send_data({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params})
    try:
        return await asyncio.wrap_future(future)
    finally:
        protocol._request_futures.pop(msg_id, None)


async def send(editor: Editor, method: str, params: Any, outcomes: Outcomes) -> Any:
    """One request: it must be answered (a result or a deliberate error) in time."""
    outcomes.cases += 1
    try:
        result = await asyncio.wait_for(raw_request(editor, method, params), 10)
    except JsonRpcException as error:
        outcomes.refused[error.code] = outcomes.refused.get(error.code, 0) + 1
        assert error.code != INTERNAL_ERROR, (method, params, error.message)
        assert "\n" not in error.message, error.message
        assert TEST_KEY not in error.message
        return None
    outcomes.answered += 1
    return result


async def still_serving(editor: Editor, uri: str) -> None:
    bots = await asyncio.wait_for(editor.command("poe.listBots", {}), 10)
    assert bots and bots[0]["name"] == "GPT-5"
    actions = await editor.code_actions(uri, editor.range_of(uri, "def greet(name):"))
    assert any(a["title"] == "Explain with GPT-5" for a in actions)


async def fuzz_editor(make_editor: MakeEditor) -> tuple[Editor, str]:
    editor = await make_editor()
    # A fuzzed argument may well be valid: any job it starts must spend nothing.
    editor.consent_answer = "Cancel"
    return editor, editor.open("shop.py", SOURCE)


async def finish_jobs(editor: Editor) -> None:
    """Cancel what the fuzzing started; every job still ends exactly once."""
    cancelled = await editor.command("poe.cancel", {})
    # A job cancelled before it said anything is known by the cancel's answer only.
    for job_id in [*editor.jobs, *cancelled["cancelled"]]:
        await editor.done(job_id)
    for record in editor.jobs.values():
        assert record.done_count == 1
    status = await editor.status()
    assert status["runningJobs"] == 0, status


# -- workspace/executeCommand -------------------------------------------------------------


async def test_fuzzed_command_arguments_are_answered_or_refused_never_crash(
    make_editor: MakeEditor,
) -> None:
    editor, uri = await fuzz_editor(make_editor)
    run = runner(asyncio.get_running_loop())
    outcomes = Outcomes()

    @fuzz_settings(FUZZ_EXAMPLES)
    @given(command=st.sampled_from(COMMANDS), arguments=command_arguments(uri))
    def example(command: str, arguments: list[Any]) -> None:
        run(
            send(
                editor,
                "workspace/executeCommand",
                {"command": command, "arguments": arguments},
                outcomes,
            )
        )

    await asyncio.to_thread(example)
    print(f"\nexecuteCommand fuzz: {outcomes}")
    assert outcomes.cases >= FUZZ_EXAMPLES
    await finish_jobs(editor)
    await still_serving(editor, uri)


DIAGNOSTIC = {
    "message": "bad",
    "range": {"start": {"line": 3, "character": 0}, "end": {"line": 3, "character": 4}},
}
NASTY_COMMANDS: list[tuple[str, Any]] = [
    ("poe.explain", None),
    ("poe.explain", {}),
    ("poe.explain", "not a list"),
    ("poe.explain", [None]),
    ("poe.explain", [[]]),
    ("poe.explain", [{"uri": None, "range": None}]),
    ("poe.refactor", [{"uri": "x" * 1_000_000, "range": {}}]),
    ("poe.explain", [{"uri": "\ud800", "range": {}}]),
    (
        "poe.fix",
        [{"uri": "URI", "range": "RANGE", "diagnostics": [{**DIAGNOSTIC, "severity": [1]}]}],
    ),
    (
        "poe.fix",
        [{"uri": "URI", "range": "RANGE", "diagnostics": [{**DIAGNOSTIC, "severity": {}}]}],
    ),
    ("poe.fix", [{"uri": "URI", "range": "RANGE", "diagnostics": "none"}]),
    ("poe.document", [{"uri": "URI", "position": {"line": 2**70, "character": 0}}]),
    ("poe.document", [{"uri": "URI", "position": {"line": 4, "character": 10**9}}]),
    ("poe.ask", [{"uri": "URI", "prompt": "\ud800" * 100, "output": ["edit"]}]),
    ("poe.cancel", [{"jobId": {"$ne": None}}]),
    ("poe.cancel", [{"jobId": "x" * 100_000}]),
    ("poe.listBots", [{}, {}]),
    ("poe.explain", [{"uri": "URI", "range": "RANGE", "bot": "GPT-5\n"}]),
    ("poe.explain", [{"uri": "URI", "range": "RANGE", "parameters": {"a": [[[[[[]]]]]]}}]),
    ("poe.explain", [{"uri": "URI", "range": {"start": {"line": 0, "character": -1}, "end": {}}}]),
    (
        "poe.explain",
        [
            {
                "uri": "URI",
                "range": {
                    "start": {"line": 99, "character": 0},
                    "end": {"line": 99, "character": 0},
                },
            }
        ],
    ),
    (
        "poe.explain",
        [
            {
                "uri": "URI",
                "range": {
                    "start": {"line": 1.5, "character": 0},
                    "end": {"line": 2, "character": 0},
                },
            }
        ],
    ),
    ("poe.explain", [{"uri": "URI", "range": "RANGE", "jsonrpc": "2.0", "method": "exit"}]),
    ("poe.explain", [{"uri": "URI", "range": "RANGE", "deep": json.loads("[" * 400 + "]" * 400)}]),
    ("poe." + "x" * 10_000, []),
]


def _fill(value: Any, uri: str, rng: dict[str, Any]) -> Any:
    if value == "URI":
        return uri
    if value == "RANGE":
        return rng
    if isinstance(value, list):
        return [_fill(v, uri, rng) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, uri, rng) for k, v in value.items()}
    return value


async def test_hand_picked_nasty_command_arguments_are_refused_cleanly(
    make_editor: MakeEditor, fake: FakePoe
) -> None:
    editor, uri = await fuzz_editor(make_editor)
    rng = editor.range_of(uri, "def greet(name):")
    outcomes = Outcomes()
    for command, arguments in NASTY_COMMANDS:
        params: dict[str, Any] = {"command": command}
        if arguments is not None:
            params["arguments"] = _fill(arguments, uri, rng)
        await send(editor, "workspace/executeCommand", params, outcomes)
        await still_serving(editor, uri)
    print(f"\nnasty commands: {outcomes}")
    await finish_jobs(editor)
    assert TEST_KEY not in editor.everything_said()


# -- textDocument/codeAction ---------------------------------------------------------------


async def test_fuzzed_code_action_params_are_answered_or_refused_never_crash(
    make_editor: MakeEditor, fake: FakePoe
) -> None:
    editor, uri = await fuzz_editor(make_editor)
    run = runner(asyncio.get_running_loop())
    outcomes = Outcomes()

    @fuzz_settings(FUZZ_EXAMPLES)
    @given(params=code_action_params(uri))
    def example(params: Any) -> None:
        result = run(send(editor, "textDocument/codeAction", params, outcomes))
        assert result is None or isinstance(result, list)

    await asyncio.to_thread(example)
    print(f"\ncodeAction fuzz: {outcomes}")
    assert outcomes.cases >= FUZZ_EXAMPLES
    assert fake.requests == []  # code actions never reach Poe
    await still_serving(editor, uri)
    # Hover with positions past every end is answered too.
    for line, character in [(0, 10**6), (10**6, 0), (2**31 - 1, 2**31 - 1)]:
        await send(
            editor,
            "textDocument/hover",
            {"textDocument": {"uri": uri}, "position": {"line": line, "character": character}},
            outcomes,
        )


# -- raw frames ------------------------------------------------------------------------------


def frame(body: bytes) -> bytes:
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def message(obj: Any) -> bytes:
    return frame(json.dumps(obj).encode())


def request(msg_id: int, method: str, params: Any = None) -> bytes:
    return message({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params})


DEEP = (
    b'{"jsonrpc": "2.0", "id": 1, "method": "poe.x", "params": '
    + b"[" * 100_000
    + b"]" * 100_000
    + b"}"
)
LIST_BOTS = {"command": "poe.listBots", "arguments": []}
CODE_ACTION_BAD = {"textDocument": 5, "range": "no", "context": {}}

# name -> (bytes to send, id whose error response is expected or None)
RAW_CASES: dict[str, tuple[bytes, int | None]] = {
    "misspelt-header": (b"Content-Lngth: 5\r\n\r\nhello", None),
    "non-numeric-length": (b"Content-Length: abc\r\n\r\n{}", None),
    "negative-length": (b"Content-Length: -5\r\n\r\n{}", None),
    "zero-length": (b"Content-Length: 0\r\n\r\n", None),
    "absurd-length": (b"Content-Length: 99999999999999999999\r\n\r\n{}", None),
    "length-of-5000-digits": (b"Content-Length: " + b"9" * 5000 + b"\r\n\r\n{}", None),
    "length-shorter-than-body": (
        b"Content-Length: 10\r\n\r\n" + json.dumps({"jsonrpc": "2.0", "method": "x"}).encode(),
        None,
    ),
    "garbage-before-a-header": (b"\x00\xffgarbage without a line break", None),
    "megabytes-of-garbage-before-a-header": (b"x" * (3 * 1024 * 1024), None),
    "garbage-lines": (b"hello\r\nworld\r\n\r\n", None),
    "lowercase-header-and-content-type": (
        b"content-length: 2\r\nContent-Type: application/json\r\n\r\n{}",
        None,
    ),
    "invalid-json": (frame(b"{not json"), None),
    "invalid-utf8": (frame(b'{"jsonrpc": "2.0", "method": "\xff\xfe"}'), None),
    "json-array": (frame(b"[1, 2, 3]"), None),
    "json-number": (frame(b"42"), None),
    "json-null": (frame(b"null"), None),
    "batch": (
        frame(json.dumps([{"jsonrpc": "2.0", "id": 7, "method": "shutdown"}]).encode()),
        None,
    ),
    "jsonrpc-1.0-request": (message({"jsonrpc": "1.0", "id": 101, "method": "shutdown"}), 101),
    "no-jsonrpc-request": (message({"id": 102, "method": "poe/status"}), 102),
    "method-not-a-string": (message({"jsonrpc": "2.0", "id": 103, "method": 5}), 103),
    "id-is-an-object": (message({"jsonrpc": "2.0", "id": {"a": 1}, "method": "poe/status"}), None),
    "unknown-method": (request(104, "poe/noSuchThing", {}), 104),
    "code-action-bad-params": (request(105, "textDocument/codeAction", CODE_ACTION_BAD), 105),
    "hover-negative-position": (
        request(
            106,
            "textDocument/hover",
            {"textDocument": {"uri": "file:///x"}, "position": {"line": -1, "character": -1}},
        ),
        106,
    ),
    "nested-jsonrpc-in-arguments": (
        request(
            107,
            "workspace/executeCommand",
            {"command": "poe.cancel", "arguments": [{"jsonrpc": "2.0", "jobId": "x"}]},
        ),
        107,
    ),
    "execute-command-arguments-not-a-list": (
        request(108, "workspace/executeCommand", {"command": "poe.explain", "arguments": 5}),
        108,
    ),
    "deeply-nested": (frame(DEEP), None),
    "notification-with-bad-params": (
        message(
            {"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": 5}}
        ),
        None,
    ),
    "response-to-nothing": (message({"jsonrpc": "2.0", "id": 999, "result": [1]}), None),
    "huge-body": (
        request(
            109,
            "workspace/executeCommand",
            {"command": "poe.explain", "arguments": [{"uri": "u" * 5_000_000}]},
        ),
        109,
    ),
    "lone-surrogate-uri": (
        frame(
            b'{"jsonrpc": "2.0", "id": 110, "method": "workspace/executeCommand", "params": '
            b'{"command": "poe.explain", "arguments": [{"uri": "\\ud800", "range": {}}]}}'
        ),
        110,
    ),
}


async def test_malformed_frames_are_ignored_or_refused_and_the_server_answers_after_each(
    tmp_path: Path,
) -> None:
    env = {**os.environ, "POE_API_KEY": TEST_KEY}
    log_file = tmp_path / "poe-lsp.log"
    with (tmp_path / "stderr.txt").open("wb") as stderr:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "poe_lsp",
            "--log-level",
            "debug",
            "--log-file",
            str(log_file),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=stderr,
            env=env,
        )
    session = RawLspSession(process)
    assert process.stdin is not None
    try:
        await session.request(
            "initialize", {"processId": None, "rootUri": None, "capabilities": {}}
        )
        session.notify("initialized", {})
        next_id = 1000
        for name, (data, error_id) in RAW_CASES.items():
            process.stdin.write(data)
            next_id += 1
            # Several valid requests: a broken frame may swallow (only) the one right after it.
            ids = [next_id * 10 + k for k in range(3)]
            for msg_id in ids:
                process.stdin.write(request(msg_id, "workspace/executeCommand", LIST_BOTS))
            await process.stdin.drain()
            try:
                await session.wait_for(lambda m, last=ids[-1]: m.get("id") == last)
            except TimeoutError:
                raise AssertionError(f"{name}: the server no longer answers") from None
            answered = [m for m in session.messages if m.get("id") in ids]
            assert len(answered) >= 2, f"{name}: more than one valid request was lost"
            assert all(m["result"][0]["name"] == "GPT-5" for m in answered), name
            if error_id is not None:
                reply = await session.wait_for(
                    lambda m, i=error_id: m.get("id") == i and "method" not in m
                )
                assert "error" in reply, (name, reply)
                assert reply["error"]["code"] != INTERNAL_ERROR, (name, reply)
            assert process.returncode is None, f"{name}: the server died"
        # No "Error in server" pop-ups for what the client got wrong.
        shown = [m for m in session.messages if m.get("method") == "window/showMessage"]
        assert not [m for m in shown if "Error in server" in m["params"]["message"]], shown
        await session.request("shutdown", None)
        session.notify("exit", None)
        await asyncio.wait_for(process.wait(), 10)
        assert process.returncode == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        with contextlib.suppress(Exception):
            await session.reader
    errors = (tmp_path / "stderr.txt").read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in errors and "Logging error" not in errors, errors[-2000:]
    data = bytes(session.stdout)
    messages, consumed = parse_frames(data)
    assert consumed == len(data)
    assert TEST_KEY.encode() not in data
    assert TEST_KEY not in log_file.read_text(encoding="utf-8", errors="replace")
    print(f"\nraw frames: {len(RAW_CASES)} malformed inputs, {len(messages)} frames answered")


# -- frames over the size limit ----------------------------------------------------------


def peak_rss(pid: int) -> int:
    """The process's peak resident memory (VmHWM), or its current RSS without /proc."""
    status = Path(f"/proc/{pid}/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return int(psutil.Process(pid).memory_info().rss)


def padded(head: bytes, filler: bytes, tail: bytes, size: int) -> bytes:
    """``head + filler * n + tail`` made exactly ``size`` bytes long with spaces."""
    count = (size - len(head) - len(tail)) // len(filler)
    body = head + filler * count + tail
    return body[:-1] + b" " * (size - len(body)) + body[-1:]


async def stdio_session(tmp_path: Path) -> tuple[asyncio.subprocess.Process, RawLspSession]:
    # Nothing listens at the endpoint: no test here means to reach a bot.
    env = {
        **os.environ,
        "POE_API_KEY": TEST_KEY,
        "POE_LSP_BASE_URL": f"http://127.0.0.1:{closed_port()}/",
    }
    with (tmp_path / "stderr.txt").open("wb") as stderr:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "poe_lsp",
            "--log-level",
            "info",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=stderr,
            env=env,
        )
    session = RawLspSession(process)
    capabilities = {"workspace": {"applyEdit": True}}
    await session.request(
        "initialize", {"processId": None, "rootUri": None, "capabilities": capabilities}
    )
    session.notify("initialized", {})
    return process, session


async def end_session(process: asyncio.subprocess.Process, session: RawLspSession) -> None:
    if process.returncode is None:
        process.kill()
        await process.wait()
    with contextlib.suppress(Exception):
        await session.reader


async def test_a_request_over_the_frame_limit_is_refused_unread_and_the_next_is_answered(
    tmp_path: Path,
) -> None:
    """16 MiB of ``{}`` in a request whose id comes last (as a Lua table may be
    encoded): refused with an error for that id, memory not spent on it."""
    process, session = await stdio_session(tmp_path)
    assert process.stdin is not None
    try:
        await session.request("workspace/executeCommand", LIST_BOTS)
        before = peak_rss(process.pid)
        body = padded(
            b'{"jsonrpc": "2.0", "params": {"command": "poe.listBots", "arguments": [[',
            b"{},",
            b'{}]]}, "method": "workspace/executeCommand", "id": 4242}',
            FRAME_LIMIT + 1,
        )
        process.stdin.write(frame(body) + request(4243, "workspace/executeCommand", LIST_BOTS))
        await process.stdin.drain()
        refused = await session.wait_for(lambda m: m.get("id") == 4242)
        answered = await session.wait_for(lambda m: m.get("id") == 4243)
        grown = peak_rss(process.pid) - before
        print(f"\npeak memory grew by {grown / 2**20:.1f} MiB over a refused frame of 16 MiB")
        # Decoding it would take hundreds of MB; even holding it, 16 MiB.
        assert grown < 12 * 1024 * 1024, f"peak memory grew by {grown / 2**20:.0f} MiB"
        assert refused["error"]["message"] == (
            "poe-lsp refused a workspace/executeCommand of 16.0 MiB: "
            "the limit is 16.0 MiB per message."
        )
        assert answered["result"][0]["name"] == "GPT-5"
    finally:
        await end_session(process, session)
    log = (tmp_path / "stderr.txt").read_text(encoding="utf-8")
    assert "refused a workspace/executeCommand of 16.0 MiB" in log


async def test_a_header_line_without_end_is_read_in_pieces(tmp_path: Path) -> None:
    """24 MiB of garbage with no line break must not be gathered as one line."""
    process, session = await stdio_session(tmp_path)
    assert process.stdin is not None
    try:
        await session.request("workspace/executeCommand", LIST_BOTS)
        before = peak_rss(process.pid)
        process.stdin.write(b"Content-Typo: " + b"x" * (24 * 1024 * 1024) + b"\r\n\r\n")
        process.stdin.write(request(77, "workspace/executeCommand", LIST_BOTS))
        await process.stdin.drain()
        answered = await session.wait_for(lambda m: m.get("id") == 77)
        grown = peak_rss(process.pid) - before
        assert grown < 12 * 1024 * 1024, f"peak memory grew by {grown / 2**20:.0f} MiB"
        assert answered["result"][0]["name"] == "GPT-5"
    finally:
        await end_session(process, session)


@pytest.mark.parametrize("notification", ["didOpen", "didChange"])
async def test_a_document_over_the_frame_limit_is_forgotten_with_a_warning(
    notification: str, tmp_path: Path
) -> None:
    """Its text never arrived: a job on the copy the server had would work on
    stale text, so the document is no longer followed until it is reopened."""
    uri = "file:///workspace/huge.py"
    process, session = await stdio_session(tmp_path)
    assert process.stdin is not None
    try:
        session.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": SOURCE}},
        )
        if notification == "didOpen":
            head = b'{"jsonrpc": "2.0", "params": {"textDocument": {"text": "'
            tail = b'", "languageId": "python", "version": 2, "uri": "%s"}}, ' % uri.encode()
        else:  # the document's uri after its new text, as a Lua table may be encoded
            head = b'{"jsonrpc": "2.0", "params": {"contentChanges": [{"text": "'
            tail = b'"}], "textDocument": {"version": 2, "uri": "%s"}}, ' % uri.encode()
        method = b'"method": "textDocument/%s"}' % notification.encode()
        body = padded(head, b"x = 1\\n", tail + method, FRAME_LIMIT + 100)
        process.stdin.write(frame(body))
        warning = await session.wait_for(lambda m: m.get("method") == "window/showMessage")
        assert warning["params"]["type"] == 2
        assert warning["params"]["message"] == (
            f"poe-lsp cannot follow {uri}: the editor sent it in a message of 16.0 MiB, "
            "over the 16.0 MiB limit. Close and reopen it once it is smaller."
        )
        selection = {"start": {"line": 3, "character": 0}, "end": {"line": 4, "character": 0}}
        explain = {"command": "poe.explain", "arguments": [{"uri": uri, "range": selection}]}
        with pytest.raises(AssertionError, match="-32602"):
            await session.request("workspace/executeCommand", explain)
        await session.request("workspace/executeCommand", LIST_BOTS)
    finally:
        await end_session(process, session)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    msg_id=st.none() | st.integers() | st.text(max_size=10),
    method=st.none() | st.text(max_size=12),
    uri=st.none() | st.text(max_size=12),
    noise=st.lists(st.tuples(st.text(max_size=6).map("_".__add__), JSON_NOISE), max_size=3),
    order=st.randoms(use_true_random=False),
    chunk=st.integers(1, 40),
)
def test_frame_scan_finds_the_id_method_and_uri_that_json_finds(
    msg_id: Any, method: Any, uri: Any, noise: Any, order: Any, chunk: int
) -> None:
    """The scan that answers a refused frame agrees with json.loads, whatever the
    key order, nesting, escapes and chunk boundaries."""
    document: dict[str, Any] = dict(noise)
    if uri is not None:
        document["uri"] = uri
    params: dict[str, Any] = {"textDocument": document, **dict(noise)}
    members: list[tuple[str, Any]] = [("jsonrpc", "2.0"), ("params", params), *noise]
    if msg_id is not None:
        members.append(("id", msg_id))
    if method is not None:
        members.append(("method", method))
    order.shuffle(members)
    body = json.dumps(dict(members), ensure_ascii=order.random() < 0.5).encode()
    scan = FrameScan()
    for start in range(0, len(body), chunk):
        scan.feed(body[start : start + chunk])
    decoded = json.loads(body)
    expected = {
        path: value
        for path, value in [
            (("id",), decoded.get("id")),
            (("method",), decoded.get("method")),
            (("params", "textDocument", "uri"), decoded["params"]["textDocument"].get("uri")),
        ]
        if value is not None and not isinstance(value, dict | list)
    }
    assert {p: v for p, v in scan.values().items() if v is not None} == expected
