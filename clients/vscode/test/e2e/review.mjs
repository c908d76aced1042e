// What the runner does in the page for review mode and undo, as a user would:
// reads the inline diff off the screen, clicks a CodeLens, presses
// Ctrl+Alt+Backspace and counts Ctrl+Z presses. The driver reports the
// document ({version, text}) and the extension's proposal state in files,
// since the page cannot ask VS Code.
import fs from "node:fs";
import path from "node:path";

import { waitFor } from "./wait.mjs";


/** The review scenario's refactor: two hunks (lines 1–2, line 4) with an unchanged line between. */
export const REVIEWED = [
  "def total(prices: list[float]) -> float:",
  "    result = 0.0",
  "    for p in prices:",
  "        result += p",
  "    return result",
].join("\n");

function readJson(file) {
  return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : undefined;
}

/** What the active editor shows: struck-through lines, ghost text, CodeLens rows. */
export async function inlineDiffOnScreen(page) {
  return page.evaluate(() => {
    const editor = document.querySelector(".editor-group-container.active .monaco-editor") ||
      document.querySelector(".monaco-editor");
    const struck = [];
    const ghosts = [];
    const rows = [...(editor ? editor.querySelectorAll(".view-lines .view-line") : [])]
      .sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top);
    for (const line of rows) {
      let crossed = "";
      for (const span of line.querySelectorAll("span")) {
        if (span.querySelector("span")) continue;
        if (getComputedStyle(span).textDecorationLine.includes("line-through")) crossed += span.textContent;
        const after = getComputedStyle(span, "::after").content;
        if (after && after !== "none" && after !== "normal") ghosts.push(JSON.parse(after));
      }
      if (crossed.trim()) struck.push(crossed.replace(/\u00a0/g, " "));
    }
    const lenses = [...(editor ? editor.querySelectorAll(".codelens-decoration") : [])]
      .sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top)
      .map((l) => l.textContent.replace(/\u00a0/g, " ").trim());
    return { struck, ghosts, lenses };
  });
}

/** The hover shown when the mouse rests on the editor text `needle`. */
async function hoverText(page, needle) {
  const box = await page.evaluate((n) => {
    const line = [...document.querySelectorAll(".editor-group-container.active .view-line")]
      .find((l) => l.textContent.replace(/\u00a0/g, " ").includes(n));
    const span = line && [...line.querySelectorAll("span")].find((s) => !s.querySelector("span") && s.textContent.includes("result"));
    if (!span) return null;
    const r = span.getBoundingClientRect();
    return { x: r.left + r.width / 2, y: r.top + r.height / 2 };
  }, needle);
  if (!box) return "";
  await page.mouse.move(box.x, box.y);
  const text = await waitFor("the hover", () => page.evaluate(() => {
    const hover = [...document.querySelectorAll(".monaco-hover")].find((h) => h.offsetParent !== null);
    return hover && hover.textContent.includes("Show diff") ? hover.innerText : "";
  }), 10000).catch(() => "");
  await page.mouse.move(5, 400);
  await page.keyboard.press("Escape");
  return text;
}

/** Clicks the link `title` of the `index`-th CodeLens row (top to bottom). */
async function clickLens(page, index, title) {
  const box = await page.evaluate((i, t) => {
    const rows = [...document.querySelectorAll(".editor-group-container.active .codelens-decoration")]
      .sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top);
    const link = rows[i] && [...rows[i].querySelectorAll("a")].find((a) => a.textContent.trim() === t);
    if (!link) return null;
    const r = link.getBoundingClientRect();
    return { x: r.left + r.width / 2, y: r.top + r.height / 2 };
  }, index, title);
  if (!box) throw new Error(`no CodeLens "${title}" in row ${index}`);
  await page.mouse.click(box.x, box.y);
}

/** Clicks at the end of the editor line that holds `needle`: the keyboard then types there. */
async function clickIntoLine(page, needle) {
  const box = await page.evaluate((n) => {
    const line = [...document.querySelectorAll(".editor-group-container.active .view-line")]
      .find((l) => l.textContent.replace(/\u00a0/g, " ").includes(n));
    if (!line) return null;
    const r = line.getBoundingClientRect();
    return { x: r.left + 400, y: r.top + r.height / 2 };
  }, needle);
  if (!box) throw new Error(`no editor line shows ${needle}`);
  await page.mouse.click(box.x, box.y);
}

