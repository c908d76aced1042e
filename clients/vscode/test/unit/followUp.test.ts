import assert from "node:assert/strict";
import { test } from "node:test";

import {
  extendThread,
  isFollowUpArgument,
  pickFollowUpJob,
  threadUpdate,
} from "../../src/core/followUp";
import type { JobView } from "../../src/core/jobs";
import { panelPage } from "../../src/core/render";

const job = (jobId: string, uri: string, first: number, last: number, status: JobView["status"] = "done"): JobView => ({
  jobId,
  action: "explain",
  bot: "GPT-5",
  uri,
  range: { start: { line: first, character: 0 }, end: { line: last, character: 0 } },
  text: `answer of ${jobId}`,
  status,
  output: "explain",
});

test("a follow-up continues the newest finished job under the cursor", () => {
  const jobs = [job("a", "file:///x.py", 0, 5), job("b", "file:///x.py", 3, 9), job("c", "file:///x.py", 20, 25)];
  assert.equal(pickFollowUpJob(jobs, "file:///x.py", 4)?.jobId, "b");
  assert.equal(pickFollowUpJob(jobs, "file:///x.py", 1)?.jobId, "a");
});

test("else the document's newest finished job, else any document's", () => {
  const jobs = [job("a", "file:///x.py", 0, 5), job("b", "file:///y.py", 0, 5), job("r", "file:///x.py", 30, 40, "running")];
  assert.equal(pickFollowUpJob(jobs, "file:///x.py", 50)?.jobId, "a");
  assert.equal(pickFollowUpJob(jobs, "file:///z.py", 0)?.jobId, "b");
  assert.equal(pickFollowUpJob([job("f", "file:///x.py", 0, 1, "failed")], "file:///x.py", 0), undefined);
});

test("a follow-up's thread is its parent's thread plus the new answer", () => {
  assert.deepEqual(extendThread(undefined, "a", "b", "Shorter."), [{ jobId: "a" }, { jobId: "b", prompt: "Shorter." }]);
  const chained = extendThread([{ jobId: "a" }, { jobId: "b", prompt: "Shorter." }], "b", "c", "Again.");
  assert.deepEqual(chained.map((e) => e.jobId), ["a", "b", "c"]);
});

test("the panel shows every answer of the thread, each follow-up under its escaped question", () => {
  const jobs = new Map([
    ["a", job("a", "file:///x.py", 0, 1)],
    ["b", { ...job("b", "file:///x.py", 0, 1, "running"), text: "**new**" }],
  ]);
  const update = threadUpdate([{ jobId: "a" }, { jobId: "b", prompt: "<b>why</b>?" }], (id) => jobs.get(id));
  assert.ok(update);
  const body = update.body;
  assert.ok(body.indexOf("answer of a") < body.indexOf("&lt;b&gt;why&lt;/b&gt;?"));
  assert.ok(body.indexOf("&lt;b&gt;why") < body.indexOf("<strong>new</strong>"));
  assert.equal(update.jobId, "b");
  assert.equal(update.running, true);
  // No follow-up while the last answer streams; once it is done, the box shows.
  assert.equal(update.canFollowUp, false);
  jobs.set("b", { ...job("b", "file:///x.py", 0, 1), text: "done" });
  assert.equal(threadUpdate([{ jobId: "a" }, { jobId: "b", prompt: "why?" }], (id) => jobs.get(id))?.canFollowUp, true);
});

test("the page hides the follow-up box until it may be used", () => {
  const base = { jobId: "a", heading: "h", status: "done", running: false, body: "", error: "", footer: "" };
  assert.match(panelPage("n", "c", { ...base, canFollowUp: false }), /<form id="follow" hidden>/);
  assert.match(panelPage("n", "c", { ...base, canFollowUp: true }), /<form id="follow">/);
});

test("the code action's argument is recognised with or without a prompt", () => {
  assert.equal(isFollowUpArgument({ jobId: "poe-1", bot: "GPT-5" }), true);
  assert.equal(isFollowUpArgument({ jobId: "poe-1", prompt: "x" }), true);
  assert.equal(isFollowUpArgument({ prompt: "x" }), false);
  assert.equal(isFollowUpArgument({ jobId: 3 }), false);
  assert.equal(isFollowUpArgument(null), false);
});
