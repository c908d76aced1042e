// What the runner does in the page for the "followup" scenario (see
// driver/followup.js): types into the panel's follow-up box and presses its
// button, and types a code action's prompt into VS Code's input box.
import { waitFor } from "./wait.mjs";

export const PANEL_PROMPT = "Shorter, please.";
export const ACTION_PROMPT = "Now in one line.";

/** The webview frame whose document holds `selector` (visible), if any. */
async function frameWith(page, selector) {
  for (const frame of page.frames()) {
    try {
      const found = await frame.evaluate((s) => {
        const el = document.querySelector(s);
        return Boolean(el && !el.closest("[hidden]"));
      }, selector);
      if (found) return frame;
    } catch {
      // a detached or cross-origin frame
    }
  }
  return undefined;
}

/** The text the panel's webview shows, once it holds `needle`. */
export async function panelText(page, needle, timeoutMs = 20000) {
  return waitFor(`"${needle}" in the panel`, async () => {
    const frame = await frameWith(page, "#content");
    const text = frame ? await frame.evaluate(() => document.body.innerText) : "";
    return text.includes(needle) && text;
  }, timeoutMs);
}

/** Phase "explained": type the follow-up into the box under the answer, press the button. */
export async function followUpInPanel(page, io) {
  const seen = (io.outcome.followUp = {});
  const frame = await waitFor("the follow-up box under the answer", () => frameWith(page, "#follow #prompt"), 20000);
  seen.before = await panelText(page, "Conversation of 1 messages");
  const input = await frame.$("#prompt");
  await input.click();
  await input.type(PANEL_PROMPT);
  await (await frame.$("#send")).click();
  seen.after = await panelText(page, "Conversation of 3 messages");
}

/** Phase "asking": the code action's input box; type the prompt, press Enter. */
export async function answerPromptBox(page, io) {
  const seen = io.outcome.followUp || (io.outcome.followUp = {});
  const input = ".quick-input-widget input";
  await page.waitForSelector(input, { visible: true, timeout: 30000 });
  seen.promptTitle = await page.evaluate(() => {
    const title = document.querySelector(".quick-input-widget .quick-input-title");
    return title ? title.textContent : "";
  });
  await page.type(input, ACTION_PROMPT);
  await page.keyboard.press("Enter");
  seen.last = await panelText(page, "Conversation of 5 messages");
}

/** The checks of the "followup" scenario; `expect(label, condition)` records failures. */
export function judgeFollowUp(o, c, expect) {
  const seen = o.followUp || {};
  const second = (c.second || {}).thread || [];
  const third = (c.third || {}).thread || [];
  expect("the explanation came from ConversationBot", ((c.first || {}).thread || [])[0]?.text?.startsWith("Conversation of 1 messages: user."));
  expect("the box's follow-up joined the panel's thread", second.length === 2 && second[1].prompt === PANEL_PROMPT);
  expect("the follow-up sent the whole conversation to the same bot",
    second[1]?.bot === "ConversationBot" && (second[1]?.text || "").startsWith("Conversation of 3 messages: user, bot, user."));
  expect("the page showed the first answer, the question and the new answer in order", (() => {
    const t = seen.after || "";
    const a = t.indexOf("Conversation of 1 messages"), q = t.indexOf(PANEL_PROMPT), b = t.indexOf("Conversation of 3 messages");
    return a >= 0 && a < q && q < b;
  })());
  expect("the lightbulb offers Follow up on Explain with ConversationBot…", c.followActionTitle === "Follow up on Explain with ConversationBot…");
  expect("the code action asked for the prompt", (seen.promptTitle || "").includes("Follow Up on Explain with ConversationBot"));
  expect("the code action's follow-up chained onto the thread",
    third.length === 3 && third[2].prompt === ACTION_PROMPT && (third[2].text || "").startsWith("Conversation of 5 messages"));
  expect("the page shows the whole thread", (seen.last || "").includes(ACTION_PROMPT) && (seen.last || "").includes("Conversation of 3 messages"));
  expect("no error was shown", (c.shownErrors || []).length === 0);
}
