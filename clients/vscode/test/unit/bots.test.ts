import assert from "node:assert/strict";
import { test } from "node:test";

import { acceptedBot, botPickItems, isBotName } from "../../src/core/bots";

const LISTED = [
  { name: "GPT-5", actions: ["explain", "refactor"] },
  { name: "Claude-Sonnet-4.5", actions: [] },
];

test("a typed name that is not listed becomes the last item, choosing that bot", () => {
  const items = botPickItems(LISTED, "GPT-5", "EchoBot");
  assert.deepEqual(
    items.map((i) => i.bot),
    ["GPT-5", "Claude-Sonnet-4.5", "EchoBot"],
  );
  const typed = items[items.length - 1];
  assert.equal(typed.label, "EchoBot");
  assert.equal(typed.alwaysShow, true, "shown even though no listed bot matches the text");
});

test("Enter on the typed item, or with nothing highlighted, chooses the typed name", () => {
  const items = botPickItems(LISTED, undefined, "  Gemini-2.5-Pro ");
  assert.equal(acceptedBot(items[items.length - 1], "  Gemini-2.5-Pro "), "Gemini-2.5-Pro");
  assert.equal(acceptedBot(undefined, "Gemini-2.5-Pro"), "Gemini-2.5-Pro");
});

test("a typed name that is listed adds nothing: the listed item is the choice", () => {
  assert.equal(botPickItems(LISTED, undefined, "GPT-5").length, 2);
  assert.equal(botPickItems(LISTED, undefined, "").length, 2);
});

test("text that is not a bot name explains why and chooses nothing", () => {
  for (const bad of ["a/b", "../x", "name with spaces", "-leading", "x".repeat(65)]) {
    const items = botPickItems(LISTED, undefined, bad);
    const last = items[items.length - 1];
    assert.equal(last.bot, undefined, bad);
    assert.match(last.label, /is not a bot name/);
    assert.match(last.detail ?? "", /letters, digits/);
    assert.equal(acceptedBot(last, bad), undefined);
    assert.equal(acceptedBot(undefined, bad), undefined);
  }
});

test("the bot-name rule: letters, digits, . - _, a letter or digit first, at most 64", () => {
  for (const good of ["GPT-5", "Claude-Sonnet-4.5", "Llama-3.1-405B", "a", "x".repeat(64), "bot_1"]) {
    assert.ok(isBotName(good), good);
  }
  for (const bad of ["", ".hidden", "_x", "a b", "a/b", "a?b", "a#b", "x".repeat(65), "GPT-5\n"]) {
    assert.ok(!isBotName(bad), JSON.stringify(bad));
  }
});

test("the listed bots say what they are used for and which is the default", () => {
  const [gpt, claude] = botPickItems(LISTED, "GPT-5", "");
  assert.equal(gpt.description, "default");
  assert.equal(gpt.detail, "used for explain, refactor");
  assert.equal(claude.description, undefined);
  assert.equal(claude.detail, "allowed");
});
