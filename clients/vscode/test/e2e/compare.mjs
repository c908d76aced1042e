// The runner's side of the "compare" scenario (driver/compare.js): the
// screenshot of the compare panel, a click on "Use this" inside the webview,
// and the checks of what the driver saw.
import path from "node:path";

import { waitFor } from "./wait.mjs";

export const COMPARE_BOTS = ["FencedCodeBot", "ExplainBot", "TwoChangesBot"];
export const USED = "def total(prices):\n    return sum(prices)";
const EXPLAINED = [
  "The loop adds each price to `result`: that is **`sum()`**.",
  "",
  "```python",
  "def total(prices):",
  "    return sum(prices, 0.0)",
  "```",
  "",
].join("\n");

/** The scenario's settings: review mode, the three bots allowed and compared. */
export function compareSettings() {
  return {
    "poe.edits.mode": undefined,
    "poe.allowedBots": COMPARE_BOTS,
    "poe.compare.bots": COMPARE_BOTS,
    "poe.botParameters": {
      FencedCodeBot: { answer: USED, chunk_size: 6, delay: 0.03 },
      ExplainBot: { answer: EXPLAINED, chunk_size: 8, delay: 0.03 },
      TwoChangesBot: { chunk_size: 9, delay: 0.03 },
    },
  };
}

/** The webview frame that holds the compare columns. */
async function compareFrame(page) {
  for (const frame of page.frames()) {
    try {
      if (await frame.$('section[data-bot="FencedCodeBot"]')) return frame;
    } catch {
      // detached or cross-origin frames: skip
    }
  }
  return undefined;
}

/** Screenshot the panel, read its columns, click "Use this" on FencedCodeBot's answer. */
export async function useInPage(page, { outcome, artifacts }) {
  const frame = await waitFor("the compare columns in the webview", () => compareFrame(page), 15000);
  outcome.compareColumns = await frame.evaluate(() =>
    [...document.querySelectorAll("section")].map((s) => ({
      bot: s.dataset.bot,
      header: s.querySelector("header").innerText,
      text: s.querySelector(".body").innerText,
      left: Math.round(s.getBoundingClientRect().left),
      top: Math.round(s.getBoundingClientRect().top),
    })),
  );
  await page.screenshot({ path: path.join(artifacts, "vscode-compare.png") });
  await frame.click('section[data-bot="FencedCodeBot"] button.use');
}

export function judgeCompare(o, c, expect, sample) {
  const columns = o.compareColumns || [];
  expect("the code action names the bots",
    (c.compareTitles || []).includes(`Compare refactor with ${COMPARE_BOTS.join(", ")}`));
  expect("three columns, one per bot", columns.length === 3 && new Set(columns.map((x) => x.bot)).size === 3);
  expect("side by side: one row, left to right", columns.length === 3 &&
    new Set(columns.map((x) => x.top)).size === 1 && columns[0].left < columns[1].left && columns[1].left < columns[2].left);
  expect("each column holds its bot's answer", columns.some((x) => x.bot === "ExplainBot" && x.text.includes("sum(prices, 0.0)")) &&
    columns.some((x) => x.bot === "TwoChangesBot" && x.text.includes("Two small changes")));
  expect("each column shows its time and a Use this button", columns.every((x) => / s\b/.test(x.header) && x.header.includes("Use this")));
  expect("every answer done", (c.columns || []).every((x) => x.status === "done" && x.canUse));
  expect("the panel was visible", c.panelVisible === true);
  expect("nothing written before the choice", c.documentBeforeUse === sample);
  expect("three proposals pending before the choice", c.hunksBeforeUse >= 3);
  expect("the used answer is in the document, exactly",
    c.documentAfterUse === sample.replace(/def total\(prices\):\n[\s\S]*?    return result\n/, `${USED}\n`));
  expect("the other answers were not used", (c.columnsAfterUse || []).map((x) => x.status).sort().join() === "not used,not used,used");
}
