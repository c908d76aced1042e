import assert from "node:assert/strict";
import { test } from "node:test";

import {
  codeSoFar,
  commandLink,
  drawHunk,
  GHOST_PREFIX,
  hunkMarkdown,
  LINE_JOIN,
  newLines,
} from "../../src/core/inlineDiff";
import { editsMode } from "../../src/core/options";
import { applyHunks, type Hunk, moveHunkRange, ProposalStore } from "../../src/core/proposals";
import { UndoGroups } from "../../src/core/undoGroups";

const pos = (line: number, character = 0) => ({ line, character });
const lines = (first: number, endLine: number) => ({ start: pos(first), end: pos(endLine) });
const hunk = (id: number, range: Hunk["range"], newText: string): Hunk => ({ id, range, newText });

// The sample of the end-to-end test: total() and its two changed lines.
const TOTAL = [
  "def total(prices):",
  "    result = 0",
  "    for p in prices:",
  "        result = result + p",
  "    return result",
  "",
].join("\n");

// -- drawing a hunk -------------------------------------------------------------------

test("a one-line change: the line is struck through and its new text shown beside it", () => {
  const drawing = drawHunk(hunk(0, lines(1, 2), "    result = 0.0\n"));
  assert.deepEqual(drawing.removed, { first: 1, last: 1 });
  assert.deepEqual(drawing.ghosts, [{ line: 1, text: `${GHOST_PREFIX}result = 0.0`, position: "after" }]);
});

test("more new lines than old: the rest join the last removed line", () => {
  const drawing = drawHunk(hunk(0, lines(1, 3), "a = 1\nb = 2\nc = 3\nd = 4\n"));
  assert.deepEqual(drawing.removed, { first: 1, last: 2 });
  assert.deepEqual(drawing.ghosts, [
    { line: 1, text: `${GHOST_PREFIX}a = 1`, position: "after" },
    { line: 2, text: `${GHOST_PREFIX}b = 2${LINE_JOIN}c = 3${LINE_JOIN}d = 4`, position: "after" },
  ]);
});

test("fewer new lines than old: the extra old lines are only struck through", () => {
  const drawing = drawHunk(hunk(0, lines(1, 5), "    return sum(prices)\n"));
  assert.deepEqual(drawing.removed, { first: 1, last: 4 });
  assert.deepEqual(drawing.ghosts, [{ line: 1, text: `${GHOST_PREFIX}return sum(prices)`, position: "after" }]);
});

test("a deletion has no ghost text", () => {
  assert.deepEqual(drawHunk(hunk(0, lines(2, 4), "")), { removed: { first: 2, last: 3 }, ghosts: [] });
});

test("an insertion is shown beside the line it follows", () => {
  const drawing = drawHunk(hunk(0, lines(1, 1), '    """Sum the prices."""\n'));
  assert.equal(drawing.removed, undefined);
  assert.deepEqual(drawing.ghosts, [{ line: 0, text: `${GHOST_PREFIX}"""Sum the prices."""`, position: "after" }]);
});

test("an insertion at the top of the file is shown before the first line", () => {
  const drawing = drawHunk(hunk(0, lines(0, 0), "import math\n"));
  assert.deepEqual(drawing.ghosts, [{ line: 0, text: `${GHOST_PREFIX}import math${LINE_JOIN}`, position: "before" }]);
});

test("an insertion after a last line without newline drops the newline that ends it", () => {
  const at = { start: pos(4, 17), end: pos(4, 17) };
  const drawing = drawHunk(hunk(0, at, "\n\nprint(total([1]))"));
  assert.deepEqual(drawing.ghosts, [
    { line: 4, text: `${GHOST_PREFIX}${LINE_JOIN}print(total([1]))`, position: "after" },
  ]);
});

test("a last line without newline is removed whole", () => {
  const drawing = drawHunk(hunk(0, { start: pos(4), end: pos(4, 17) }, "    return sum(prices)"));
  assert.deepEqual(drawing.removed, { first: 4, last: 4 });
  assert.deepEqual(newLines("a\r\nb\n"), ["a", "b"]);
});

test("the hover is a diff fenced beyond the code's own backticks; links carry one JSON argument", () => {
  const md = hunkMarkdown("Poe · Refactor · Bot", ["x = 1"], "x = ```2```\n");
  assert.equal(md, "**Poe · Refactor · Bot**\n\n````diff\n-x = 1\n+x = ```2```\n````\n");
  const link = commandLink("Accept", "poe.accept", { jobId: "j1", hunk: 2 });
  assert.equal(link, `[Accept](command:poe.accept?${encodeURIComponent('[{"jobId":"j1","hunk":2}]')})`);
});

// -- the preview while streaming --------------------------------------------------------

test("the preview shows the fenced code so far, holding back a line that may close the fence", () => {
  assert.equal(codeSoFar("Here it is:\n```python\ndef f():\n    ret"), "def f():\n    ret\n");
  assert.equal(codeSoFar("```python\ndef f():\n    return 1\n``"), "def f():\n    return 1\n");
  assert.equal(codeSoFar("```python\ndef f():\n    return 1\n```\nDone."), "def f():\n    return 1\n");
  assert.equal(codeSoFar("~~~~\na\n~~~\nb\n~~~~\n"), "a\n~~~\nb\n");
});

test("with no fence the preview waits for two complete lines", () => {
  assert.equal(codeSoFar("def f():\n"), "");
  assert.equal(codeSoFar("def f():\n    return 1\n    # par"), "def f():\n    return 1\n");
});

// -- the proposal document (Show diff) ---------------------------------------------------

