/**
 * Finding the poe-lsp executable: the `poe.server.command` setting (a list,
 * program first) or `poe-lsp` on PATH. Plain Node, no `vscode` import, so
 * the rules are unit-tested directly.
 */
import * as fs from "node:fs";
import * as path from "node:path";

export interface ServerCommand {
  command: string;
  args: string[];
}

export type Resolution =
  | { ok: true; server: ServerCommand; source: "setting" | "path" }
  | { ok: false; message: string };

export const DEFAULT_PROGRAM = "poe-lsp";

export const INSTALL_HINT =
  "Install it with `pip install .` in a poe-lsp checkout (into an environment whose bin/ " +
  "is on PATH, e.g. `pipx install ./poe-lsp`), or set poe.server.command to its full path, " +
  'e.g. ["/path/to/venv/bin/poe-lsp"].';

export interface Host {
  env: Record<string, string | undefined>;
  platform: NodeJS.Platform;
  isExecutable(file: string): boolean;
  homedir: string;
}

export function nodeHost(): Host {
  return {
    env: process.env,
    platform: process.platform,
    homedir: process.env.HOME ?? process.env.USERPROFILE ?? "",
    isExecutable(file: string): boolean {
      try {
        const stat = fs.statSync(file);
        if (!stat.isFile()) {
          return false;
        }
        if (process.platform === "win32") {
          return true;
        }
        fs.accessSync(file, fs.constants.X_OK);
        return true;
      } catch {
        return false;
      }
    },
  };
}

/** Where `program` is found: itself when it contains a path separator, else the first PATH hit. */
export function which(program: string, host: Host): string | undefined {
  const expanded = program.startsWith("~/") ? path.join(host.homedir, program.slice(2)) : program;
  const sep = host.platform === "win32" ? /[\\/]/ : /\//;
  const exts =
    host.platform === "win32"
      ? ["", ...(host.env.PATHEXT ?? ".EXE;.CMD;.BAT").split(";").map((e) => e.toLowerCase())]
      : [""];
  if (sep.test(expanded)) {
    return exts.map((e) => expanded + e).find((f) => host.isExecutable(f));
  }
  const dirs = (host.env.PATH ?? host.env.Path ?? "")
    .split(host.platform === "win32" ? ";" : ":")
    .filter((d) => d.length > 0);
  for (const dir of dirs) {
    for (const ext of exts) {
      const candidate = path.join(dir, expanded + ext);
      if (host.isExecutable(candidate)) {
        return candidate;
      }
    }
  }
  return undefined;
}

/** The command that starts the server, or the sentence that says why there is none. */
export function resolveServerCommand(setting: unknown, host: Host): Resolution {
  const given = Array.isArray(setting) && setting.length > 0;
  if (setting !== undefined && setting !== null && !Array.isArray(setting)) {
    return {
      ok: false,
      message:
        'The setting poe.server.command must be a list of strings such as ["poe-lsp"] or ' +
        '["/path/to/python", "-m", "poe_lsp"].',
    };
  }
  if (given) {
    const list = setting as unknown[];
    if (!list.every((part) => typeof part === "string" && part.length > 0)) {
      return {
        ok: false,
        message:
          "The setting poe.server.command must be a list of non-empty strings, program first.",
      };
    }
    const [program, ...args] = list as string[];
    const found = which(program, host);
    if (found === undefined) {
      return {
        ok: false,
        message: `The poe-lsp language server could not be started: poe.server.command names "${program}", which was not found. ${INSTALL_HINT}`,
      };
    }
    return { ok: true, server: { command: found, args }, source: "setting" };
  }
  const found = which(DEFAULT_PROGRAM, host);
  if (found === undefined) {
    return {
      ok: false,
      message: `The poe-lsp language server was not found on PATH. ${INSTALL_HINT}`,
    };
  }
  return { ok: true, server: { command: found, args: [] }, source: "path" };
}

/** How the server process is spawned (a `vscode-languageclient` Executable). */
export interface ServerProcess {
  command: string;
  args: string[];
  // No `transport`: stdio is the default, and TransportKind.stdio would add `--stdio`.
  options: { env: Record<string, string | undefined> };
}

/**
 * The server's process: its command, and the extension's environment with
 * the key from secret storage as POE_API_KEY. The key goes only there, never
 * into the arguments, the settings or the initialize request (which the
 * client's trace would log); without one, POE_API_KEY from the environment
 * stays. `hasKey` says whether the server gets a key at all.
 */
export function serverProcess(
  server: ServerCommand,
  env: Record<string, string | undefined>,
  secretKey: string | undefined,
): { process: ServerProcess; hasKey: boolean } {
  const childEnv: Record<string, string | undefined> = { ...env };
  if (secretKey) {
    childEnv.POE_API_KEY = secretKey;
  }
  return {
    process: { command: server.command, args: [...server.args], options: { env: childEnv } },
    hasKey: Boolean(childEnv.POE_API_KEY),
  };
}
