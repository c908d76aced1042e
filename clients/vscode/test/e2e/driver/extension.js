// Test-only driver: runs one scenario against the Poe extension inside a real
// VS Code (code-server) and writes what it saw, as JSON, to $POE_E2E_RESULT.
// It writes `phase` files so the runner can take screenshots at the right time.
"use strict";
const fs = require("fs");
const path = require("path");
const vscode = require("vscode");

const SCENARIO = process.env.POE_E2E_SCENARIO;
const { RESULT, checks, steps, note, write, until, handOver, select, lineOf, watchDocument, focusEditor } = require("./util");
const { reviewScenario } = require("./review");
const { compareScenario } = require("./compare");
const { followUpScenario } = require("./followup");
const { userActionsScenario } = require("./userActions");
const { catalogueScenario } = require("./catalogue");
const { awaitCost, fakeBalance } = require("./cost");

async function mainScenario(api) {
  const folder = vscode.workspace.workspaceFolders[0].uri.fsPath;
  // The key goes through SecretStorage (Poe: Set API Key), which restarts the server.
  await vscode.commands.executeCommand("poe.setApiKey", { key: "e2e-test-key" });
  await until("server running after Set API Key", () => api.isRunning(), 30000);
  checks.balanceBefore = await fakeBalance();

  const doc = await vscode.workspace.openTextDocument(path.join(folder, "inventory.py"));
  const editor = await vscode.window.showTextDocument(doc, vscode.ViewColumn.One);

  // 1. Refactor Selection… (the instruction given as the command's argument).
  const original = doc.getText();
  const start = lineOf(doc, "def total(");
  select(editor, start, lineOf(doc, "return result"));
  const refactorActions = await vscode.commands.executeCommand(
    "vscode.executeCodeActionProvider", doc.uri, editor.selection);
  checks.codeActionTitles = (refactorActions || []).map((a) => a.title);
  const refactorJob = await vscode.commands.executeCommand("poe.refactorSelection", {
    instruction: "use sum()",
  });
  checks.refactorJobId = refactorJob;
  const refactored = await until("refactor done", () => {
    const job = refactorJob && api.job(refactorJob);
    return job && job.status !== "running" && job;
  });
  checks.refactorStatus = refactored.status;
  checks.refactorError = refactored.error;
  checks.documentAfterRefactor = doc.getText();
  // The runner presses Ctrl+Z in the page until the refactor is gone, and counts.
  const watching = watchDocument(doc);
  await focusEditor(doc);
  await handOver("refactored", { original });
  watching.dispose();
  checks.documentAfterUndo = doc.getText();
  checks.undoRestoredOriginal = doc.getText() === original;

  // 1b. Generate Documentation, the cursor in a function's body (no selection).
  const inBody = new vscode.Position(lineOf(doc, "totals = {}"), 8);
  editor.selection = new vscode.Selection(inBody, inBody);
  const documentJob = await vscode.commands.executeCommand("poe.generateDocumentation");
  const documented = await until("document done", () => {
    const job = documentJob && api.job(documentJob);
    return job && job.status !== "running" && job;
  });
  checks.documentStatus = documented.status;
  checks.documentError = documented.error;
  checks.documentAfterDocument = doc.getText();

  // 2. Cancel: Ask Poe… goes to SlowBot (poe.actions.ask.bot) and is cancelled.
  select(editor, lineOf(doc, "def top_products("), lineOf(doc, "return ranked"));
  const askJob = await vscode.commands.executeCommand("poe.askPoe", {
    prompt: "What does this return?",
    output: "explain",
  });
  await until("ask streams", () => (api.job(askJob) || {}).text);
  checks.statusWhileRunning = api.statusText();
  await vscode.commands.executeCommand("poe.cancelJobs");
  const asked = await until("ask cancelled", () => {
    const job = api.job(askJob);
    return job && job.status !== "running" && job;
  });
  checks.askStatus = asked.status;
  checks.statusAfter = api.statusText();

  // 3. Explain from the lightbulb: the code action's command, as a click runs it.
  const range = select(editor, lineOf(doc, "def top_products("), lineOf(doc, "return ranked"));
  const actions = await vscode.commands.executeCommand(
    "vscode.executeCodeActionProvider", doc.uri, range);
  const explain = (actions || []).find((a) => a.title.startsWith("Explain with"));
  checks.explainActionTitle = explain && explain.title;
  if (!explain) throw new Error(`no Explain code action among ${checks.codeActionTitles}`);
  await vscode.commands.executeCommand(explain.command.command, ...(explain.command.arguments || []));
  const shown = await until("explanation streamed into the panel", () => {
    const panel = api.panel();
    return panel.visible && panel.job && panel.job.action === "explain" &&
      panel.job.status !== "running" && panel;
  });
  checks.panelTitle = shown.title;
  checks.panelStatus = shown.job.status;
  checks.panelText = shown.job.text;
  checks.panelBot = shown.job.bot;

  // 4. A refactor that fails: its error arrives in poe/done only, shown once.
  const failing = await vscode.commands.executeCommand("poe.refactor", {
    ...explain.command.arguments[0],
    bot: "OutOfPointsBot",
  });
  const failed = await until("the failing job ends", () => {
    const job = failing && api.job(failing.jobId);
    return job && job.status !== "running" && job;
  });
  checks.failedStatus = failed.status;
  checks.failedError = failed.error;
  checks.failureShown = await until("the failure is shown", () => {
    const shown = api.shownErrors().filter((e) => e === failed.error);
    return shown.length > 0 && shown;
  });
  // 5. What it cost: each charged job's points, the session's in the status bar.
  await awaitCost(api, { refactor: refactorJob, document: documentJob, explain: shown.job.jobId });
  // Put the cursor in the editor so the screenshot shows both side by side.
  await vscode.window.showTextDocument(doc, vscode.ViewColumn.One);
  select(editor, lineOf(doc, "def top_products("), lineOf(doc, "return ranked"));
  await vscode.commands.executeCommand("notifications.clearAll");
  await handOver("explained", { checks, steps });
}