test("applying the pending hunks gives the proposed document", () => {
  const proposed = applyHunks(TOTAL, [
    hunk(1, lines(3, 4), "        result += p\n"),
    hunk(0, lines(1, 2), "    result = 0.0\n"),
    hunk(2, lines(5, 5), "\n\nprint(total([1, 2]))\n"),
  ]);
  assert.equal(
    proposed,
    "def total(prices):\n    result = 0.0\n    for p in prices:\n        result += p\n    return result\n" +
      "\n\nprint(total([1, 2]))\n",
  );
  assert.equal(applyHunks(TOTAL, [hunk(0, lines(1, 4), "")]), "def total(prices):\n    return result\n");
});

// -- hunks follow the user's edits ------------------------------------------------------

test("an edit above a hunk moves it; one below leaves it; one in its lines drops it", () => {
  const range = lines(3, 5);
  // A new line typed above (Enter at the end of line 0).
  assert.deepEqual(moveHunkRange(range, { range: { start: pos(0, 18), end: pos(0, 18) }, text: "\n" }), lines(4, 6));
  // Line 1 deleted.
  assert.deepEqual(moveHunkRange(range, { range: lines(1, 2), text: "" }), lines(2, 4));
  // Typing on the line right after the hunk.
  assert.deepEqual(moveHunkRange(range, { range: { start: pos(5), end: pos(5) }, text: "x" }), range);
  // Typing at the very start of the hunk's first line, or inside it.
  assert.equal(moveHunkRange(range, { range: { start: pos(3), end: pos(3) }, text: "x" }), undefined);
  assert.equal(moveHunkRange(range, { range: { start: pos(4, 2), end: pos(4, 5) }, text: "" }), undefined);
  // Joining the hunk's last line with the next one.
  assert.equal(moveHunkRange(range, { range: { start: pos(4, 9), end: pos(5) }, text: "" }), undefined);
});

test("an edit on the line before an insertion moves it within the line; typing at its point drops it", () => {
  const at = lines(2, 2);
  assert.deepEqual(moveHunkRange(at, { range: { start: pos(1, 0), end: pos(1, 0) }, text: "a\nb\n" }), lines(4, 4));
  assert.equal(moveHunkRange(at, { range: { start: pos(2), end: pos(2) }, text: "x" }), undefined);
  assert.deepEqual(moveHunkRange(at, { range: lines(2, 3), text: "" }), at);
});

test("the store keeps the other hunks of a proposal when the user edits one", () => {
  const store = new ProposalStore();
  const heard: string[] = [];
  store.onChange((uri) => heard.push(uri));
  const uri = "file:///a.py";
  store.set({ jobId: "j1", uri, bot: "Bot", action: "refactor", hunks: [hunk(0, lines(1, 2), "a\n"), hunk(1, lines(3, 4), "b\n")] });
  assert.equal(store.hunkAt(uri, 3)?.hunk.id, 1);
  assert.equal(store.hunkAt(uri, 2), undefined);
  store.documentChanged(uri, [{ range: { start: pos(1, 4), end: pos(1, 4) }, text: "x" }]);
  assert.deepEqual(store.hunks(uri).map(({ hunk: h }) => [h.id, h.range]), [[1, lines(3, 4)]]);
  // VS Code lists one event's changes last-in-document first.
  store.documentChanged(uri, [
    { range: { start: pos(5), end: pos(5) }, text: "z\n" },
    { range: { start: pos(0), end: pos(0) }, text: "# hi\n" },
  ]);
  assert.deepEqual(store.hunks(uri).map(({ hunk: h }) => h.range), [lines(4, 5)]);
  store.documentChanged(uri, [{ range: lines(4, 5), text: "" }]);
  assert.deepEqual(store.forUri(uri), [], "the last hunk gone, the proposal is gone");
  assert.deepEqual(heard, [uri, uri, uri, uri]);
});

test("poe/proposal with no hunks ends the proposal; a server restart ends them all", () => {
  const store = new ProposalStore();
  const p = { jobId: "j1", uri: "file:///a.py", bot: "Bot", action: "fix", hunks: [hunk(0, lines(0, 1), "x\n")] };
  store.set(p);
  store.set({ ...p, jobId: "j2", uri: "file:///b.py" });
  store.set({ ...p, hunks: [] });
  assert.equal(store.get("j1"), undefined);
  assert.equal(store.forUri("file:///b.py").length, 1);
  store.clear();
  assert.deepEqual(store.hunks("file:///b.py"), []);
});

// -- undo steps of a streamed job ------------------------------------------------------

test("a streamed job's edits share one undo step; the user's typing between them does not", () => {
  const groups = new UndoGroups();
  const uri = "file:///a.py";
  const label = "Poe · Refactor · Bot";
  assert.equal(groups.startsNewStep(uri, label, 1), true);
  groups.applied(uri, label, 2);
  assert.equal(groups.startsNewStep(uri, label, 2), false);
  groups.applied(uri, label, 3);
  // The user typed (version 4) before the next streamed edit.
  assert.equal(groups.startsNewStep(uri, label, 4), true);
  groups.applied(uri, label, 5);
  assert.equal(groups.startsNewStep(uri, "Poe · Fix · Bot", 5), true, "another job");
  assert.equal(groups.startsNewStep("file:///b.py", label, 5), true, "another document");
  groups.close(uri);
  assert.equal(groups.startsNewStep(uri, label, 5), true, "the job finished");
});

test("edits.mode: review by default and for the retired confirm", () => {
  assert.equal(editsMode(undefined), "review");
  assert.equal(editsMode("confirm"), "review");
  assert.equal(editsMode("stream"), "stream");
  assert.equal(editsMode("final"), "final");
});