async function chord(page, modifiers, key) {
  for (const m of modifiers) await page.keyboard.down(m);
  await page.keyboard.press(key);
  for (const m of [...modifiers].reverse()) await page.keyboard.up(m);
}

/**
 * Presses Ctrl+Z in the editor until the document is `original` again (or a
 * press changes nothing); how many presses that took.
 */
export async function countUndos(page, resultBase, original, limit = 60) {
  const docFile = `${resultBase}.doc`;
  await clickIntoLine(page, "return ranked[:n]");
  let state = readJson(docFile);
  let presses = 0;
  while (state.text !== original && presses < limit) {
    const version = state.version;
    await chord(page, ["Control"], "z");
    presses += 1;
    const next = await waitFor("Ctrl+Z to change the document", () => {
      const s = readJson(docFile);
      return s.version > version && s;
    }, 5000).catch(() => undefined);
    if (!next) break;
    state = next;
  }
  return { presses, restored: state.text === original, text: state.text };
}

/** The main scenario's step after its streamed refactor. */
export async function undoStreamedRefactor(page, io) {
  io.outcome.streamUndo = await countUndos(page, io.resultBase, io.data.original);
}

/** The review scenario's steps in the page (see driver/review.js). */
export async function reviewInPage(page, io) {
  const { outcome, resultBase, data, artifacts } = io;
  const seen = {};
  outcome.review = seen;
  const screen = () => inlineDiffOnScreen(page);
  seen.proposed = await waitFor("the inline diff and its lenses on screen", async () => {
    const s = await screen();
    return s.struck.length === 3 && s.ghosts.length === 3 && s.lenses.length === 2 && s;
  }, 15000).catch(screen);
  await page.screenshot({ path: path.join(artifacts, "vscode-review.png") });
  seen.hover = await hoverText(page, "result = result + p");

  // Accept the first hunk with its lens, as a click does.
  const before = readJson(`${resultBase}.doc`).version;
  await clickLens(page, 0, "Accept");
  seen.afterAccept = (await waitFor("the accepted hunk in the document", () => {
    const d = readJson(`${resultBase}.doc`);
    return d.version > before && d;
  }, 15000)).text;
  await waitFor("one hunk left", () => (readJson(`${resultBase}.review`) || { hunks: [] }).hunks.length === 1, 15000);
  seen.afterAcceptOnScreen = await waitFor("one hunk drawn", async () => {
    const s = await screen();
    return s.struck.length === 1 && s.lenses.length === 1 && s;
  }, 15000).catch(screen);

  // Reject the rest: Ctrl+Alt+Backspace in the editor.
  await clickIntoLine(page, "return ranked[:n]");
  await chord(page, ["Control", "Alt"], "Backspace");
  await waitFor("no hunk left", () => (readJson(`${resultBase}.review`) || { hunks: [1] }).hunks.length === 0, 15000);
  seen.afterRejectOnScreen = await waitFor("nothing drawn", async () => {
    const s = await screen();
    return s.struck.length === 0 && s.ghosts.length === 0 && s.lenses.length === 0 && s;
  }, 15000).catch(screen);
  seen.documentAfterReject = readJson(`${resultBase}.doc`).text;

  seen.undo = await countUndos(page, resultBase, data.original);
}

/** The review scenario's second proposal: Ctrl+Alt+Enter accepts it whole; then Ctrl+Z. */
export async function acceptAllInPage(page, io) {
  const { outcome, resultBase, data } = io;
  const seen = outcome.review || (outcome.review = {});
  const before = readJson(`${resultBase}.doc`).version;
  await clickIntoLine(page, "return ranked[:n]");
  await chord(page, ["Control", "Alt"], "Enter");
  seen.afterAcceptAll = (await waitFor("the whole proposal in the document", () => {
    const d = readJson(`${resultBase}.doc`);
    return d.version > before && d;
  }, 15000)).text;
  await waitFor("no hunk left", () => (readJson(`${resultBase}.review`) || { hunks: [1] }).hunks.length === 0, 15000);
  seen.acceptAllUndo = await countUndos(page, resultBase, data.original);
}

