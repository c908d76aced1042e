// The "catalogue" scenario's driver side: Poe: Choose Bot (the runner picks a
// bot of Poe's catalogue in the quick pick), then an explanation on it.
"use strict";
const fs = require("fs");
const path = require("path");
const vscode = require("vscode");

const { checks, note, write, until, handOver, select, lineOf } = require("./util");

function serverStarts() {
  const file = process.env.POE_E2E_SERVER_STARTS;
  return fs.existsSync(file) ? fs.readFileSync(file, "utf8").split("\n").filter(Boolean).length : 0;
}

async function catalogueScenario(api) {
  await vscode.commands.executeCommand("poe.setApiKey", { key: "e2e-test-key" });
  await until("server running after Set API Key", () => api.isRunning(), 30000);
  const folder = vscode.workspace.workspaceFolders[0].uri.fsPath;
  const doc = await vscode.workspace.openTextDocument(path.join(folder, "inventory.py"));
  const editor = await vscode.window.showTextDocument(doc, vscode.ViewColumn.One);

  const before = serverStarts();
  const chosen = vscode.commands.executeCommand("poe.chooseBot");
  write("choose-from-catalogue", {});
  checks.chosenBot = await chosen;
  note("Choose Bot answered", { bot: checks.chosenBot });
  checks.userBot = vscode.workspace.getConfiguration("poe").inspect("bot").globalValue;
  // The user setting changed: the extension restarts the server with it.
  await until("the server started again", () => serverStarts() > before, 30000);
  await until("the server is running", () => api.isRunning(), 30000);

  select(editor, lineOf(doc, "def total("), lineOf(doc, "return result"));
  const jobId = await vscode.commands.executeCommand("poe.explainSelection");
  const job = await until("explain finished", () => {
    const j = jobId && api.job(jobId);
    return j && j.status !== "running" && j;
  }, 30000);
  checks.explain = { status: job.status, bot: job.bot, error: job.error };
  checks.shownErrors = api.shownErrors();
  await handOver("catalogue-chosen", { checks });
}

module.exports = { catalogueScenario };
