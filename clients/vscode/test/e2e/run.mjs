#!/usr/bin/env node
// End-to-end test of the Poe extension in real VS Code (code-server 4.100.3,
// VS Code 1.100.3) against the real poe-lsp server and the fake Poe.
//
//   node test/e2e/run.mjs --python /path/to/python --out result.json --artifacts DIR
//
// Builds the .vsix (npm run package), serves the fake Poe, then for each
// scenario starts code-server with fresh user-data/extension dirs and both
// extensions installed (the Poe one and a test-only driver), opens the
// workbench in headless Chromium via puppeteer-core (the extension host starts
// only when a browser connects), waits for the driver's findings, checks the
// UI itself (the webview's text, the notification), and takes a screenshot.
// Writes {ok, scenarios, seconds} to --out; exits 1 unless every check passed.
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

import { sleep, waitFor } from "./wait.mjs";
import { answerPromptBox, followUpInPanel, judgeFollowUp } from "./followup.mjs";
import { catalogueSpec, judgeCatalogue } from "./catalogue.mjs";
import { acceptAllInPage, judgeReview, REVIEWED, reviewInPage, undoStreamedRefactor } from "./review.mjs";
import { compareSettings, judgeCompare, useInPage } from "./compare.mjs";
import { COST_POINTS, hoverStatusBar, judgeCost } from "./cost.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const EXT = path.resolve(HERE, "../..");
const TOOLS = path.join(EXT, ".test-tools");
// The fake Poe is test support: it lives with the Python tests, not in the package.
const FAKE_POE = path.resolve(EXT, "../../tests/fakepoe.py");
const CODE_SERVER = path.join(TOOLS, "node_modules/.bin/code-server");
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";

function option(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}
const PYTHON = option("--python", process.env.POE_LSP_PYTHON || "python3");
const OUT = path.resolve(option("--out", "test-artifacts/vscode/result.json"));
const ARTIFACTS = path.resolve(option("--artifacts", path.dirname(OUT)));
const ONLY = option("--scenario", "");
const t0 = Date.now();
const secs = (t) => Math.round((Date.now() - t) / 100) / 10;
const log = (...a) => console.error(`[e2e ${secs(t0)}s]`, ...a);

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: "utf8", ...opts });
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  }
  return r.stdout;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}

function startFakePoe() {
  const proc = spawn(PYTHON, [FAKE_POE, "--port", "0"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = new Promise((resolve, reject) => {
    readline.createInterface({ input: proc.stdout }).once("line", (line) => resolve(line.trim()));
    proc.once("exit", (code) => reject(new Error(`fake Poe exited (${code}) before printing its URL`)));
  });
  return { proc, url };
}

// A recording proxy in front of the fake Poe: the "restart" scenario's
// configured endpoint, so the runner sees every request that reached it.
function startRecorder(target) {
  const requests = [];
  const upstream = new URL(target);
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method, path: req.url, at: Date.now() });
    const forward = http.request(
      { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode || 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on("error", () => res.destroy());
    req.pipe(forward);
  });
  const url = new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${server.address().port}/`));
  });
  return { server, url, requests };
}

const SAMPLE = `"""A small inventory report."""


def total(prices):
    result = 0
    for p in prices:
        result = result + p
    return result


def top_products(orders, n):
    totals = {}
    for order in orders:
        sku = order["sku"]
        totals[sku] = totals.get(sku, 0) + order["qty"] * order["unit_price"]
    ranked = sorted(totals.items(), key=lambda pair: pair[1], reverse=True)
    return ranked[:n]
`;

const EXPLANATION = [
  "### `top_products(orders, n)`",
  "",
  "Returns the **n best-selling products by revenue**, as `(sku, total)` pairs.",
  "",
  "1. Sums `qty × unit_price` per SKU into `totals`.",
  "2. Sorts the pairs by revenue, highest first.",
  "3. Keeps the first `n`.",
  "",
  "```python",
  "top_products(orders, 3)  # [('A-1', 120.0), ('B-7', 80.0), ('C-2', 42.5)]",
  "```",
  "",
].join("\n");
const REFACTORED = "def total(prices):\n    return sum(prices)";
const DOCSTRING = "Rank the products by revenue and return the n best.";

