import assert from "node:assert/strict";
import { test } from "node:test";

import { CompareBoard, pointsLabel, pointsOf, seconds } from "../../src/core/compare";
import { type DoneParams, JobTracker, type StreamParams } from "../../src/core/jobs";

const range = { start: { line: 0, character: 0 }, end: { line: 1, character: 0 } };
const stream = (jobId: string, bot: string, text: string, action = "explain"): StreamParams => ({
  jobId, action, uri: "file:///a.py", range, bot, delta: text, text, compareId: "c1",
});
const done = (jobId: string, bot: string, status: DoneParams["status"], text: string, action = "explain"): DoneParams => ({
  jobId, action, uri: "file:///a.py", range, bot, status, text, compareId: "c1",
});

test("a compared job keeps its compareId; an ordinary one has none", () => {
  const jobs = new JobTracker();
  jobs.stream(stream("j1", "GPT-5", "Hi"));
  const { compareId: _, ...plain } = stream("j2", "GPT-5", "Hi");
  jobs.stream(plain);
  assert.equal(jobs.get("j1")?.compareId, "c1");
  assert.equal(jobs.get("j2")?.compareId, undefined);
});

test("one column per bot, in the order first heard of, each with its own text and time", () => {
  const jobs = new JobTracker();
  const board = new CompareBoard("c1", 1000);
  board.update(jobs.stream(stream("j1", "GPT-5", "Alpha")), 1100);
  board.update(jobs.stream(stream("j2", "Claude", "Be")), 1200);
  board.update(jobs.stream(stream("j2", "Claude", "Beta **bold**")), 1300);
  board.update(jobs.done(done("j1", "GPT-5", "done", "Alpha!")), 2500);
  const view = board.view(4000);
  assert.equal(view.heading, "Compare · Explain · GPT-5, Claude");
  assert.deepEqual(view.columns.map((c) => [c.bot, c.status, c.time]), [
    ["GPT-5", "done", "1.5 s"],
    ["Claude", "streaming…", "3.0 s"],
  ]);
  assert.equal(view.columns[1].body, "<p>Beta <strong>bold</strong></p>\n");
  assert.equal(view.columns[0].running, false);
  assert.equal(view.columns[1].running, true);
  assert.equal(board.running, true);
  // An explain compare has nothing to use.
  assert.equal(view.columns[0].canUse, false);
});

test("columns stand in the order the server started the jobs, whichever answers first", () => {
  const jobs = new JobTracker();
  const board = new CompareBoard("c1", 1000);
  board.update(jobs.stream(stream("poe-12-bbbb", "Claude", "B")), 1100);
  board.update(jobs.stream(stream("poe-13-cccc", "Gemini", "C")), 1150);
  board.update(jobs.stream(stream("poe-11-aaaa", "GPT-5", "A")), 1200);
  assert.deepEqual(board.view(1300).columns.map((c) => c.bot), ["GPT-5", "Claude", "Gemini"]);
});

test("bot output is rendered without raw HTML", () => {
  const board = new CompareBoard("c1", 0);
  board.update(new JobTracker().stream(stream("j1", "GPT-5", "<img src=x onerror=alert(1)>")), 1);
  assert.ok(!board.view(2).columns[0].body.includes("<img"));
});

test("a refactor's finished answers can be used until one is chosen", () => {
  const jobs = new JobTracker();
  const board = new CompareBoard("c1", 0);
  board.update(jobs.done(done("j1", "GPT-5", "done", "code", "refactor")), 10);
  board.update(jobs.done(done("j2", "Claude", "failed", "", "refactor")), 20);
  board.update(jobs.done(done("j3", "Llama", "done", "code", "refactor")), 30);
  assert.deepEqual(board.view(40).columns.map((c) => c.canUse), [true, false, true]);
  board.chosen = "j3";
  const after = board.view(50).columns;
  assert.deepEqual(after.map((c) => c.canUse), [false, false, false]);
  assert.deepEqual(after.map((c) => c.status), ["not used", "not used", "used"]);
});

test("points come from poe.usage's jobs, and only a number counts", () => {
  const usage = { balance: 1000, sessionPoints: 42, jobs: [{ jobId: "j1", bot: "GPT-5", points: 30 }] };
  assert.equal(pointsOf(usage, "j1"), 30);
  assert.equal(pointsOf(usage, "j2"), undefined);
  assert.equal(pointsOf({ jobs: [{ jobId: "j1", points: "30" }] }, "j1"), undefined);
  assert.equal(pointsOf(null, "j1"), undefined);
  assert.equal(pointsOf({ jobs: "nope" }, "j1"), undefined);
  const board = new CompareBoard("c1", 0);
  board.update(new JobTracker().done(done("j1", "GPT-5", "done", "A")), 5);
  assert.equal(board.setPoints("j1", 30), true);
  assert.equal(board.setPoints("j1", 30), false);
  assert.equal(board.setPoints("j9", 30), false);
  assert.equal(board.view(6).columns[0].points, "30 points");
});

test("labels: seconds with one decimal, points singular and plural", () => {
  assert.equal(seconds(1234), "1.2 s");
  assert.equal(seconds(-5), "0.0 s");
  assert.equal(pointsLabel(undefined), "");
  assert.equal(pointsLabel(1), "1 point");
  assert.equal(pointsLabel(1500), "1,500 points");
});
