// Test-only driver: runs one scenario against the Poe extension inside a real
// VS Code (code-server) and writes what it saw, as JSON, to $POE_E2E_RESULT.
// It writes `phase` files so the runner can take screenshots at the right time.
"use strict";
const fs = require("fs");
const path = require("path");
const vscode = require("vscode");

const RESULT = process.env.POE_E2E_RESULT;
const SCENARIO = process.env.POE_E2E_SCENARIO;
const t0 = Date.now();
const steps = [];
const checks = {};

function note(step, extra) {
  steps.push({ at: Date.now() - t0, step, ...(extra || {}) });
}

function write(name, data) {
  fs.writeFileSync(`${RESULT}.${name}.tmp`, JSON.stringify(data, null, 2));
  fs.renameSync(`${RESULT}.${name}.tmp`, `${RESULT}.${name}`);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function until(what, predicate, timeoutMs = 20000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await predicate();
    if (value) {
      note(what);
      return value;
    }
    if (Date.now() > end) {
      throw new Error(`timed out waiting for: ${what}`);
    }
    await sleep(50);
  }
}

/** The runner creates `${RESULT}.go-<name>` after its screenshot of a phase. */
async function handOver(name, data) {
  write(name, data);
  await until(`runner finished phase ${name}`, () => fs.existsSync(`${RESULT}.go-${name}`), 60000);
}

function select(editor, fromLine, toLine) {
  const doc = editor.document;
  const end = doc.lineAt(toLine).range.end;
  editor.selection = new vscode.Selection(new vscode.Position(fromLine, 0), end);
  return new vscode.Range(new vscode.Position(fromLine, 0), end);
}

function lineOf(doc, needle) {
  const line = doc.getText().split("\n").findIndex((l) => l.includes(needle));
  if (line < 0) throw new Error(`no line with ${needle}`);
  return line;
}

async function mainScenario(api) {
  const folder = vscode.workspace.workspaceFolders[0].uri.fsPath;
  // The key goes through SecretStorage (Poe: Set API Key), which restarts the server.
  await vscode.commands.executeCommand("poe.setApiKey", { key: "e2e-test-key" });
  await until("server running after Set API Key", () => api.isRunning(), 30000);

  const doc = await vscode.workspace.openTextDocument(path.join(folder, "inventory.py"));
  const editor = await vscode.window.showTextDocument(doc, vscode.ViewColumn.One);

  // 1. Refactor Selection… (the instruction given as the command's argument).
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
