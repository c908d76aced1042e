import assert from "node:assert/strict";
import { test } from "node:test";

import {
  type Host,
  resolveServerCommand,
  serverProcess,
  which,
} from "../../src/core/serverCommand";

function host(files: string[], PATH = "/usr/bin:/opt/venv/bin"): Host {
  return { env: { PATH }, platform: "linux", homedir: "/home/me", isExecutable: (f) => files.includes(f) };
}

test("without the setting, poe-lsp is found on PATH", () => {
  const r = resolveServerCommand(undefined, host(["/opt/venv/bin/poe-lsp"]));
  assert.deepEqual(r, { ok: true, server: { command: "/opt/venv/bin/poe-lsp", args: [] }, source: "path" });
});

test("an empty list means the default too", () => {
  const r = resolveServerCommand([], host(["/usr/bin/poe-lsp"]));
  assert.equal(r.ok && r.server.command, "/usr/bin/poe-lsp");
});

test("no poe-lsp on PATH: the message says how to install it and names the setting", () => {
  const r = resolveServerCommand(undefined, host([]));
  assert.equal(r.ok, false);
  assert.match(!r.ok ? r.message : "", /not found on PATH/);
  assert.match(!r.ok ? r.message : "", /pip install/);
  assert.match(!r.ok ? r.message : "", /poe\.server\.command/);
});

test("the setting's program is looked up on PATH and its arguments kept", () => {
  const r = resolveServerCommand(["python3", "-m", "poe_lsp"], host(["/usr/bin/python3"]));
  assert.deepEqual(r, {
    ok: true,
    server: { command: "/usr/bin/python3", args: ["-m", "poe_lsp"] },
    source: "setting",
  });
});

test("an absolute program in the setting must exist", () => {
  const r = resolveServerCommand(["/nowhere/poe-lsp"], host([]));
  assert.equal(r.ok, false);
  assert.match(!r.ok ? r.message : "", /"\/nowhere\/poe-lsp", which was not found/);
});

test("a setting that is not a list of strings is refused with an example", () => {
  for (const bad of ["poe-lsp", [1, 2], ["poe-lsp", ""]]) {
    const r = resolveServerCommand(bad, host(["/usr/bin/poe-lsp"]));
    assert.equal(r.ok, false, JSON.stringify(bad));
  }
});

test("~/ in the program is the home directory", () => {
  assert.equal(which("~/bin/poe-lsp", host(["/home/me/bin/poe-lsp"])), "/home/me/bin/poe-lsp");
});

test("Windows: PATHEXT and ; are honoured", () => {
  const h: Host = {
    env: { PATH: "C:\\py\\Scripts;C:\\other", PATHEXT: ".EXE;.CMD" },
    platform: "win32",
    homedir: "C:\\Users\\me",
    isExecutable: (f) => f.toLowerCase().endsWith("poe-lsp.exe") && f.includes("Scripts"),
  };
  assert.ok(which("poe-lsp", h)?.toLowerCase().endsWith("poe-lsp.exe"));
});

test("the key from secret storage reaches the server only in its environment", () => {
  const server = { command: "/opt/venv/bin/poe-lsp", args: ["--log-level", "debug"] };
  const env = { PATH: "/usr/bin", POE_API_KEY: "from-the-shell" };
  const { process, hasKey } = serverProcess(server, env, "secret-key-123");
  assert.equal(process.options.env.POE_API_KEY, "secret-key-123");
  assert.equal(process.options.env.PATH, "/usr/bin");
  assert.deepEqual([process.command, ...process.args], ["/opt/venv/bin/poe-lsp", "--log-level", "debug"]);
  assert.ok(!JSON.stringify(process.args).includes("secret-key-123"));
  assert.equal(env.POE_API_KEY, "from-the-shell", "the extension's own environment is not changed");
  assert.equal(hasKey, true);
});

test("without a stored key the environment's POE_API_KEY stays; with neither there is no key", () => {
  const server = { command: "/usr/bin/poe-lsp", args: [] };
  assert.equal(serverProcess(server, { POE_API_KEY: "env-key" }, undefined).process.options.env.POE_API_KEY, "env-key");
  assert.equal(serverProcess(server, { POE_API_KEY: "env-key" }, undefined).hasKey, true);
  assert.equal(serverProcess(server, {}, undefined).hasKey, false);
  assert.equal(serverProcess(server, {}, "").hasKey, false);
});
