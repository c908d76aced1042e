// The "compare" scenario: a refactor compared on three bots from the
// "Compare refactor with …" code action, the answers side by side in the
// compare panel, and one of them used from the panel's own button.
"use strict";
const path = require("path");
const vscode = require("vscode");

const { checks, steps, until, handOver, select, lineOf, focusEditor } = require("./util");

async function compareScenario(api) {
  await vscode.commands.executeCommand("poe.setApiKey", { key: "e2e-test-key" });
  await until("server running after Set API Key", () => api.isRunning(), 30000);
  const folder = vscode.workspace.workspaceFolders[0].uri.fsPath;
  const doc = await vscode.workspace.openTextDocument(path.join(folder, "inventory.py"));
  const editor = await vscode.window.showTextDocument(doc, vscode.ViewColumn.One);
  checks.original = doc.getText();
  const range = select(editor, lineOf(doc, "def total("), lineOf(doc, "return result"));
  const actions = await vscode.commands.executeCommand("vscode.executeCodeActionProvider", doc.uri, range);
  checks.compareTitles = (actions || []).map((a) => a.title).filter((t) => t.startsWith("Compare"));
  const action = (actions || []).find((a) => a.title.startsWith("Compare refactor with"));
  if (!action || !action.command) throw new Error(`no Compare refactor action: ${checks.compareTitles}`);
  // As a click on the code action runs it.
  const started = await vscode.commands.executeCommand(action.command.command, ...(action.command.arguments || []));
  checks.started = started;
  const view = await until("every compared answer finished", () => {
    const v = api.compare().view;
    return v && v.columns.length === 3 && v.columns.every((c) => !c.running) && v;
  }, 60000);
  checks.panelVisible = api.compare().visible;
  checks.columns = view.columns.map((c) => ({ bot: c.bot, status: c.status, canUse: c.canUse, time: c.time }));
  checks.heading = view.heading;
  checks.documentBeforeUse = doc.getText();
  checks.hunksBeforeUse = api.review(doc.uri.toString()).hunks.length;
  await focusEditor(doc);
  // Room for the columns in the screenshot.
  await vscode.commands.executeCommand("workbench.action.closeSidebar");
  await vscode.commands.executeCommand("notifications.clearAll");
  // The runner takes the screenshot, then clicks "Use this" in FencedCodeBot's column.
  await handOver("compared", { checks, steps });
  await until("the used answer in the document", () => doc.getText() !== checks.original, 30000);
  await until("the other proposals gone", () => api.review(doc.uri.toString()).hunks.length === 0, 30000);
  checks.documentAfterUse = doc.getText();
  // The panel marks the choice once poe.accept has answered.
  const after = await until("the panel shows the choice", () => {
    const v = api.compare().view;
    return v.columns.some((c) => c.status === "used") && v;
  }, 30000);
  checks.columnsAfterUse = after.columns.map((c) => ({ bot: c.bot, status: c.status, canUse: c.canUse }));
  await handOver("used", { checks, steps });
}

module.exports = { compareScenario };
