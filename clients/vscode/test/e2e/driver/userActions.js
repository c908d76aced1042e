// The "useractions" scenario: the workspace's .poe/actions/*.md files appear
// in the lightbulb and in "Poe: Run Action…", and run.
"use strict";
const path = require("path");
const vscode = require("vscode");

const { checks, steps, write, until, handOver, select, lineOf } = require("./util");

async function finished(api, jobId, what) {
  return until(what, () => {
    const job = jobId && api.job(jobId);
    return job && job.status !== "running" && job;
  });
}

async function userActionsScenario(api) {
  const folder = vscode.workspace.workspaceFolders[0].uri.fsPath;
  await vscode.commands.executeCommand("poe.setApiKey", { key: "e2e-test-key" });
  await until("server running after Set API Key", () => api.isRunning(), 30000);
  const doc = await vscode.workspace.openTextDocument(path.join(folder, "inventory.py"));
  const editor = await vscode.window.showTextDocument(doc, vscode.ViewColumn.One);

  // 1. The lightbulb offers the explain action; a click streams it into the panel.
  const range = select(editor, lineOf(doc, "def top_products("), lineOf(doc, "return ranked"));
  checks.selection = doc.getText(range);
  const actions = await vscode.commands.executeCommand("vscode.executeCodeActionProvider", doc.uri, range);
  checks.codeActionTitles = (actions || []).map((a) => a.title);
  const shout = (actions || []).find((a) => a.title === "Shout with EchoBot");
  if (!shout) throw new Error(`no user action among ${checks.codeActionTitles}`);
  await vscode.commands.executeCommand(shout.command.command, ...(shout.command.arguments || []));
  const shown = await until("the action's answer in the panel", () => {
    const panel = api.panel();
    return panel.visible && panel.job && panel.job.status !== "running" && panel;
  });
  checks.panelStatus = shown.job.status;
  checks.panelText = shown.job.text;
  checks.panelTitle = shown.title;

  // 2. Poe: Run Action… — the runner picks "Add types" in the quick pick.
  const again = await vscode.window.showTextDocument(doc, vscode.ViewColumn.One);
  select(again, lineOf(doc, "def top_products("), lineOf(doc, "return ranked"));
  const picked = vscode.commands.executeCommand("poe.runAction");
  write("pick-action", {});
  const jobId = await picked;
  const edited = await finished(api, jobId, "the edit action done");
  checks.shownErrors = api.shownErrors();
  checks.editStatus = edited.status;
  checks.editError = edited.error;
  checks.documentAfterEdit = doc.getText();
  await handOver("actions-done", { checks, steps });
}

module.exports = { userActionsScenario };
