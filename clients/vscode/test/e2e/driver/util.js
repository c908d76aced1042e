// Helpers shared by the driver's scenarios: notes, result files, waiting,
// hand-overs to the runner, and selecting lines.
"use strict";
const fs = require("fs");
const vscode = require("vscode");

const RESULT = process.env.POE_E2E_RESULT;
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

/** Keeps `${RESULT}.doc` ({version, text}) up to date for the runner, which cannot ask VS Code. */
function watchDocument(doc) {
  const save = () => write("doc", { version: doc.version, text: doc.getText() });
  save();
  return vscode.workspace.onDidChangeTextDocument((event) => {
    if (event.document === doc) save();
  });
}

/** Puts the keyboard focus in the editor of `doc`, where the runner's key presses go. */
async function focusEditor(doc) {
  const editor = await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.One, preserveFocus: false });
  await vscode.commands.executeCommand("workbench.action.focusActiveEditorGroup");
  return editor;
}

module.exports = { RESULT, checks, steps, note, write, sleep, until, handOver, select, lineOf, watchDocument, focusEditor };
