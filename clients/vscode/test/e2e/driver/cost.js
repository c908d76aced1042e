// The main scenario's last step: waits until VS Code shows what the session's
// jobs cost (the runner judges the numbers: test/e2e/cost.mjs).
"use strict";
const { checks, until } = require("./util");

/** The account's balance, asked of the fake Poe itself (not through poe.usageUrl). */
async function fakeBalance() {
  const answer = await fetch(`${process.env.POE_E2E_FAKE_POE}usage/current_balance`, {
    headers: { Authorization: "Bearer e2e-test-key" },
  });
  return (await answer.json()).current_point_balance;
}

/** Each job's points so far ({name: points}), `undefined` for those not known yet. */
function pointsOf(api, jobIds) {
  return Object.fromEntries(Object.entries(jobIds).map(([name, jobId]) => [name, (api.job(jobId) || {}).points]));
}

/**
 * Waits for each job's points (from poe.usage, polled after each job ends),
 * the status bar's total of them and the fake's balance in its tooltip.
 * `jobIds`: {name: jobId} of the jobs the fake charged. A wait that times
 * out leaves what was seen in `checks` (the runner's judge names the
 * failure) and the scenario goes on, so the page is still checked and shot.
 */
async function awaitCost(api, jobIds) {
  // The runner waits 90 s for the whole scenario: these waits stay well inside it.
  const seen = (what, predicate, ms) => until(what, predicate, ms).then(() => true, () => false);
  const all = await seen("each charged job has its points", () =>
    Object.values(pointsOf(api, jobIds)).every((p) => p !== undefined), 25000);
  checks.jobPoints = pointsOf(api, jobIds);
  checks.statusWithCost = api.statusText();
  checks.tooltipWithCost = api.statusTooltip();
  checks.fakeBalance = await fakeBalance();
  if (!all) return; // what was seen is enough for the runner's judge to fail
  const session = Object.values(checks.jobPoints).reduce((a, b) => a + b, 0);
  await seen("the status bar shows the session's points", () => api.statusText().endsWith(` · ${session} pts`), 10000);
  checks.statusWithCost = api.statusText();
  // Every charge is in: the balance the tooltip ends with must be the fake's own.
  checks.fakeBalance = await fakeBalance();
  const balance = `Balance: ${checks.fakeBalance.toLocaleString("en-US")} points.`;
  await seen("the tooltip shows the fake's balance", () => api.statusTooltip().includes(balance), 15000);
  checks.tooltipWithCost = api.statusTooltip();
}

module.exports = { awaitCost, fakeBalance };
