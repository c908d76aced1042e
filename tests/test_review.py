"""Review mode end to end: proposals, what each client sees, accept and reject.

The real server, the scripted editor and the fake Poe's TwoChangesBot, whose
answer changes the function below in two separated places.  Every expected
range and text is written out here, not computed by the server's code.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException

from conftest import CLIENTS, MakeEditor
from editor import Editor
from fakepoe import TWO_CHANGES_AFTER, TWO_CHANGES_BEFORE

HEAD = "import math\n\n\n"
TAIL = "\n\ndef area(r):\n    return math.pi * r ** 2\n"
SOURCE = HEAD + TWO_CHANGES_BEFORE + TAIL
# TWO_CHANGES_BEFORE is lines 3-8 of SOURCE; the bot changes line 3, and line 7
# becomes two lines.
HUNK_1 = "def total(prices: list[float]) -> float:\n"
HUNK_2 = "        # Add each price.\n        result += p\n"
LINES = SOURCE.splitlines(keepends=True)
ONLY_1 = "".join(LINES[:3]) + HUNK_1 + "".join(LINES[4:])
ONLY_2 = "".join(LINES[:7]) + HUNK_2 + "".join(LINES[8:])
BOTH = HEAD + TWO_CHANGES_AFTER + TAIL


def lines(first: int, end: int) -> dict[str, Any]:
    """The LSP range of whole lines ``first`` up to (not including) ``end``."""
    return {"start": {"line": first, "character": 0}, "end": {"line": end, "character": 0}}


EXPECTED_HUNKS = [
    {"id": 1, "range": lines(3, 4), "newText": HUNK_1},
    {"id": 2, "range": lines(7, 8), "newText": HUNK_2},
]


class Watch:
    """What the editor saw of proposals: ``poe/proposal`` notifications and diagnostics."""

    def __init__(self, editor: Editor) -> None:
        self.editor = editor
        self.proposals: list[dict[str, Any]] = []
        self._seen = asyncio.Event()

        @editor.client.feature("poe/proposal")
        def on_proposal(ls: Any, params: Any) -> None:
            self.proposals.append(_plain(params))
            self._seen.set()

    async def proposal(self, predicate: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        """Wait for a ``poe/proposal`` that satisfies ``predicate``."""

        async def watch() -> dict[str, Any]:
            while True:
                for seen in self.proposals:
                    if predicate(seen):
                        return seen
                self._seen.clear()
                await self._seen.wait()

        return await asyncio.wait_for(watch(), 15)

    async def diagnostics(
        self, uri: str, predicate: Callable[[list[types.Diagnostic]], bool]
    ) -> list[types.Diagnostic]:
        """Wait until the diagnostics published for ``uri`` satisfy ``predicate``."""
        client = self.editor.client

        async def watch() -> list[types.Diagnostic]:
            while not predicate(list(client.diagnostics.get(uri, []))):
                await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
            return list(client.diagnostics.get(uri, []))

        return await asyncio.wait_for(watch(), 15)

    async def message(self, needle: str) -> str:
        """Wait for a ``window/showMessage`` containing ``needle``."""
        client = self.editor.client

        async def watch() -> str:
            while True:
                found = [m for m in self.editor.messages() if needle in m]
                if found:
                    return found[0]
                await client.wait_for_notification(types.WINDOW_SHOW_MESSAGE)

        return await asyncio.wait_for(watch(), 15)


def _plain(value: Any) -> Any:
    if hasattr(value, "_asdict"):
        return {k: _plain(v) for k, v in value._asdict().items()}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def refactor_argument(editor: Editor, uri: str) -> dict[str, Any]:
    """poe.refactor on the whole function, answered by TwoChangesBot."""
    return {"uri": uri, "range": lines(3, 9), "bot": "TwoChangesBot"}


async def proposed(editor: Editor) -> tuple[str, str, Watch]:
    """Open SOURCE, run the refactor, and return (uri, job id, watch) once proposed."""
    watch = Watch(editor)
    uri = editor.open("shop.py", SOURCE)
    job_id = await editor.start("poe.refactor", refactor_argument(editor, uri))
    await watch.diagnostics(uri, lambda d: len(d) == 2)
    return uri, job_id, watch


async def refused(
    editor: Editor, command: str, argument: dict[str, Any], code: int = -32602
) -> str:
    """Run a command that must fail with ``code``; return its message."""
    with pytest.raises(JsonRpcException) as failure:
        await editor.command(command, argument)
    assert failure.value.code == code, failure.value
    return str(failure.value.message)


# -- the proposal -------------------------------------------------------------------------


@pytest.mark.parametrize("client", CLIENTS)
async def test_review_writes_nothing_and_proposes_exact_hunks(
    make_editor: MakeEditor, client: str
) -> None:
    editor = await make_editor(client)
    watch = Watch(editor)
    uri = editor.open("shop.py", SOURCE)
    done = await editor.run("poe.refactor", refactor_argument(editor, uri))
    assert done["status"] == "done", done
    assert done["proposal"] == {"hunks": EXPECTED_HUNKS}
    assert editor.jobs[done["jobId"]].streams, "the answer streamed as before"
    assert editor.edits_received == 0
    assert editor.text(uri) == SOURCE
    notice = await watch.proposal(lambda p: p["jobId"] == done["jobId"])
    assert notice == {
        "jobId": done["jobId"],
        "uri": uri,
        "bot": "TwoChangesBot",
        "action": "refactor",
        "hunks": EXPECTED_HUNKS,
    }


async def test_pending_hunks_are_hint_diagnostics_until_resolved(
    make_editor: MakeEditor,
) -> None:
    editor = await make_editor()
    uri, job_id, watch = await proposed(editor)
    hints = editor.client.diagnostics[uri]
    assert [(d.range, d.severity, d.source, d.message) for d in hints] == [
        (
            types.Range(types.Position(3, 0), types.Position(4, 0)),
            types.DiagnosticSeverity.Hint,
            "poe",
            "TwoChangesBot proposes: change 1 line (poe.accept / code action to accept)",
        ),
        (
            types.Range(types.Position(7, 0), types.Position(8, 0)),
            types.DiagnosticSeverity.Hint,
            "poe",
            "TwoChangesBot proposes: replace 1 line with 2 (poe.accept / code action to accept)",
        ),
    ]
    await editor.command("poe.reject", {"jobId": job_id, "hunk": 1})
    [left] = await watch.diagnostics(uri, lambda d: len(d) == 1)
    assert left.range.start.line == 7
    await editor.command("poe.accept", {"jobId": job_id, "hunk": 2})
    await watch.diagnostics(uri, lambda d: d == [])
    assert editor.text(uri) == ONLY_2


# -- code actions -------------------------------------------------------------------------


async def test_code_actions_at_a_hunk_accept_with_their_own_edit_and_reject_by_command(
    make_editor: MakeEditor,
) -> None:
    editor = await make_editor()
    uri, job_id, _ = await proposed(editor)
    at_hunk_1 = {"start": {"line": 3, "character": 4}, "end": {"line": 3, "character": 4}}
    actions = await editor.code_actions(uri, at_hunk_1)
    review = [a for a in actions if a["kind"] == "quickfix"]
    assert [a["title"] for a in review] == [
        "Accept change from TwoChangesBot: change 1 line",
        "Reject change from TwoChangesBot: change 1 line",
        "Accept all changes from TwoChangesBot",
        "Reject all changes from TwoChangesBot",
    ]
    accept, reject, accept_all, reject_all = review
    version = editor.docs[uri].version
    edit_1 = {"range": lines(3, 4), "newText": HUNK_1}
    edit_2 = {"range": lines(7, 8), "newText": HUNK_2}
    assert "command" not in accept and "command" not in accept_all
    assert accept["edit"] == {
        "documentChanges": [{"textDocument": {"uri": uri, "version": version}, "edits": [edit_1]}]
    }
    assert accept_all["edit"] == {
        "documentChanges": [
            {"textDocument": {"uri": uri, "version": version}, "edits": [edit_1, edit_2]}
        ]
    }
    assert reject["command"]["command"] == "poe.reject"
    assert reject["command"]["arguments"] == [{"jobId": job_id, "hunk": 1}]
    assert reject_all["command"]["arguments"] == [{"jobId": job_id}]
    assert "edit" not in reject
    # Away from the hunks: no review actions.
    elsewhere = {"start": {"line": 12, "character": 4}, "end": {"line": 12, "character": 4}}
    assert not [a for a in await editor.code_actions(uri, elsewhere) if a["kind"] == "quickfix"]


async def test_job_actions_have_kinds_that_vs_code_lists_first(make_editor: MakeEditor) -> None:
    editor = await make_editor()
    uri = editor.open("shop.py", SOURCE)
    actions = await editor.code_actions(uri, lines(3, 9))
    kinds = {a["title"].split(" with ")[0]: a.get("kind") for a in actions}
    assert kinds == {
        "Explain": "refactor.rewrite",
        "Refactor": "refactor.rewrite",
        "Document": "refactor.rewrite",
    }


async def test_a_proposal_hint_is_no_problem_to_fix(make_editor: MakeEditor) -> None:
    editor = await make_editor()
    uri, _, _ = await proposed(editor)
    hints = list(editor.client.diagnostics[uri])
    actions = await editor.code_actions(uri, lines(3, 4), diagnostics=hints)
    assert not [a for a in actions if a["title"].startswith("Fix with")]


# -- accept and reject ------------------------------------------------------------------


@pytest.mark.parametrize("client", CLIENTS)
async def test_accepting_one_hunk_writes_exactly_that_hunk(
    make_editor: MakeEditor, client: str
) -> None:
    editor = await make_editor(client)
    uri, job_id, watch = await proposed(editor)
    answer = await editor.command("poe.accept", {"jobId": job_id, "hunk": 1})
    assert answer == {"jobId": job_id, "accepted": [1]}
    assert editor.text(uri) == ONLY_1
    assert editor.edits_received == 1
    remaining = await watch.proposal(lambda p: [h["id"] for h in p["hunks"]] == [2])
    assert remaining["hunks"] == [EXPECTED_HUNKS[1]]


async def test_rejecting_a_hunk_leaves_the_document_alone(make_editor: MakeEditor) -> None:
    editor = await make_editor()
    uri, job_id, watch = await proposed(editor)
    answer = await editor.command("poe.reject", {"jobId": job_id, "hunk": 2})
    assert answer == {"jobId": job_id, "rejected": [2]}
    await watch.proposal(lambda p: [h["id"] for h in p["hunks"]] == [1])
    assert editor.text(uri) == SOURCE
    assert editor.edits_received == 0
    # Accepting "all" now accepts what is left.
    await editor.command("poe.accept", {"jobId": job_id})
    assert editor.text(uri) == ONLY_1
    await watch.proposal(lambda p: p["hunks"] == [])
    message = await refused(editor, "poe.reject", {"jobId": job_id})
    assert "has no pending proposal" in message


async def test_accept_all_is_one_apply_edit(make_editor: MakeEditor) -> None:
    editor = await make_editor()
    uri, job_id, watch = await proposed(editor)
    answer = await editor.command("poe.accept", {"jobId": job_id})
    assert answer == {"jobId": job_id, "accepted": [1, 2]}
    assert editor.edits_received == 1
    [edit] = editor.workspace_edits
    assert len(edit["edits"]) == 2
    assert editor.text(uri) == BOTH
    await watch.diagnostics(uri, lambda d: d == [])


# -- tracking -----------------------------------------------------------------------------


async def test_typing_inside_a_hunk_drops_only_that_hunk(make_editor: MakeEditor) -> None:
    editor = await make_editor()
    uri, job_id, watch = await proposed(editor)
    at = SOURCE.index("def total(") + len("def total")
    editor.type(uri, at, at, "_all")  # the user renames the function themselves
    await watch.proposal(lambda p: [h["id"] for h in p["hunks"]] == [2])
    message = await refused(editor, "poe.accept", {"jobId": job_id, "hunk": 1})
    assert "no pending hunk 1" in message and "pending hunks are 2" in message
    await editor.command("poe.accept", {"jobId": job_id, "hunk": 2})
    assert editor.text(uri) == ONLY_2.replace("def total(", "def total_all(")


async def test_typing_above_moves_the_hunks(make_editor: MakeEditor) -> None:
    editor = await make_editor()
    uri, job_id, watch = await proposed(editor)
    editor.type(uri, 0, 0, "# Prices.\n")
    moved = await watch.diagnostics(uri, lambda d: len(d) == 2 and d[0].range.start.line == 4)
    assert [(d.range.start.line, d.range.end.line) for d in moved] == [(4, 5), (8, 9)]
    await editor.command("poe.accept", {"jobId": job_id})
    assert editor.text(uri) == "# Prices.\n" + BOTH


async def test_an_accepted_insertion_is_recognised_and_not_offered_again(
    make_editor: MakeEditor,
) -> None:
    editor = await make_editor()
    watch = Watch(editor)
    uri = editor.open("shop.py", SOURCE)
    loop = "    result = 0\n    for p in prices:\n"
    start = SOURCE.index(loop)
    done = await editor.run(
        "poe.refactor",
        {
            "uri": uri,
            "range": editor.span_range(uri, start, start + len(loop)),
            "bot": "FencedCodeBot",
            "parameters": {"answer": "result = 0\n# Add them up.\nfor p in prices:"},
        },
    )
    # A pure insertion: an empty range at the start of line 6.
    assert done["proposal"]["hunks"] == [
        {"id": 1, "range": lines(6, 6), "newText": "    # Add them up.\n"}
    ]
    await watch.diagnostics(uri, lambda d: len(d) == 1)
    assert await editor.command("poe.accept", {"jobId": done["jobId"], "hunk": 1}) == {
        "jobId": done["jobId"],
        "accepted": [1],
    }
    expected = SOURCE.replace(loop, "    result = 0\n    # Add them up.\n    for p in prices:\n")
    assert editor.text(uri) == expected
    await watch.diagnostics(uri, lambda d: d == [])
    assert "has no pending proposal" in await refused(
        editor, "poe.accept", {"jobId": done["jobId"], "hunk": 1}
    )
    assert editor.text(uri) == expected


class Gate:
    """Holds the editor's ``workspace/applyEdit`` until the test opens it, and says
    when one arrived (used as the scripted editor's ``hold_edits``)."""

    def __init__(self) -> None:
        self.arrived = asyncio.Event()
        self.opened = asyncio.Event()

    async def wait(self) -> None:
        self.arrived.set()
        await self.opened.wait()


@pytest.mark.parametrize("client", CLIENTS)
async def test_a_stale_accept_is_refused_and_changes_nothing(
    make_editor: MakeEditor, client: str
) -> None:
    editor = await make_editor(client)
    uri, job_id, _ = await proposed(editor)
    gate = Gate()
    editor.hold_edits = gate  # type: ignore[assignment]
    accepting = asyncio.create_task(editor.command("poe.accept", {"jobId": job_id, "hunk": 1}))
    await gate.arrived.wait()
    # The user types while the edit is on its way: it was computed for the old version.
    editor.type(uri, 0, 0, "# Prices.\n")
    gate.opened.set()
    with pytest.raises(JsonRpcException) as failure:
        await accepting
    assert failure.value.code == -32602
    assert "nothing was changed" in str(failure.value.message)
    assert editor.text(uri) == "# Prices.\n" + SOURCE
    # The proposal followed the user's edit: accepting again works.
    editor.hold_edits = None
    await editor.command("poe.accept", {"jobId": job_id, "hunk": 1})
    assert editor.text(uri) == "# Prices.\n" + ONLY_1


async def test_an_accept_the_editor_applies_but_never_answers_still_ends(
    make_editor: MakeEditor,
) -> None:
    editor = await make_editor(workspace={"timeouts": {"applyEditSeconds": 0.5}})
    uri, job_id, watch = await proposed(editor)
    editor.answer_edits = False  # applies the edit, never answers (as ALE does)
    answer = await editor.command("poe.accept", {"jobId": job_id, "hunk": 1})
    assert answer == {"jobId": job_id, "accepted": [1]}
    assert editor.text(uri) == ONLY_1
    await watch.diagnostics(uri, lambda d: len(d) == 1)


async def test_bad_accept_arguments_are_refused_with_a_sentence(make_editor: MakeEditor) -> None:
    editor = await make_editor()
    uri, job_id, _ = await proposed(editor)
    assert "has no pending proposal" in await refused(editor, "poe.accept", {"jobId": "nope"})
    assert "needs a 'jobId'" in await refused(editor, "poe.accept", {})
    message = await refused(editor, "poe.accept", {"jobId": job_id, "hunk": "1"})
    assert "'hunk' must be the id" in message
    message = await refused(editor, "poe.accept", {"jobId": job_id, "hunk": 7})
    assert "no pending hunk 7" in message
    assert editor.text(uri) == SOURCE and editor.edits_received == 0


async def test_a_new_job_on_the_range_replaces_the_proposal(make_editor: MakeEditor) -> None:
    editor = await make_editor()
    uri, job_id, watch = await proposed(editor)
    second = await editor.start(
        "poe.refactor",
        {
            "uri": uri,
            "range": lines(7, 8),
            "bot": "FencedCodeBot",
            "parameters": {"answer": "        result += p", "chunk_size": 2, "delay": 0.02},
        },
    )
    # Replaced when the new job starts (the notification precedes the command's answer),
    # not when it finishes.
    assert [p["hunks"] for p in watch.proposals if p["jobId"] == job_id][-1] == []
    assert not editor.jobs[second].done.done()
    done = await editor.done(second)
    assert done["proposal"]["hunks"] == [
        {"id": 1, "range": lines(7, 8), "newText": "        result += p\n"}
    ]
    assert "has no pending proposal" in await refused(editor, "poe.accept", {"jobId": job_id})


async def test_closing_the_document_drops_its_proposals(make_editor: MakeEditor) -> None:
    editor = await make_editor()
    uri, job_id, watch = await proposed(editor)
    editor.client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    await watch.proposal(lambda p: p["jobId"] == job_id and p["hunks"] == [])
    await watch.diagnostics(uri, lambda d: d == [])
    status = await editor.status()
    assert status["trackedRanges"] == 0


# -- what each kind of client sees --------------------------------------------------------


def without_apply_edit(caps: types.ClientCapabilities) -> None:
    """A client like Vim's ALE: it takes no ``workspace/applyEdit``."""
    assert caps.workspace is not None
    caps.workspace.apply_edit = False


async def test_a_client_without_apply_edit_accepts_through_the_code_action_edit(
    make_editor: MakeEditor,
) -> None:
    editor = await make_editor(
        stream=False, adjust=without_apply_edit, workspace={"edits": {"mode": "stream"}}
    )
    watch = Watch(editor)
    uri = editor.open("shop.py", SOURCE)
    job_id = await editor.start("poe.refactor", refactor_argument(editor, uri))
    told = await watch.message("proposes 2 changes")
    assert told == (
        "poe-lsp: TwoChangesBot proposes 2 changes to shop.py (from line 4), shown as hints. "
        'Accept with the code action "Accept change from TwoChangesBot: change 1 line" at a '
        'change (or "Accept all changes from TwoChangesBot"), or run poe.accept '
        f'{{"jobId": "{job_id}"}}; nothing is written until you do.'
    )
    await watch.diagnostics(uri, lambda d: len(d) == 2)
    assert editor.edits_received == 0 and editor.text(uri) == SOURCE
    actions = await editor.code_actions(uri, lines(7, 8))
    accept = next(a for a in actions if a["title"].startswith("Accept change from"))
    # The client applies the action's own edit, as ALE does, and reports it.
    [doc_edit] = accept["edit"]["documentChanges"]
    assert doc_edit["textDocument"]["version"] == editor.docs[uri].version
    [text_edit] = doc_edit["edits"]
    doc = editor.docs[uri]
    start = doc.text.index("        result = result + p\n")
    assert text_edit["range"] == editor.span_range(uri, start, start + 28)
    editor.type(uri, start, start + 28, text_edit["newText"])
    assert editor.text(uri) == ONLY_2
    await watch.diagnostics(uri, lambda d: len(d) == 1)
    message = await refused(editor, "poe.accept", {"jobId": job_id}, code=-32803)
    assert "does not take edits" in message
    assert watch.proposals == [], "a plain client gets no poe/* notification"
    assert len([m for m in editor.messages() if "proposes" in m]) == 1


async def test_code_lenses_accept_and_reject_each_hunk(make_editor: MakeEditor) -> None:
    editor = await make_editor()
    refreshed = asyncio.Event()

    @editor.client.feature(types.WORKSPACE_CODE_LENS_REFRESH)
    def on_refresh(ls: Any, params: None) -> None:
        refreshed.set()

    uri, job_id, _ = await proposed(editor)
    # VS Code declares refreshSupport: it is told to fetch the lenses again.
    await asyncio.wait_for(refreshed.wait(), 10)
    lenses = await editor.client.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert lenses is not None
    seen = [
        (
            lens.range.start.line,
            lens.command.title,
            lens.command.command,
            list(lens.command.arguments or []),
        )
        for lens in lenses
        if lens.command is not None
    ]
    assert seen == [
        (3, "Accept", "poe.accept", [{"jobId": job_id, "hunk": 1}]),
        (3, "Reject", "poe.reject", [{"jobId": job_id, "hunk": 1}]),
        (7, "Accept", "poe.accept", [{"jobId": job_id, "hunk": 2}]),
        (7, "Reject", "poe.reject", [{"jobId": job_id, "hunk": 2}]),
    ]
