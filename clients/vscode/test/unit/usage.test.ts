import assert from "node:assert/strict";
import { test } from "node:test";

import { JobTracker } from "../../src/core/jobs";
import { initializationOptions, workspaceSection } from "../../src/core/options";
import { panelUpdate } from "../../src/core/render";
import { newlyKnown, pointsText, usageLine } from "../../src/core/usage";

const range = { start: { line: 0, character: 0 }, end: { line: 1, character: 0 } };

test("the status bar shows the session's spend, the tooltip the balance", () => {
  assert.deepEqual(usageLine(undefined), { text: "", tooltip: "" });
  assert.deepEqual(usageLine({ balance: 4930, sessionPoints: 70, jobs: [] }), {
    text: " · 70 pts",
    tooltip: "This session: 70 points. Balance: 4,930 points.",
  });
  assert.equal(usageLine({ balance: null, sessionPoints: 0, jobs: [] }).text, "");
  assert.match(usageLine({ balance: null, sessionPoints: 1, jobs: [] }).tooltip, /1 point\. Balance: unknown/);
  assert.equal(pointsText(1234), "1,234 points");
});

test("only points that became known are handed on", () => {
  const known = new Map([["a", 5]]);
  const usage = {
    balance: 1,
    sessionPoints: 12,
    jobs: [
      { jobId: "a", bot: "B", points: 5 },
      { jobId: "b", bot: "B", points: 7 },
      { jobId: "c", bot: "B", points: null },
    ],
  };
  assert.deepEqual([...newlyKnown(usage, known)], [["b", 7]]);
});

test("the panel's answer is footed with its points once known", () => {
  const jobs = new JobTracker();
  const job = jobs.done({
    jobId: "j", action: "explain", uri: "file:///a.py", range, bot: "GPT-5", status: "done", text: "Hi",
  });
  assert.equal(panelUpdate(job).footer, "");
  let emitted = 0;
  jobs.onChange(() => emitted++);
  jobs.setPoints("j", 42);
  assert.equal(emitted, 1);
  assert.equal(panelUpdate(jobs.get("j")!).footer, "Cost: 42 points");
});

test("the daily budget and the usage endpoint reach the server from user settings only", () => {
  const options = initializationOptions({
    actionBots: {},
    usageUrl: "http://127.0.0.1:9/usage/",
    maxPointsPerDay: 500,
  });
  assert.deepEqual(options.budget, { maxPointsPerDay: 500 });
  assert.equal(options.usageUrl, "http://127.0.0.1:9/usage/");
  assert.deepEqual(
    workspaceSection({ usageUrl: "http://evil.example/", budget: { maxPointsPerDay: 1e9, confirmAbovePoints: 5 } }),
    { budget: { confirmAbovePoints: 5 } },
  );
});
