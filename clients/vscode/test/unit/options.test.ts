import assert from "node:assert/strict";
import { test } from "node:test";

import { readFileSync } from "node:fs";
import { join } from "node:path";

import { isBotName } from "../../src/core/botName";
import {
  COST_SETTINGS,
  initializationOptions,
  needsRestart,
  userOptionsChanged,
  workspaceSection,
} from "../../src/core/options";

test("only the user's own values go into initializationOptions", () => {
  const options = initializationOptions({
    bot: "Claude-Sonnet-4.5",
    actionBots: { refactor: "GPT-5", explain: undefined, fix: null },
    allowedBots: ["Gemini-2.5-Pro", "", 3],
    baseUrl: "http://127.0.0.1:9000/bot/",
    uploadUrl: undefined,
  });
  assert.deepEqual(options, {
    bot: "Claude-Sonnet-4.5",
    actions: { refactor: { bot: "GPT-5" } },
    allowedBots: ["Gemini-2.5-Pro"],
    baseUrl: "http://127.0.0.1:9000/bot/",
  });
});

test("the transport and its endpoint are user-only start-up options", () => {
  const options = initializationOptions({
    actionBots: {},
    transport: "openai",
    openaiBaseUrl: "http://127.0.0.1:9000/v1",
  });
  assert.deepEqual(options, { transport: "openai", openaiBaseUrl: "http://127.0.0.1:9000/v1" });
  assert.deepEqual(initializationOptions({ actionBots: {}, transport: "carrier-pigeon" }), {});
  assert.deepEqual(
    workspaceSection({ transport: "openai", openaiBaseUrl: "https://evil.example/v1", bot: "X" }),
    { bot: "X" },
  );
  assert.equal(needsRestart((k) => k === "poe.transport"), true);
});

test("nothing set by the user: empty options, so the server's defaults apply", () => {
  assert.deepEqual(initializationOptions({ actionBots: {} }), {});
});

test("the API key is never an initialization option", () => {
  const options = initializationOptions({ actionBots: {}, bot: "GPT-5" });
  assert.equal("apiKey" in options, false);
});

test("workspace/configuration answers without the user-only and client-only keys", () => {
  const section = {
    bot: "GPT-5",
    context: { maxChars: 8000 },
    baseUrl: "https://evil.example/",
    uploadUrl: "https://evil.example/up",
    allowedBots: ["Expensive-Bot"],
    apiKey: "sk-should-never-be-here",
    server: { command: ["poe-lsp"] },
    trace: { server: "off" },
  };
  assert.deepEqual(workspaceSection(section), { bot: "GPT-5", context: { maxChars: 8000 } });
  assert.equal(section.baseUrl, "https://evil.example/", "the input is not modified");
  assert.equal(workspaceSection(null), null);
});

test("start-up settings restart the server; prompts and context do not", () => {
  const changed = (keys: string[]) => needsRestart((k) => keys.includes(k));
  for (const key of ["poe.server.command", "poe.baseUrl", "poe.uploadUrl", "poe.allowedBots", "poe.bot", "poe.actions.fix.bot"]) {
    assert.equal(changed([key]), true, key);
  }
  for (const key of ["poe.context.maxChars", "poe.edits.mode", "poe.actions.fix.prompt", "editor.fontSize"]) {
    assert.equal(changed([key]), false, key);
  }
});

test("the user's own cost settings go into initializationOptions, so they never need consent", () => {
  const options = initializationOptions({
    actionBots: {},
    costs: {
      botParameters: { "Claude-Sonnet-4.5": { thinking_budget: 4096 } },
      "context.maxChars": 60000,
      "context.linesBefore": undefined,
      "context.attachFile": "whenTrimmed",
      "answer.maxChars": null,
    },
  });
  assert.deepEqual(options, {
    botParameters: { "Claude-Sonnet-4.5": { thinking_budget: 4096 } },
    "context.maxChars": 60000,
    "context.attachFile": "whenTrimmed",
  });
});

test("a change of the user's own values restarts the server; the same values do not", () => {
  const before = initializationOptions({ actionBots: {}, costs: { "context.maxChars": 60000 } });
  const same = initializationOptions({ actionBots: {}, costs: { "context.maxChars": 60000 } });
  const raised = initializationOptions({ actionBots: {}, costs: { "context.maxChars": 90000 } });
  assert.equal(userOptionsChanged(before, same), false);
  assert.equal(userOptionsChanged(before, raised), true);
  assert.equal(userOptionsChanged(undefined, raised), false, "no server started yet");
});

test("package.json keeps the cost settings from untrusted workspaces", () => {
  const manifest = JSON.parse(readFileSync(join(__dirname, "..", "..", "package.json"), "utf8"));
  const trust = manifest.capabilities.untrustedWorkspaces;
  assert.equal(trust.supported, "limited");
  assert.deepEqual(
    [...trust.restrictedConfigurations].sort(),
    COST_SETTINGS.map((key) => `poe.${key}`).sort(),
  );
  for (const key of trust.restrictedConfigurations) {
    assert.ok(key in manifest.contributes.configuration.properties, key);
  }
});

test("the bot-name rule admits Poe's names and nothing that leaves the bot's path", () => {
  for (const name of ["GPT-5", "Claude-Sonnet-4.5", "Gemini-2.5-Pro", "o3-mini", "Llama-3.1-405B"]) {
    assert.equal(isBotName(name), true, name);
  }
  for (const name of ["../x", "a/b", "GPT-5?x=1", "GPT-5#x", "GPT-5\n", "", ".x", "x".repeat(65), 5]) {
    assert.equal(isBotName(name), false, String(name));
  }
  assert.deepEqual(
    initializationOptions({ bot: "../evil", actionBots: { fix: "a?b" }, allowedBots: ["ok-1", "x#y"] }),
    { allowedBots: ["ok-1"] },
  );
});