/** The checks of the review scenario; `expect(label, condition)` records failures. */
export function judgeReview(o, c, expect, sample) {
  const r = o.review || {};
  const proposed = (c.proposed || {}).hunks || [];
  const lines = sample.split("\n");
  const at = (needle) => lines.findIndex((l) => l.includes(needle));
  const accepted = sample.replace("def total(prices):\n    result = 0\n", `${REVIEWED.split("\n").slice(0, 2).join("\n")}\n`);
  const proposal = sample.replace(/def total\(prices\):[\s\S]*?    return result/, REVIEWED);
  expect("review is the default mode", c.mode === undefined || c.mode === "review");
  expect("a preview was drawn while the answer streamed", (c.preview || {}).drawn && c.preview.drawn.preview === true);
  expect("nothing was written while it streamed", (c.preview || {}).documentUnchanged === true);
  expect(`refactor finished (${c.refactorError || c.refactorStatus})`, c.refactorStatus === "done");
  expect("two hunks proposed", proposed.length === 2);
  expect("hunk 1 is the signature and the first line", proposed[0] && proposed[0].range.start.line === at("def total(") &&
    proposed[0].range.end.line === at("result = 0") + 1);
  expect("hunk 2 is the += line", proposed[1] && proposed[1].range.start.line === at("result = result + p"));
  expect("nothing written while proposed", c.documentUnchangedWhileProposed === true);
  expect("Show Diff opened a diff editor", (c.diff || {}).isDiffTab === true);
  expect("the diff's right side is the document with the proposal", (c.diff || {}).right === proposal);
  const lensTitles = (c.lenses || []).map((l) => l.title);
  expect("one Accept and one Reject lens per hunk", lensTitles.filter((t) => t === "Accept").length === 2 &&
    lensTitles.filter((t) => t === "Reject").length === 2 && lensTitles.length === 4);
  expect("the lightbulb offers Accept at the hunk", (c.actions || []).some((a) => a.title.startsWith("Accept change from")));
  const shown = r.proposed || {};
  expect("three lines struck through on screen", (shown.struck || []).length === 3 &&
    shown.struck[0].includes("def total(prices):") && shown.struck[2].includes("result = result + p"));
  expect("the new lines shown beside them", (shown.ghosts || []).some((g) => g.includes("def total(prices: list[float]) -> float:")) &&
    (shown.ghosts || []).some((g) => g.includes("result += p")));
  expect("one row of lenses per hunk on screen", (shown.lenses || []).length === 2 &&
    shown.lenses.every((l) => l.includes("Accept") && l.includes("Reject")));
  expect("hovering a struck line shows its diff and links", (r.hover || "").includes("change 2 of 2") &&
    r.hover.includes("result = result + p") && r.hover.includes("result += p") &&
    r.hover.includes("Accept · Reject · Show diff"));
  expect("the Accept lens wrote hunk 1 only", r.afterAccept === accepted);
  expect("the accepted hunk left the screen", ((r.afterAcceptOnScreen || {}).struck || []).length === 1);
  expect("Ctrl+Alt+Backspace rejected the rest, writing nothing", r.documentAfterReject === accepted);
  expect("nothing drawn after", ((r.afterRejectOnScreen || {}).struck || [1]).length === 0 &&
    ((r.afterRejectOnScreen || {}).lenses || [1]).length === 0);
  expect(`one Ctrl+Z restored the original (took ${(r.undo || {}).presses})`, (r.undo || {}).presses === 1 && r.undo.restored);
  expect("Ctrl+Alt+Enter accepted the whole proposal", r.afterAcceptAll === proposal);
  const all = r.acceptAllUndo || {};
  expect(`one Ctrl+Z took the accepted proposal back (took ${all.presses})`, all.presses === 1 && all.restored);
  expect("the document is the original at the end", (c.final || {}).restored === true);
  expect("no error was shown", (c.shownErrors || []).length === 0);
}
