"""Editing safety under interleaving, property-based (hypothesis) on the real server.

Each example opens a fresh document ``P + T + S``, starts a ``stream``-mode
refactor of ``T`` and, while the bot streams, plays user edits (``didChange``)
before, inside, after and across the target range, each after a chosen
number of the server's edits has arrived.  The job then succeeds, fails (the
bot goes silent and the idle timeout cuts it) or is cancelled.  Invariants:

1. text outside the target range is exactly what the user made it (their
   typing is never lost, duplicated, or moved into the range);
2. once the user touched the range, the server writes nothing more: the
   document ends as the user left it (no restore over their edit);
3. without such a touch, the range ends holding the bot's code after success
   and the original text after failure or cancel;
4. no chunk appears twice: ``poe/done`` carries exactly the bot's answer, the
   ``poe/stream`` deltas add up to it, and ``poe/done`` comes once;
5. nothing of the job is held by the server afterwards.

Hypothesis runs in a worker thread and drives the editor on the test's event
loop, so one server serves every example of a test.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lsprotocol import types
from pygls.exceptions import JsonRpcException

from conftest import CLIENTS, MakeEditor
from editor import Editor

# These tests are about streamed edits interleaved with the user's typing, not review proposals.
pytestmark = pytest.mark.edits_mode("stream")

P = "import os\n# naïve 日本 🎉\n\n\ndef total(prices):\n"
T = "    t = 0\n    for p in prices:\n        t = t + p\n    return t\n"
S = "\n\ndef after():\n    return 'é🎉'\n"
CODE = "".join(f"    v{i} = prices[{i}] * {i}\n" for i in range(10)) + "    return v0\n"
ANSWER = f"Here is the rewritten code:\n\n```python\n{CODE}\n```\n\nThe behaviour is unchanged.\n"
"""What FencedCodeBot answers for ``CODE``."""
STALL_LINES = [f"    s{i} = {i}\n" for i in range(8)]
EXAMPLES = 40

REGIONS = ["before", "inside", "after", "across_start", "across_end"]
TYPED = st.text(alphabet="ab xy\né🎉()", max_size=5)


@dataclass(frozen=True)
class UserEdit:
    region: str
    at: float
    length: float
    text: str
    after_edits: int
    """Performed once the editor has received this many server edits (or the job ended)."""


@dataclass(frozen=True)
class Scenario:
    outcome: str
    edits: tuple[UserEdit, ...]
    cancel_after: int
    stall_lines: int


scenarios = st.builds(
    Scenario,
    outcome=st.sampled_from(["success", "failure", "cancel"]),
    edits=st.lists(
        st.builds(
            UserEdit,
            region=st.sampled_from(REGIONS),
            at=st.floats(0, 1),
            length=st.floats(0, 1),
            text=TYPED,
            after_edits=st.integers(0, 4),
        ),
        max_size=4,
    ).map(tuple),
    cancel_after=st.integers(1, 4),
    stall_lines=st.integers(1, len(STALL_LINES)),
)


class Tally:
    """What the examples checked, for the report."""

    def __init__(self) -> None:
        self.examples = 0
        self.invariants = 0
        self.user_edits = 0
        self.touching = 0
        self.outcomes: dict[str, int] = {}

    def check(self, condition: bool, message: Any) -> None:
        self.invariants += 1
        assert condition, message


T_ = TypeVar("T_")


def runner(loop: asyncio.AbstractEventLoop) -> Callable[[Awaitable[T_]], T_]:
    """Run a coroutine on the test's loop from hypothesis's worker thread."""

    def run(coro: Awaitable[T_]) -> T_:
        return asyncio.run_coroutine_threadsafe(coro, loop).result(timeout=60)  # type: ignore[arg-type]

    return run


async def wait_for_edits(editor: Editor, job_id: str, count: int) -> None:
    deadline = time.monotonic() + 5
    while editor.edits_received < count and not editor.jobs[job_id].done.done():
        if time.monotonic() > deadline:
            return
        await asyncio.sleep(0.005)


class Model:
    """What the document must hold, by the rules, as the user edits it."""

    def __init__(self, editor: Editor, uri: str) -> None:
        self.editor = editor
        self.uri = uri
        self.prefix = P
        self.suffix = S
        self.frozen: str | None = None
        """The whole document once the server may no longer write into it."""

    def range(self) -> tuple[int, int]:
        text = self.editor.text(self.uri)
        return len(self.prefix), len(text) - len(self.suffix)

    def play(self, edit: UserEdit, job_done: bool) -> bool:
        """Make ``edit`` in the editor; False when it does not apply to this document."""
        text = self.editor.text(self.uri)
        rs, re_ = self.range()
        n = len(text)
        if self.frozen is not None:
            # Anything goes now; the model follows the user's edits verbatim.
            start = int(edit.at * n)
            end = start + int(edit.length * (n - start) * 0.5)
        elif edit.region == "before":
            start = int(edit.at * rs)
            end = start + int(edit.length * (rs - start))
        elif edit.region == "after":
            start = re_ + int(edit.at * (n - re_))
            end = start + int(edit.length * (n - start))
        elif edit.region == "inside":
            if re_ - rs < 2:
                return False
            start = rs + 1 + int(edit.at * (re_ - rs - 2))
            end = start + int(edit.length * (re_ - start))
        elif edit.region == "across_start":
            if rs < 1 or re_ <= rs:
                return False
            start = int(edit.at * (rs - 1))
            end = rs + 1 + int(edit.length * (re_ - rs - 1))
        else:  # across_end
            if n - re_ < 1 or re_ <= rs:
                return False
            start = rs + int(edit.at * (re_ - rs - 1))
            end = re_ + 1 + int(edit.length * (n - re_ - 1))
        if start == end and not edit.text:
            return False
        self.editor.type(self.uri, start, end, edit.text)
        after = self.editor.text(self.uri)
        if self.frozen is not None:
            self.frozen = after
        elif edit.region == "before":
            self.prefix = self.prefix[:start] + edit.text + self.prefix[end:]
        elif edit.region == "after":
            offset = n - len(self.suffix)
            self.suffix = self.suffix[: start - offset] + edit.text + self.suffix[end - offset :]
        if self.frozen is None and (edit.region not in ("before", "after") or job_done):
            # The user touched the range (or the job is over): from now on only
            # the user changes this document.
            self.frozen = after
        return True


async def play_example(editor: Editor, scenario: Scenario, n: int, tally: Tally) -> None:
    uri = editor.open(f"ex{n}.py", P + T + S)
    model = Model(editor, uri)
    start = len(P)
    argument: dict[str, Any] = {"uri": uri, "range": editor.span_range(uri, start, start + len(T))}
    if scenario.outcome == "failure":
        lines = STALL_LINES[: scenario.stall_lines]
        argument["bot"] = "StallBot"
        argument["parameters"] = {
            "before": len(lines),
            "stall": 30,
            "chunk_text": "    s{i} = {i}\n",
        }
        answer = "".join(lines)
    else:
        argument["bot"] = "FencedCodeBot"
        argument["parameters"] = {"answer": CODE, "chunk_size": 9, "delay": 0.01}
        answer = ANSWER
    edits_before = editor.edits_received
    job_id = await editor.start("poe.refactor", argument)
    record = editor.jobs[job_id]
    steps: list[tuple[int, str, Any]] = [(e.after_edits, "edit", e) for e in scenario.edits]
    if scenario.outcome == "cancel":
        steps.append((scenario.cancel_after, "cancel", None))
    steps.sort(key=lambda s: s[0])
    for after_edits, kind, edit in steps:
        await wait_for_edits(editor, job_id, edits_before + after_edits)
        if kind == "cancel":
            if not record.done.done():
                # The job may end on its own meanwhile: then there is nothing to cancel.
                with contextlib.suppress(JsonRpcException):
                    await editor.command("poe.cancel", {"jobId": job_id})
            continue
        if model.play(edit, record.done.done()):
            tally.user_edits += 1
        # Let the server see the change before the next step.
        await asyncio.sleep(0)
    done = await editor.done(job_id)
    await asyncio.sleep(0.05)  # a late (wrong) write would have arrived by now
    status = done["status"]
    tally.outcomes[status] = tally.outcomes.get(status, 0) + 1
    final = editor.text(uri)

    if model.frozen is not None:
        tally.touching += 1
        tally.check(final == model.frozen, ("the server wrote after the user's edit", scenario))
    else:
        expected = {"done": CODE, "failed": T, "cancelled": T}[status]
        tally.check(
            final == model.prefix + expected + model.suffix,
            (status, scenario, final),
        )
        expected_status = {
            "success": {"done"},
            "failure": {"failed"},
            "cancel": {"cancelled", "done"},
        }
        tally.check(status in expected_status[scenario.outcome], (status, done, scenario))
    if status == "done":
        tally.check(done["text"] == answer, ("the answer was altered", done["text"]))
    else:
        tally.check(answer.startswith(done["text"]), ("a chunk repeated", done["text"]))
    deltas = "".join(note["delta"] for note in record.streams)
    tally.check(deltas == done["text"], ("stream deltas do not add up", deltas))
    tally.check(record.done_count == 1, record.done_count)

    editor.client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    for _ in range(40):
        status_now = await editor.status()
        if status_now["runningJobs"] == 0 and status_now["trackedRanges"] == 0:
            break
        await asyncio.sleep(0.02)
    tally.check(status_now["runningJobs"] == 0 and status_now["trackedRanges"] == 0, status_now)
    tally.examples += 1


@pytest.mark.parametrize("client", CLIENTS)
async def test_user_edits_interleaved_with_a_streaming_refactor_are_never_lost(
    make_editor: MakeEditor, client: str
) -> None:
    editor = await make_editor(
        client,
        init_options={
            "allowedBots": ["FencedCodeBot", "StallBot"],
            "timeouts": {"idleSeconds": 0.3},
        },
    )
    run = runner(asyncio.get_running_loop())
    tally = Tally()
    counter = itertools.count()

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        database=None,
    )
    @given(scenario=scenarios)
    def example(scenario: Scenario) -> None:
        run(play_example(editor, scenario, next(counter), tally))

    await asyncio.to_thread(example)
    print(
        f"\n{client}: {tally.examples} examples, {tally.user_edits} user edits "
        f"({tally.touching} touching the range), {tally.invariants} invariants checked, "
        f"outcomes {tally.outcomes}"
    )
    assert tally.examples >= EXAMPLES
    status = await editor.status()
    assert status["runningJobs"] == status["backgroundTasks"] == status["trackedRanges"] == 0