async function noServerScenario(api) {
  await until("start error reported", () => api.lastStartError(), 30000);
  checks.lastStartError = api.lastStartError();
  checks.shownErrors = api.shownErrors();
  checks.runningBefore = api.isRunning();
  await handOver("error-shown", { checks, steps });
  // Fixing poe.server.command restarts the server (debounced) without a reload.
  await vscode.workspace
    .getConfiguration("poe")
    .update("server.command", JSON.parse(process.env.POE_E2E_SERVER_COMMAND), vscode.ConfigurationTarget.Global);
  await until("server running after poe.server.command changed", () => api.isRunning(), 30000);
  checks.runningAfterSettingChange = api.isRunning();
}

// -- restart: the user's server command and endpoint survive every restart --

function serverStarts() {
  const file = process.env.POE_E2E_SERVER_STARTS;
  return fs.existsSync(file) ? fs.readFileSync(file, "utf8").split("\n").filter(Boolean).length : 0;
}

/** What VS Code reports for the settings that reach the server at start-up. */
function startupSettings() {
  const config = vscode.workspace.getConfiguration("poe");
  const seen = {};
  for (const key of ["server.command", "baseUrl", "bot"]) {
    const i = config.inspect(key) || {};
    seen[key] = { value: config.get(key), globalValue: i.globalValue };
  }
  return seen;
}

/** Explain the first function through the palette command; its finished job. */
async function explainOnce(api, editor, when) {
  const doc = editor.document;
  select(editor, lineOf(doc, "def total("), lineOf(doc, "return result"));
  const jobId = await vscode.commands.executeCommand("poe.explainSelection");
  if (!jobId) throw new Error(`explain ${when} did not start: ${api.shownErrors().join(" | ")}`);
  const job = await until(`explain ${when} finished`, () => {
    const j = api.job(jobId);
    return j && j.status !== "running" && j;
  }, 30000);
  const panel = api.panel();
  return {
    when, status: job.status, bot: job.bot, text: job.text, error: job.error,
    panel: { visible: panel.visible, title: panel.title, jobId: panel.job && panel.job.jobId, thisJob: jobId },
  };
}

/** Wait for the server's next start (the wrapper counts them) to be running. */
async function nextStart(api, before, what) {
  try {
    await until(`${what}: the configured server started again`, () => serverStarts() > before, 30000);
    await until(`${what}: the server is running`, () => api.isRunning(), 30000);
  } catch (error) {
    // What the extension saw instead, for the runner's report.
    checks.settingsWhenStuck = startupSettings();
    checks.lastStartError = api.lastStartError();
    checks.shownErrors = api.shownErrors();
    throw error;
  }
}

async function restartScenario(api) {
  await vscode.commands.executeCommand("poe.setApiKey", { key: "e2e-test-key" });
  await until("server running after Set API Key", () => api.isRunning(), 30000);
  checks.settingsAtStart = startupSettings();
  const folder = vscode.workspace.workspaceFolders[0].uri.fsPath;
  const doc = await vscode.workspace.openTextDocument(path.join(folder, "inventory.py"));
  const editor = await vscode.window.showTextDocument(doc, vscode.ViewColumn.One);
  const explains = [await explainOnce(api, editor, "before any restart")];

  // Poe: Restart Server, as the palette runs it.
  let before = serverStarts();
  await vscode.commands.executeCommand("poe.restartServer");
  await nextStart(api, before, "Restart Server");
  checks.settingsAfterRestart = startupSettings();
  explains.push(await explainOnce(api, editor, "after Restart Server"));

  // Poe: Choose Bot, a name typed that the list does not hold (the runner
  // types it into the quick pick); it goes to the user settings as poe.bot,
  // which restarts the server.
  before = serverStarts();
  const chosen = vscode.commands.executeCommand("poe.chooseBot");
  write("choose-bot", {});
  checks.chosenBot = await chosen;
  note("Choose Bot answered", { bot: checks.chosenBot });
  await nextStart(api, before, "Choose Bot");
  checks.settingsAfterChooseBot = startupSettings();
  explains.push(await explainOnce(api, editor, "after Choose Bot"));

  checks.explains = explains;
  checks.serverStarts = serverStarts();
  checks.lastStartError = api.lastStartError();
  checks.shownErrors = api.shownErrors();
  await handOver("restarted", { checks, steps });
}

async function run() {
  const ext = vscode.extensions.getExtension("poe-lsp.poe-lsp");
  if (!ext) throw new Error("the Poe extension is not installed");
  const api = await ext.activate();
  note("poe extension active");
  if (SCENARIO === "main") await mainScenario(api);
  else if (SCENARIO === "no-server") await noServerScenario(api);
  else if (SCENARIO === "restart") await restartScenario(api);
  else if (SCENARIO === "review") await reviewScenario(api);
  else if (SCENARIO === "compare") await compareScenario(api);
  else if (SCENARIO === "followup") await followUpScenario(api);
  else if (SCENARIO === "useractions") await userActionsScenario(api);
  else if (SCENARIO === "catalogue") await catalogueScenario(api);
  else throw new Error(`unknown scenario ${SCENARIO}`);
  write("result", { ok: true, checks, steps });
}

function activate() {
  if (!RESULT) return;
  run().catch((error) => {
    write("result", { ok: false, error: String((error && error.stack) || error), checks, steps });
  });
}

module.exports = { activate, deactivate() {} };
