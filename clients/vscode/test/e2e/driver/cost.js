// The main scenario's last step: waits until VS Code shows what the session's
// jobs cost (the runner judges the numbers: test/e2e/cost.mjs).
"use strict";
const vscode = require("vscode");
const { checks, until } = require("./util");

/** The account's balance, as the fake Poe's usage API (poe.usageUrl) gives it. */
async function fakeBalance() {
  const base = vscode.workspace.getConfiguration("poe").get("usageUrl");
  const answer = await fetch(`${base}current_balance`, { headers: { Authorization: "Bearer e2e-test-key" } });
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
  const seen = (what, predicate) => until(what, predicate, 30000).catch(() => undefined);
  await seen("each charged job has its points", () =>
    Object.values(pointsOf(api, jobIds)).every((p) => p !== undefined));
  checks.jobPoints = pointsOf(api, jobIds);
  const session = Object.values(checks.jobPoints).reduce((a, b) => a + (b || 0), 0);
  await seen("the status bar shows the session's points", () => api.statusText().endsWith(` · ${session} pts`));
  checks.statusWithCost = api.statusText();
  // Every charge is in: the balance the tooltip ends with must be the fake's own.
  checks.fakeBalance = await fakeBalance();
  const balance = `Balance: ${checks.fakeBalance.toLocaleString("en-US")} points.`;
  await seen("the tooltip shows the fake's balance", () => api.statusTooltip().includes(balance));
  checks.tooltipWithCost = api.statusTooltip();
  const panel = api.panel();
  checks.panelPoints = panel.job && panel.job.points;
}

module.exports = { awaitCost, fakeBalance };