function userSettings(baseUrl, extra) {
  return {
    "workbench.startupEditor": "none",
    "workbench.tips.enabled": false,
    "workbench.welcomePage.walkthroughs.openOnInstall": false,
    "security.workspace.trust.enabled": false,
    "telemetry.telemetryLevel": "off",
    "extensions.autoCheckUpdates": false,
    "extensions.autoUpdate": false,
    "update.mode": "none",
    "chat.commandCenter.enabled": false,
    "window.menuBarVisibility": "compact",
    "poe.baseUrl": baseUrl,
    // The catalogue (Choose Bot) too comes from the fake, never from Poe.
    "poe.openaiBaseUrl": `${baseUrl}v1`,
    // The balance and each job's points: the fake's usage API, never Poe's.
    "poe.usageUrl": `${baseUrl}usage/`,
    "poe.bot": "ExplainBot",
    "poe.actions.refactor.bot": "FencedCodeBot",
    "poe.actions.ask.bot": "SlowBot",
    "poe.actions.document.bot": "ReplaceBot",
    "poe.edits.mode": "stream",
    "poe.allowedBots": ["OutOfPointsBot"],
    ...(process.env.POE_E2E_TRACE ? { "poe.trace.server": "verbose" } : {}),
    "poe.botParameters": {
      // `points`: what the fake charges for the request (see cost.mjs).
      ExplainBot: { answer: EXPLANATION, chunk_size: 16, delay: 0.03, points: COST_POINTS.ExplainBot },
      // A chunk every 60 ms: the refactor streams in as many edits as a real bot's.
      FencedCodeBot: { answer: REFACTORED, delay: 0.06, points: COST_POINTS.FencedCodeBot },
      SlowBot: { chunks: 400, delay: 0.05 },
      ReplaceBot: { answer: DOCSTRING, points: COST_POINTS.ReplaceBot },
    },
    ...extra,
  };
}

// What each bot's answer holds in the "restart" scenario: ExplainBot says
// what it is told to; EchoBot (typed into Choose Bot) echoes the prompt.
const RESTART_MARKERS = {
  ExplainBot: "Answered by the configured endpoint (ExplainBot).",
  EchoBot: "def total(prices):",
};
const TYPED_BOT = "EchoBot";

/** Choose Bot's quick pick, as a user meets it: type a bot that is not listed, press Enter. */
// The "useractions" scenario's files (README "Your own actions").
const TYPED_ACTION_ANSWER = "def top_products(orders, n):\n    return []";
const USER_ACTION_FILES = {
  "workspace/.poe/actions/shout.md":
    "---\ntitle: Shout\nbot: EchoBot\noutput: explain\n---\nShout the {language} code:\n{selection}\n",
  // The user's own (XDG_CONFIG_HOME): its parameters need no consent.
  "config/poe-lsp/actions/typed.md":
    "---\ntitle: Add types\nbot: FencedCodeBot\noutput: edit\nparameters:\n" +
    `  answer: ${JSON.stringify(TYPED_ACTION_ANSWER)}\n  delay: 0\n---\nAdd type hints to:\n{selection}\n`,
};

/** Poe: Run Action…'s quick pick: type part of a title, Enter. */
async function pickAction(page) {
  const input = ".quick-input-widget input";
  await page.waitForSelector(input, { visible: true, timeout: 30000 });
  await page.type(input, "Add types");
  await waitFor("the action offered", () =>
    page.evaluate(() =>
      [...document.querySelectorAll(".quick-input-list .monaco-list-row")]
        .some((row) => row.innerText.includes("Add types with FencedCodeBot"))),
  10000);
  await page.keyboard.press("Enter");
}

async function typeBotName(page) {
  const input = ".quick-input-widget input";
  await page.waitForSelector(input, { visible: true, timeout: 30000 });
  await page.type(input, TYPED_BOT);
  await waitFor("the typed name offered as a choice", () =>
    page.evaluate((name) =>
      [...document.querySelectorAll(".quick-input-list .monaco-list-row")]
        .some((row) => row.innerText.includes(name) && row.innerText.includes("not in the list")), TYPED_BOT),
  10000);
  await page.keyboard.press("Enter");
}

/** A server command that appends a line to `<root>/server-starts` at each start. */
function serverWrapper(root) {
  const file = path.join(root, "poe-lsp-wrapper");
  const starts = path.join(root, "server-starts");
  fs.writeFileSync(
    file,
    `#!/bin/sh\necho started >> ${JSON.stringify(starts)}\nexec ${JSON.stringify(PYTHON)} -m poe_lsp "$@"\n`,
    { mode: 0o755 },
  );
  return file;
}

