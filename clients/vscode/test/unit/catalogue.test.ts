import assert from "node:assert/strict";
import { test } from "node:test";

import { acceptedBot, botPickItems, writesText } from "../../src/core/bots";

/** `poe.listBots` with Poe's catalogue: configured bots first, then the rest. */
const CATALOGUE = [
  {
    name: "GPT-5",
    description: "OpenAI's flagship model.",
    ownedBy: "OpenAI",
    outputModalities: ["text"],
    actions: ["explain", "refactor", "document", "fix", "ask"],
    configured: true,
  },
  { name: "MyOwnBot", actions: [], configured: true },
  {
    name: "Claude-Sonnet-4.5",
    description: "Anthropic's model for agents and code.",
    ownedBy: "Anthropic",
    outputModalities: ["text"],
    actions: [],
    configured: false,
  },
  {
    name: "Imagen-4",
    description: "Text to image.",
    ownedBy: "Google",
    outputModalities: ["image"],
    actions: [],
    configured: false,
  },
];

test("configured bots come first under their own separator, then the catalogue", () => {
  const items = botPickItems(CATALOGUE, "GPT-5", "");
  assert.deepEqual(
    items.map((i) => (i.separator ? `-- ${i.label}` : i.label)),
    ["-- Your settings", "GPT-5", "MyOwnBot", "-- Poe's catalogue", "Claude-Sonnet-4.5"],
  );
  assert.ok(items.filter((i) => i.separator).every((i) => i.bot === undefined));
});

test("each bot shows its owner and description, so typing either finds it", () => {
  const items = botPickItems(CATALOGUE, "GPT-5", "");
  const gpt = items.find((i) => i.bot === "GPT-5");
  const claude = items.find((i) => i.bot === "Claude-Sonnet-4.5");
  assert.equal(gpt?.description, "default · OpenAI");
  assert.equal(gpt?.detail, "used for explain, refactor, document, fix, ask — OpenAI's flagship model.");
  assert.equal(claude?.description, "Anthropic");
  assert.equal(claude?.detail, "Anthropic's model for agents and code.");
});

test("a bot that answers only images is not offered, and typing its name explains why", () => {
  assert.equal(writesText(CATALOGUE[3]), false);
  assert.equal(writesText({ name: "Unknown" }), true, "no modalities listed: offered");
  assert.ok(!botPickItems(CATALOGUE, undefined, "").some((i) => i.bot === "Imagen-4"));
  const typed = botPickItems(CATALOGUE, undefined, "Imagen-4");
  const last = typed[typed.length - 1];
  assert.equal(last.bot, undefined);
  assert.match(last.label, /Imagen-4 answers with image only/);
  assert.equal(acceptedBot(last, "Imagen-4"), undefined);
});

test("a typed name in neither list can still be chosen", () => {
  const items = botPickItems(CATALOGUE, undefined, "Brand-New-Bot");
  assert.equal(acceptedBot(items[items.length - 1], "Brand-New-Bot"), "Brand-New-Bot");
});

test("'For one action…' comes first when offered and nothing is typed", () => {
  const [first] = botPickItems(CATALOGUE, undefined, "", true);
  assert.equal(first.forAction, true);
  assert.equal(first.bot, undefined);
  assert.ok(!botPickItems(CATALOGUE, undefined, "GPT", true).some((i) => i.forAction));
  assert.ok(!botPickItems(CATALOGUE, undefined, "").some((i) => i.forAction));
});

test("only configured bots (an older server's answer): no separators", () => {
  const items = botPickItems([{ name: "GPT-5", actions: ["explain"] }], "GPT-5", "");
  assert.deepEqual(
    items.map((i) => i.label),
    ["GPT-5"],
  );
});

test("words of a description or an owner are a search: no typed-name item is added", () => {
  for (const query of ["agents and code", "Anthropic", "flagship"]) {
    const items = botPickItems(CATALOGUE, undefined, query);
    assert.ok(!items.some((i) => i.alwaysShow), query);
  }
  // Text nothing listed holds is still offered as a name, or explained.
  assert.equal(botPickItems(CATALOGUE, undefined, "Gemini-3").at(-1)?.bot, "Gemini-3");
  assert.match(botPickItems(CATALOGUE, undefined, "no such words").at(-1)?.label ?? "", /not a bot name/);
});
