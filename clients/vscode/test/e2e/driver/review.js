// The "review" scenario, driver side: a refactor in review mode (the default)
// is previewed while it streams, proposed as two hunks (nothing written), shown
// with Show Diff; then the runner accepts one hunk with its CodeLens, rejects
// the other with Ctrl+Alt+Backspace and presses Ctrl+Z, all in the page; and
// once more, the whole proposal accepted with Ctrl+Alt+Enter, then Ctrl+Z.
"use strict";
const path = require("path");
const vscode = require("vscode");
const { checks, write, until, handOver, select, lineOf, watchDocument, focusEditor } = require("./util");

/** The new first lines of total(), as the bot proposes them (the runner's REVIEWED). */
const NEW_SIGNATURE = "def total(prices: list[float]) -> float:";

/** Keeps `${RESULT}.review` (the extension's view of the document's proposal) up to date. */
function watchReview(api, uri) {
  let last = "";
  const timer = setInterval(() => {
    const state = JSON.stringify(api.review(uri));
    if (state !== last) {
      last = state;
      write("review", JSON.parse(state));
    }
  }, 50);
  return { dispose: () => clearInterval(timer) };
}

async function reviewScenario(api) {
  await vscode.commands.executeCommand("poe.setApiKey", { key: "e2e-test-key" });
  await until("server running after Set API Key", () => api.isRunning(), 30000);
  const folder = vscode.workspace.workspaceFolders[0].uri.fsPath;
  const doc = await vscode.workspace.openTextDocument(path.join(folder, "inventory.py"));
  const editor = await vscode.window.showTextDocument(doc, vscode.ViewColumn.One);
  const uri = doc.uri.toString();
  const original = doc.getText();
  checks.mode = vscode.workspace.getConfiguration("poe", doc.uri).get("edits.mode");

  select(editor, lineOf(doc, "def total("), lineOf(doc, "return result"));
  const jobId = await vscode.commands.executeCommand("poe.refactorSelection", { instruction: "type hints; use +=" });
  checks.jobId = jobId;

  // While the bot streams: the answer so far is drawn in the editor, nothing is written.
  const preview = await until("the preview while the answer streams", () => {
    const job = api.job(jobId);
    const review = api.review(uri);
    return job && job.status === "running" && review.drawn.preview &&
      review.drawn.ghosts.some((g) => g.text.includes(NEW_SIGNATURE)) && review;
  }, 30000);
  checks.preview = { drawn: preview.drawn, documentUnchanged: doc.getText() === original };

  const job = await until("refactor done", () => {
    const j = api.job(jobId);
    return j && j.status !== "running" && j;
  }, 30000);
  checks.refactorStatus = job.status;
  checks.refactorError = job.error;
  const proposed = await until("two hunks proposed", () => {
    const review = api.review(uri);
    return review.hunks.length === 2 && !review.drawn.preview && review;
  });
  checks.proposed = proposed;
  checks.documentUnchangedWhileProposed = doc.getText() === original;

  // Poe: Show Diff opens the diff editor: the document against the proposal.
  checks.showDiff = await vscode.commands.executeCommand("poe.showDiff");
  const right = await until("the diff editor's proposal side", () =>
    vscode.window.visibleTextEditors.find((e) => e.document.uri.scheme === "poe-proposal"));
  const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
  checks.diff = {
    right: right.document.getText(),
    isDiffTab: Boolean(tab && tab.input instanceof vscode.TabInputTextDiff),
    left: tab && tab.input && tab.input.original ? tab.input.original.toString() : undefined,
    label: tab && tab.label,
  };
  await vscode.commands.executeCommand("workbench.action.closeActiveEditor");

  // One set of Accept | Reject lenses (the server's), and the lightbulb's actions.
  const lenses = (await vscode.commands.executeCommand("vscode.executeCodeLensProvider", doc.uri)) || [];
  checks.lenses = lenses.map((l) => ({ line: l.range.start.line, title: l.command && l.command.title }));
  const first = proposed.hunks[0].range.start.line;
  const actions = await vscode.commands.executeCommand(
    "vscode.executeCodeActionProvider", doc.uri, new vscode.Range(first, 0, first, 0));
  checks.actions = (actions || []).map((a) => ({ title: a.title, kind: a.kind && a.kind.value }));

  const watching = [watchDocument(doc), watchReview(api, uri)];
  const shown = await focusEditor(doc);
  shown.selection = new vscode.Selection(0, 0, 0, 0);
  shown.revealRange(new vscode.Range(0, 0, 0, 0), vscode.TextEditorRevealType.AtTop);
  await vscode.commands.executeCommand("notifications.clearAll");
  await handOver("proposed", { original, hunks: proposed.hunks });

  // Again, accepted whole this time: the runner presses Ctrl+Alt+Enter, then Ctrl+Z.
  const again = vscode.window.activeTextEditor;
  select(again, lineOf(doc, "def total("), lineOf(doc, "return result"));
  const secondJob = await vscode.commands.executeCommand("poe.refactorSelection", { instruction: "type hints; use +=" });
  await until("the second refactor proposed", () => {
    const j = api.job(secondJob);
    return j && j.status === "done" && api.review(uri).hunks.length === 2;
  }, 30000);
  await focusEditor(doc);
  await handOver("proposed-again", { original });
  for (const w of watching) w.dispose();

  checks.final = { text: doc.getText(), restored: doc.getText() === original, review: api.review(uri) };
  checks.shownErrors = api.shownErrors();
  await handOver("settled", { checks });
}

module.exports = { reviewScenario, NEW_SIGNATURE };