const SCENARIOS = {
  main: {
    // poe-lsp from PATH (the Python's bin/ first on PATH); the key via Set API Key.
    path: (bin) => [bin, ...process.env.PATH.split(":")].join(":"),
    settings: process.env.POE_E2E_SERVER_LOG
      ? { "poe.server.command": ["poe-lsp", "--log-file", process.env.POE_E2E_SERVER_LOG, "--log-level", "debug"] }
      : {},
    interact: [{ phase: "refactored", run: undoStreamedRefactor }],
    phase: "explained",
    screenshot: "vscode-explain.png",
  },
  review: {
    // edits.mode left at its default (review); the refactor streams slowly
    // enough for its preview to be seen.
    path: (bin) => [bin, ...process.env.PATH.split(":")].join(":"),
    settings: {
      "poe.edits.mode": undefined,
      "poe.botParameters": { FencedCodeBot: { answer: REVIEWED, chunk_size: 7, delay: 0.1 } },
    },
    interact: [
      { phase: "proposed", run: reviewInPage },
      { phase: "proposed-again", run: acceptAllInPage },
    ],
    phase: "settled",
    screenshot: "vscode-review-settled.png",
  },
  compare: {
    // A refactor compared on three bots; "Use this" clicked in the panel.
    path: (bin) => [bin, ...process.env.PATH.split(":")].join(":"),
    settings: compareSettings(),
    interact: [{ phase: "compared", run: useInPage }],
    phase: "used",
    screenshot: "vscode-compare-used.png",
  },
  followup: {
    // ConversationBot answers with the roles of the messages it received.
    path: (bin) => [bin, ...process.env.PATH.split(":")].join(":"),
    settings: { "poe.bot": "ConversationBot" },
    interact: [
      { phase: "explained", run: followUpInPanel },
      { phase: "asking", run: answerPromptBox },
    ],
    phase: "followed",
    screenshot: "vscode-followup.png",
  },
  restart: {
    // No poe-lsp on PATH: only the user's poe.server.command (a wrapper that
    // counts its starts) finds the server, and only the user's poe.baseUrl
    // (the recording proxy) reaches the fake Poe. Both must survive restarts.
    path: () =>
      process.env.PATH.split(":")
        .filter((d) => !fs.existsSync(path.join(d, "poe-lsp")))
        .join(":"),
    settings: (ctx, root) => ({
      "poe.server.command": [serverWrapper(root)],
      "poe.baseUrl": ctx.recorderUrl,
      "poe.botParameters": { ExplainBot: { answer: RESTART_MARKERS.ExplainBot } },
    }),
    interact: [{ phase: "choose-bot", run: typeBotName }],
    phase: "restarted",
    screenshot: "vscode-restart.png",
  },
  useractions: {
    // Two action files: the workspace's explains (EchoBot, allowed by the
    // user, so no consent question), the user's own edits (chosen in Poe: Run Action…).
    path: (bin) => [bin, ...process.env.PATH.split(":")].join(":"),
    settings: { "poe.allowedBots": ["OutOfPointsBot", "EchoBot"] },
    files: USER_ACTION_FILES,
    interact: [{ phase: "pick-action", run: pickAction }],
    phase: "actions-done",
    screenshot: "vscode-user-actions.png",
  },
  catalogue: catalogueSpec(serverWrapper),
  "no-server": {
    // No poe-lsp anywhere on PATH and no poe.server.command.
    path: () =>
      process.env.PATH.split(":")
        .filter((d) => !fs.existsSync(path.join(d, "poe-lsp")))
        .join(":"),
    settings: {},
    phase: "error-shown",
    screenshot: "vscode-no-server.png",
  },
};

async function webviewText(page, needle) {
  for (const frame of page.frames()) {
    try {
      const text = await frame.evaluate(() => (document.body ? document.body.innerText : ""));
      if (text.includes(needle)) return text;
    } catch {
      // detached or cross-origin frames: skip
    }
  }
  return "";
}

async function notificationText(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll(".notification-toast, .notifications-center .notification-list-item")]
      .map((n) => n.innerText)
      .join("\n"),
  );
}

