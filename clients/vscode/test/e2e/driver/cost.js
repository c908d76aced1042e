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

/**
 * Waits for each job's points (from poe.usage, polled after each job ends),
 * the status bar's total of them and the fake's balance in its tooltip.
 * `jobIds`: {name: jobId} of the jobs the fake charged.
 */
async function awaitCost(api, jobIds) {
  const points = await until("each charged job has its points", () => {
    const found = {};
    for (const [name, jobId] of Object.entries(jobIds)) {
      const job = api.job(jobId);
      if (!job || job.points === undefined) return false;
      found[name] = job.points;
    }
    return found;
  }, 30000);
  checks.jobPoints = points;
  const session = Object.values(points).reduce((a, b) => a + b, 0);
  checks.statusWithCost = await until("the status bar shows the session's points", () => {
    const text = api.statusText();
    return text.endsWith(` · ${session} pts`) && text;
  }, 30000);
  // Every charge is in: the balance the tooltip ends with must be the fake's own.
  checks.fakeBalance = await fakeBalance();
  const balance = `Balance: ${checks.fakeBalance.toLocaleString("en-US")} points.`;
  checks.tooltipWithCost = await until("the tooltip shows the fake's balance", () => {
    const tooltip = api.statusTooltip();
    return tooltip.includes(balance) && tooltip;
  }, 30000).catch(() => api.statusTooltip());
  const panel = api.panel();
  checks.panelPoints = panel.job && panel.job.points;
}

module.exports = { awaitCost, fakeBalance };
