// The "catalogue" scenario's runner side: Choose Bot over Poe's catalogue,
// used in the page as a person would (see driver/catalogue.js for the rest).
// The fake Poe's /v1/models (tests/fakepoe_catalogue.py) is reached through
// the recording proxy, so the runner sees the catalogue request.
import path from "node:path";

import { waitFor } from "./wait.mjs";

/** Words of TwoChangesBot's catalogue description: typing them finds it (matchOnDetail). */
export const CATALOGUE_QUERY = "two small changes";
export const CATALOGUE_BOT = "TwoChangesBot";

/** The scenario's spec for run.mjs; `serverWrapper(root)` counts the server's starts. */
export function catalogueSpec(serverWrapper) {
  return {
    path: (bin) => [bin, ...process.env.PATH.split(":")].join(":"),
    settings: (ctx, root) => ({
      "poe.server.command": [serverWrapper(root)],
      "poe.baseUrl": ctx.recorderUrl,
      "poe.openaiBaseUrl": `${ctx.recorderUrl}v1`,
    }),
    interact: [{ phase: "choose-from-catalogue", run: chooseFromCatalogue }],
    phase: "catalogue-chosen",
    screenshot: "vscode-catalogue-explained.png",
  };
}

const rows = (page) =>
  page.evaluate(() =>
    [...document.querySelectorAll(".quick-input-list .monaco-list-row")].map((row) => row.innerText),
  );

/** Wait for the catalogue in the quick pick, note what it lists, search by description, pick. */
async function chooseFromCatalogue(page, { outcome, artifacts }) {
  const input = ".quick-input-widget input";
  await page.waitForSelector(input, { visible: true, timeout: 30000 });
  outcome.pickRows = await waitFor("the catalogue in the quick pick", async () => {
    const seen = await rows(page);
    return seen.some((r) => r.includes("Claude-Sonnet-4.5")) ? seen : "";
  }, 20000);
  await page.screenshot({ path: path.join(artifacts, "vscode-choose-bot.png") });
  await page.type(input, CATALOGUE_QUERY);
  outcome.filteredRows = await waitFor("only the bot whose description matches", async () => {
    const seen = await rows(page);
    return seen.length === 1 && seen[0].includes(CATALOGUE_BOT) ? seen : "";
  }, 10000);
  await page.screenshot({ path: path.join(artifacts, "vscode-choose-bot-search.png") });
  await page.keyboard.press("Enter");
}

/** The scenario's checks (`expect(label, condition)`). */
export function judgeCatalogue(o, c, expect) {
  const listed = (o.pickRows || []).join("\n");
  const bots = (o.pickRows || []).filter((r) => !r.includes("For one action"));
  expect("'For one action…' is offered first", (o.pickRows || [])[0]?.includes("For one action"));
  expect("the configured bots are listed first", bots[0]?.includes("ExplainBot") && bots[0]?.includes("Your settings"));
  expect("the catalogue is listed, with owners and descriptions",
    listed.includes("Claude-Sonnet-4.5") && listed.includes("Anthropic") && listed.includes("extended thinking"));
  expect("an image-only bot is not offered", !listed.includes("Imagen-4"));
  expect("typing a description's words finds the bot", (o.filteredRows || []).length === 1);
  expect("Choose Bot took the catalogue bot", c.chosenBot === CATALOGUE_BOT);
  expect("the choice went to the user settings", c.userBot === CATALOGUE_BOT);
  expect(`the next job ran on it (${c.explain?.error || c.explain?.status})`,
    c.explain?.status === "done" && c.explain?.bot === CATALOGUE_BOT);
  expect("the catalogue came from the user's endpoint", (o.recorded || []).includes("GET /v1/models"));
  expect("no error was shown", (c.shownErrors || []).length === 0);
}