async function runScenario(name, spec, ctx) {
  const started = Date.now();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), `poe-e2e-${name}-`));
  const dirs = Object.fromEntries(
    ["data", "extensions", "config", "workspace", "browser", "home"].map((d) => [d, path.join(root, d)]),
  );
  Object.values(dirs).forEach((d) => fs.mkdirSync(d, { recursive: true }));
  fs.writeFileSync(path.join(dirs.workspace, "inventory.py"), SAMPLE);
  for (const [relative, text] of Object.entries(spec.files || {})) {
    // Relative to the scenario's root: workspace/… or config/… (XDG_CONFIG_HOME).
    fs.mkdirSync(path.dirname(path.join(root, relative)), { recursive: true });
    fs.writeFileSync(path.join(root, relative), text);
  }
  // A repository's own settings may not choose the endpoint or the server
  // (machine scope): if these were honoured, every job would fail.
  fs.mkdirSync(path.join(dirs.workspace, ".vscode"));
  fs.writeFileSync(
    path.join(dirs.workspace, ".vscode/settings.json"),
    JSON.stringify({ "poe.baseUrl": "http://127.0.0.1:9/not-the-users-choice/", "poe.server.command": ["/bin/false"] }),
  );
  fs.mkdirSync(path.join(dirs.data, "User"), { recursive: true });
  fs.writeFileSync(
    path.join(dirs.data, "User/settings.json"),
    JSON.stringify(
      userSettings(ctx.baseUrl, typeof spec.settings === "function" ? spec.settings(ctx, root) : spec.settings),
      null,
      2,
    ),
  );
  for (const vsix of [ctx.vsix, ctx.driverVsix]) {
    run(CODE_SERVER, ["--user-data-dir", dirs.data, "--extensions-dir", dirs.extensions, "--install-extension", vsix], {
      env: { ...process.env, XDG_CONFIG_HOME: dirs.config },
    });
  }
  const resultBase = path.join(root, "driver");
  const port = await freePort();
  // VS Code gives the extension host the environment of a login shell
  // (`$SHELL -i -l -c env`), whose /etc/profile resets PATH: a fresh HOME
  // whose profile sets the scenario's PATH decides what the extension sees.
  const PATH = spec.path(path.dirname(PYTHON));
  for (const profile of [".bash_profile", ".profile"]) {
    fs.writeFileSync(path.join(dirs.home, profile), `export PATH=${JSON.stringify(PATH)}\n`);
  }
  const env = {
    ...process.env,
    HOME: dirs.home,
    SHELL: "/bin/bash",
    PATH,
    XDG_CONFIG_HOME: dirs.config,
    POE_E2E_RESULT: resultBase,
    POE_E2E_SCENARIO: name,
    POE_E2E_FAKE_POE: ctx.baseUrl,
    POE_E2E_SERVER_COMMAND: JSON.stringify([PYTHON, "-m", "poe_lsp"]),
    POE_E2E_SERVER_STARTS: path.join(root, "server-starts"),
  };
  delete env.POE_API_KEY;
  delete env.POE_LSP_BASE_URL;
  delete env.POE_LSP_OPENAI_BASE_URL;
  delete env.POE_LSP_USAGE_URL;
  const serverLog = fs.openSync(path.join(ARTIFACTS, `code-server-${name}.log`), "w");
  const cs = spawn(
    CODE_SERVER,
    ["--auth", "none", "--bind-addr", `127.0.0.1:${port}`, "--disable-telemetry", "--disable-update-check",
      "--disable-workspace-trust", "--user-data-dir", dirs.data, "--extensions-dir", dirs.extensions, dirs.workspace],
    { env, detached: true, stdio: ["ignore", serverLog, serverLog] },
  );
  const { default: puppeteer } = await import(createRequire(path.join(TOOLS, "x.js")).resolve("puppeteer-core"));
  let browser;
  const outcome = { name, ok: false, checks: {}, failures: [] };
  try {
    await waitFor("code-server to listen", async () => {
      try {
        return (await fetch(`http://127.0.0.1:${port}/healthz`)).ok;
      } catch {
        return false;
      }
    }, 30000);
    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", `--user-data-dir=${dirs.browser}`],
      defaultViewport: { width: 1440, height: 860 },
    });
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(dirs.workspace)}`);
    const phaseFile = `${resultBase}.${spec.phase}`;
    const resultFile = `${resultBase}.result`;
    for (const { phase, run: act } of spec.interact || []) {
      // The driver waits in a phase for the runner to act in the page as a user would.
      const phaseData = `${resultBase}.${phase}`;
      await waitFor(`the driver (phase ${phase})`, () => fs.existsSync(phaseData) || fs.existsSync(resultFile), 90000);
      if (fs.existsSync(resultFile)) break;
      await act(page, { outcome, resultBase, artifacts: ARTIFACTS, data: JSON.parse(fs.readFileSync(phaseData, "utf8")) });
      fs.writeFileSync(`${resultBase}.go-${phase}`, "");
    }
    await waitFor(`the driver (phase ${spec.phase})`, () => fs.existsSync(phaseFile) || fs.existsSync(resultFile), 90000);
    if (fs.existsSync(phaseFile)) {
      await sleep(700); // let the workbench paint the last update
      if (name === "main") {
        outcome.webviewText = await waitFor("the explanation in the webview", () => webviewText(page, "best-selling"), 10000).catch(() => "");
      } else if (name === "review" || name === "compare" || name === "followup" || name === "catalogue") {
        // Everything was seen in the earlier phases.
      } else if (name === "useractions") {
        outcome.webviewText = await waitFor("the action's answer in the webview", () => webviewText(page, "Shout the python code"), 10000).catch(() => "");
      } else if (name === "restart") {
        outcome.webviewText = await waitFor("the last explanation in the webview", () => webviewText(page, RESTART_MARKERS[TYPED_BOT]), 10000).catch(() => "");
        outcome.notificationText = await notificationText(page);
      } else {
        outcome.notificationText = await waitFor("the error notification", async () => {
          const t = await notificationText(page);
          return t.includes("poe-lsp") ? t : "";
        }, 10000).catch(() => "");
      }
      await page.screenshot({ path: path.join(ARTIFACTS, spec.screenshot) });
      if (name === "main") outcome.hoverText = await hoverStatusBar(page, path.join(ARTIFACTS, "vscode-cost.png"));
      fs.writeFileSync(`${resultBase}.go-${spec.phase}`, "");
    }
    await waitFor("the driver's result", () => fs.existsSync(resultFile), 60000);
    const driver = JSON.parse(fs.readFileSync(resultFile, "utf8"));
    outcome.recorded = ctx.recorder.requests.filter((r) => r.at >= started).map((r) => `${r.method} ${r.path}`);
    Object.assign(outcome, { driverOk: driver.ok, driverError: driver.error, checks: driver.checks, steps: driver.steps });
    if (!fs.existsSync(phaseFile)) await page.screenshot({ path: path.join(ARTIFACTS, spec.screenshot) });
  } catch (error) {
    outcome.failures.push(String(error.stack || error));
    const pages = browser ? await browser.pages() : [];
    if (pages.length) await pages[pages.length - 1].screenshot({ path: path.join(ARTIFACTS, `failed-${spec.screenshot}`) }).catch(() => {});
  } finally {
    if (browser) await browser.close().catch(() => {});
    try {
      process.kill(-cs.pid, "SIGTERM");
    } catch {}
    await sleep(300);
    try {
      process.kill(-cs.pid, "SIGKILL");
    } catch {}
    // VS Code's own logs (the extension host, the Poe output channel) explain a failure.
    const logs = path.join(ARTIFACTS, `logs-${name}`);
    fs.rmSync(logs, { recursive: true, force: true });
    if (fs.existsSync(path.join(dirs.data, "logs"))) fs.cpSync(path.join(dirs.data, "logs"), logs, { recursive: true });
    fs.rmSync(root, { recursive: true, force: true, maxRetries: 3 });
  }
  outcome.screenshot = path.join(ARTIFACTS, spec.screenshot);
  outcome.seconds = secs(started);
  return outcome;
}

function expect(outcome, label, condition) {
  if (!condition) outcome.failures.push(`check failed: ${label}`);
}

function judge(o) {
  const c = o.checks || {};
  expect(o, "the driver finished without error", o.driverOk === true);
  if (o.name === "main") {
    expect(o, "code actions name the bots", (c.codeActionTitles || []).includes("Refactor with FencedCodeBot"));
    expect(o, "refactor finished (workspace baseUrl and server.command ignored)", c.refactorStatus === "done");
    expect(o, "refactor changed the document", (c.documentAfterRefactor || "").includes("    return sum(prices)"));
    expect(o, "refactor replaced the loop", !(c.documentAfterRefactor || "").includes("result = result + p"));
    expect(o, "refactor left the rest alone", (c.documentAfterRefactor || "").includes("def top_products(orders, n):"));
    expect(o, "refactor put in code only", !(c.documentAfterRefactor || "").includes("```"));
    expect(o, "document finished", c.documentStatus === "done");
    expect(o, "document wrote the docstring into the function at the cursor, and nothing else",
      // After the refactor was undone: the docstring goes into the original text.
      c.documentAfterDocument === (c.documentAfterUndo || "").replace(
        "def top_products(orders, n):\n",
        `def top_products(orders, n):\n    """${DOCSTRING}"""\n`));
    expect(o, "status bar shows a spinner while a job runs", (c.statusWhileRunning || "").includes("loading~spin"));
    expect(o, "status bar names the running bot", (c.statusWhileRunning || "").includes("SlowBot"));
    expect(o, "Cancel cancelled the job", c.askStatus === "cancelled");
    expect(o, "status bar back to the bot after", (c.statusAfter || "").includes("ExplainBot"));
    expect(o, "lightbulb offers Explain with the bot", c.explainActionTitle === "Explain with ExplainBot");
    expect(o, "explanation finished", c.panelStatus === "done");
    expect(o, "panel title names the bot", (c.panelTitle || "").includes("ExplainBot"));
    expect(o, "panel holds the whole explanation", c.panelText === EXPLANATION);
    expect(o, "webview shows the rendered explanation", (o.webviewText || "").includes("Returns the n best-selling products by revenue"));
    expect(o, "webview shows the bot", (o.webviewText || "").includes("Explain · ExplainBot"));
    expect(o, "Markdown was rendered (no raw ### or **)", o.webviewText && !o.webviewText.includes("###") && !o.webviewText.includes("**"));
    const undo = o.streamUndo || {};
    expect(o, `one Ctrl+Z took the streamed refactor back (took ${undo.presses})`, undo.presses === 1 && undo.restored);
    expect(o, "a failing job ends failed", c.failedStatus === "failed" && (c.failedError || "").includes("out of points"));
    expect(o, "its failure was shown once", (c.failureShown || []).length === 1);
    judgeCost(o, c, (label, condition) => expect(o, label, condition));
  } else if (o.name === "review") {
    judgeReview(o, c, (label, condition) => expect(o, label, condition), SAMPLE);
  } else if (o.name === "compare") {
    judgeCompare(o, c, (label, condition) => expect(o, label, condition), SAMPLE);
  } else if (o.name === "useractions") {
    judgeUserActions(o, c);
  } else if (o.name === "restart") {
    judgeRestart(o, c);
  } else if (o.name === "followup") {
    judgeFollowUp(o, c, (label, condition) => expect(o, label, condition));
  } else if (o.name === "catalogue") {
    judgeCatalogue(o, c, (label, condition) => expect(o, label, condition));
  } else {
    expect(o, "the start error says poe-lsp was not found on PATH", (c.lastStartError || "").includes("not found on PATH"));
    expect(o, "the error says how to install it", (c.lastStartError || "").includes("pip install"));
    expect(o, "the error was shown once", (c.shownErrors || []).length === 1);
    expect(o, "the notification is on screen", (o.notificationText || "").includes("not found on PATH"));
    expect(o, "the notification has the Open Setting button", (o.notificationText || "").includes("Open Setting"));
    expect(o, "server restarted after poe.server.command changed", c.runningAfterSettingChange === true);
  }
  o.ok = o.failures.length === 0;
  return o;
}

