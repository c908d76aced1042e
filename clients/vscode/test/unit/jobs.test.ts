import assert from "node:assert/strict";
import { test } from "node:test";

import { Debouncer } from "../../src/core/debounce";
import {
  type DoneParams,
  doneNotice,
  JobTracker,
  type StreamParams,
  statusBarText,
} from "../../src/core/jobs";
import { escapeHtml, panelPage, panelUpdate, renderMarkdown } from "../../src/core/render";
import { SentVersions } from "../../src/core/sentVersions";

const range = { start: { line: 0, character: 0 }, end: { line: 1, character: 0 } };
const stream = (jobId: string, text: string, action = "explain", bot = "GPT-5"): StreamParams => ({
  jobId, action, uri: "file:///a.py", range, bot, delta: text, text,
});
const done = (jobId: string, status: DoneParams["status"], text: string, error?: string): DoneParams => ({
  jobId, action: "explain", uri: "file:///a.py", range, bot: "GPT-5", status, text, ...(error ? { error } : {}),
});

test("poe/stream text is the whole answer so far: a dropped notification loses nothing", () => {
  const jobs = new JobTracker();
  jobs.stream(stream("j1", "Hel"));
  jobs.stream(stream("j1", "Hello, wor"));
  assert.equal(jobs.get("j1")?.text, "Hello, wor");
  assert.equal(jobs.get("j1")?.status, "running");
});

test("poe/done finishes the job with its status and error", () => {
  const jobs = new JobTracker();
  jobs.stream(stream("j1", "partial"));
  jobs.done(done("j1", "failed", "partial 0", "GPT-5 failed in the middle of its answer."));
  const job = jobs.get("j1");
  assert.equal(job?.status, "failed");
  assert.equal(job?.error, "GPT-5 failed in the middle of its answer.");
  assert.deepEqual(jobs.running(), []);
});

test("a failed job is shown once, as an error; a done job not at all", () => {
  assert.deepEqual(doneNotice(done("j1", "failed", "", "GPT-5 failed to answer.")), {
    level: "error",
    message: "GPT-5 failed to answer.",
  });
  assert.deepEqual(doneNotice(done("j2", "cancelled", "", "The bot 'X' was not allowed.")), {
    level: "info",
    message: "The bot 'X' was not allowed.",
  });
  assert.equal(doneNotice(done("j3", "done", "All good.")), undefined);
  assert.equal(doneNotice(done("j4", "cancelled", "")), undefined);
});

test("explanations go to the panel, other actions to the document, ask as declared", () => {
  const jobs = new JobTracker();
  assert.equal(jobs.stream(stream("e", "x", "explain")).output, "explain");
  assert.equal(jobs.stream(stream("r", "x", "refactor")).output, "edit");
  jobs.declareOutput("a1", "explain");
  assert.equal(jobs.stream(stream("a1", "x", "ask")).output, "explain");
  // The answer to the command may arrive after the first notification.
  jobs.stream(stream("a2", "x", "ask"));
  assert.equal(jobs.declareOutput("a2", "explain")?.output, "explain");
});

test("listeners hear every change; a restart abandons running jobs", () => {
  const jobs = new JobTracker();
  const seen: string[] = [];
  jobs.onChange((job) => seen.push(`${job.jobId}:${job.status}`));
  jobs.stream(stream("j1", "a"));
  jobs.abandonRunning();
  assert.deepEqual(seen, ["j1:running", "j1:cancelled"]);
});

test("finished jobs are forgotten beyond the limit", () => {
  const jobs = new JobTracker(2);
  for (const id of ["a", "b", "c"]) jobs.done(done(id, "done", id));
  assert.equal(jobs.get("a"), undefined);
  assert.equal(jobs.get("c")?.text, "c");
});

test("status bar: the bot when idle (click chooses), a spinner while running (click cancels)", () => {
  assert.deepEqual(statusBarText("GPT-5", []).busy, false);
  assert.match(statusBarText("GPT-5", []).text, /GPT-5/);
  const jobs = new JobTracker();
  jobs.stream(stream("j1", "x", "refactor", "Claude"));
  jobs.stream(stream("j2", "x", "explain", "GPT-5"));
  const view = statusBarText("GPT-5", jobs.running());
  assert.equal(view.busy, true);
  assert.equal(view.text, "$(loading~spin) Explain · GPT-5 (+1)");
  assert.match(view.tooltip, /2 jobs running/);
});

test("the panel renders Markdown but never the bot's raw HTML", () => {
  const html = renderMarkdown("## Title\n\n<script>alert(1)</script> **bold**");
  assert.match(html, /<h2>Title<\/h2>/);
  assert.match(html, /<strong>bold<\/strong>/);
  assert.doesNotMatch(html, /<script>/);
  assert.equal(escapeHtml(`<a href="x">'&`), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;");
});

test("the panel shows the bot, the status and a cancel control while running", () => {
  const jobs = new JobTracker();
  const job = jobs.stream(stream("j1", "Some *text*"));
  const update = panelUpdate(job);
  assert.equal(update.heading, "Explain · GPT-5");
  assert.equal(update.running, true);
  const page = panelPage("NONCE", "vscode-resource:", update);
  assert.match(page, /script-src 'nonce-NONCE'/);
  assert.match(page, /<button id="cancel"[^>]*>Cancel<\/button>/);
  assert.match(page, /<em>text<\/em>/);
  const finished = panelUpdate(jobs.done(done("j1", "cancelled", "Some")));
  assert.equal(finished.running, false);
  assert.equal(finished.status, "cancelled");
});

test("restarts are debounced: a burst of triggers runs once", async () => {
  let runs = 0;
  const d = new Debouncer(20, () => runs++);
  d.trigger();
  d.trigger();
  d.trigger();
  assert.equal(d.pending, true);
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(runs, 1);
  d.trigger();
  d.cancel();
  await new Promise((r) => setTimeout(r, 40));
  assert.equal(runs, 1);
});

test("applyEdit waits until the didChange it caused has been sent", async () => {
  const sent = new SentVersions();
  sent.reset("u", 1);
  assert.equal(await sent.waitFor("u", 1, 10), true);
  const waiting = sent.waitFor("u", 3, 1000);
  sent.note("u", 2);
  sent.note("u", 3);
  assert.equal(await waiting, true);
  assert.equal(await sent.waitFor("u", 9, 10), false, "gives up after the timeout");
});
