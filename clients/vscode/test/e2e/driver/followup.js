// The "followup" scenario, driver side: an explanation in the panel; the
// runner types a follow-up into the box under the answer and presses the
// button (phase "explained"); then the "Follow up on …" code action, whose
// prompt the runner types into the input box VS Code shows (phase "asking").
"use strict";
const path = require("path");
const vscode = require("vscode");
const { checks, steps, until, handOver, select, lineOf, write } = require("./util");

/** The panel once its thread has `n` answers and the last is finished. */
function threadOf(api, n, what) {
  return until(what, () => {
    const panel = api.panel();
    const last = panel.job;
    return panel.thread.length === n && last && last.jobId === panel.thread[n - 1].jobId &&
      last.status !== "running" && panel;
  }, 30000);
}

function describe(api, panel) {
  return {
    title: panel.title,
    visible: panel.visible,
    thread: panel.thread.map((entry) => {
      const job = api.job(entry.jobId) || {};
      return { jobId: entry.jobId, prompt: entry.prompt, status: job.status, bot: job.bot, text: job.text };
    }),
  };
}

async function followUpScenario(api) {
  await vscode.commands.executeCommand("poe.setApiKey", { key: "e2e-test-key" });
  await until("server running after Set API Key", () => api.isRunning(), 30000);
  const folder = vscode.workspace.workspaceFolders[0].uri.fsPath;
  const doc = await vscode.workspace.openTextDocument(path.join(folder, "inventory.py"));
  const editor = await vscode.window.showTextDocument(doc, vscode.ViewColumn.One);
  const range = select(editor, lineOf(doc, "def total("), lineOf(doc, "return result"));

  const first = await vscode.commands.executeCommand("poe.explainSelection");
  checks.first = describe(api, await threadOf(api, 1, "the explanation in the panel"));
  checks.firstJobId = first;
  // The runner types the follow-up into the panel's box and presses its button.
  await handOver("explained", {});
  checks.second = describe(api, await threadOf(api, 2, "the follow-up under the explanation"));

  // The lightbulb's "Follow up on …": VS Code asks for the prompt (the runner types it).
  const actions = await vscode.commands.executeCommand("vscode.executeCodeActionProvider", doc.uri, range);
  const follow = (actions || []).find((a) => a.title.startsWith("Follow up on"));
  checks.followActionTitle = follow && follow.title;
  if (!follow) throw new Error(`no Follow up code action among ${(actions || []).map((a) => a.title)}`);
  const running = vscode.commands.executeCommand(follow.command.command, ...(follow.command.arguments || []));
  write("asking", {});
  checks.actionAnswer = await running;
  checks.third = describe(api, await threadOf(api, 3, "the code action's follow-up in the panel"));
  checks.shownErrors = api.shownErrors();
  await handOver("followed", { checks, steps });
}

module.exports = { followUpScenario };