function judgeUserActions(o, c) {
  expect(o, "the lightbulb offers the workspace's actions after the built-in ones",
    (c.codeActionTitles || []).includes("Shout with EchoBot") &&
    (c.codeActionTitles || []).indexOf("Explain with ExplainBot") < (c.codeActionTitles || []).indexOf("Shout with EchoBot"));
  expect(o, "the explain action finished", c.panelStatus === "done");
  expect(o, "the bot got the file's rendered template", c.panelText === `Shout the python code:\n${c.selection}`);
  expect(o, "the panel names the action", (c.panelTitle || "").includes("EchoBot"));
  expect(o, "the webview shows the answer", (o.webviewText || "").includes("Shout the python code"));
  expect(o, `the picked edit action finished (${c.editError || c.editStatus})`, c.editStatus === "done");
  expect(o, "the edit action rewrote the selection", (c.documentAfterEdit || "").includes(TYPED_ACTION_ANSWER) &&
    !(c.documentAfterEdit || "").includes("return ranked"));
  expect(o, "the rest of the file is unchanged", (c.documentAfterEdit || "").includes("def total(prices):"));
}

function judgeRestart(o, c) {
  const explains = c.explains || [];
  expect(o, "three explanations: before, after Restart Server, after Choose Bot", explains.length === 3);
  for (const e of explains) {
    expect(o, `explain ${e.when} finished (${e.error || e.status})`, e.status === "done");
    expect(o, `explain ${e.when} came from the configured endpoint`, (e.text || "").includes(RESTART_MARKERS[e.bot] || "?"));
  }
  expect(o, "Choose Bot took the typed name", c.chosenBot === TYPED_BOT);
  expect(o, "the typed bot answered the last one", (explains[2] || {}).bot === TYPED_BOT);
  const posts = (o.recorded || []).filter((r) => r.startsWith("POST /"));
  expect(o, "the configured endpoint got ExplainBot twice", posts.filter((r) => r === "POST /ExplainBot").length === 2);
  expect(o, `the configured endpoint got ${TYPED_BOT} once`, posts.filter((r) => r === `POST /${TYPED_BOT}`).length === 1);
  expect(o, "the configured server started at each restart", (c.serverStarts || 0) >= 3);
  expect(o, "no start error after the restarts", !c.lastStartError);
  expect(o, "no error was shown", (c.shownErrors || []).length === 0);
  expect(o, "no 'not found on PATH' on screen", !(o.notificationText || "").includes("not found on PATH"));
  expect(o, "the panel shows the last explanation", (o.webviewText || "").includes(RESTART_MARKERS[TYPED_BOT]));
}

async function main() {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  for (const [what, file] of [["code-server (run scripts/install-vscode-test.sh)", CODE_SERVER], ["Chromium", CHROMIUM]]) {
    if (!fs.existsSync(file)) throw new Error(`${what} is missing: ${file}`);
  }
  log("building the .vsix (npm run package)");
  run("npm", ["run", "--silent", "package"], { cwd: EXT });
  const vsce = path.join(EXT, "node_modules/.bin/vsce");
  const driverDir = path.join(HERE, "driver");
  const driverVsix = path.join(ARTIFACTS, "poe-lsp-e2e-driver.vsix");
  run(vsce, ["package", "--no-dependencies", "--skip-license", "--allow-missing-repository", "--out", driverVsix], { cwd: driverDir });
  const fake = startFakePoe();
  const baseUrl = await fake.url;
  log(`fake Poe at ${baseUrl}`);
  const recorder = startRecorder(baseUrl);
  const recorderUrl = await recorder.url;
  const ctx = { vsix: path.join(EXT, "poe-lsp.vsix"), driverVsix, baseUrl, recorder, recorderUrl };
  const scenarios = {};
  try {
    for (const [name, spec] of Object.entries(SCENARIOS)) {
      if (ONLY && ONLY !== name) continue;
      log(`scenario ${name}`);
      scenarios[name] = judge(await runScenario(name, spec, ctx));
      log(`scenario ${name}: ${scenarios[name].ok ? "ok" : "FAILED"} in ${scenarios[name].seconds}s`);
      for (const f of scenarios[name].failures) log(`  ${f}`);
    }
  } finally {
    fake.proc.kill();
    recorder.server.close();
  }
  const ok = Object.keys(scenarios).length > 0 && Object.values(scenarios).every((s) => s.ok);
  const result = { ok, seconds: secs(t0), codeServer: "4.100.3", scenarios };
  fs.writeFileSync(OUT, JSON.stringify(result, null, 2));
  log(`${ok ? "passed" : "FAILED"} in ${result.seconds}s; result in ${OUT}`);
  process.exit(ok ? 0 : 1);
}

main().catch((error) => {
  console.error(error);
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  fs.writeFileSync(OUT, JSON.stringify({ ok: false, error: String(error.stack || error), scenarios: {} }, null, 2));
  process.exit(1);
});
