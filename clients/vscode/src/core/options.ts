/**
 * What the extension tells the server at start-up, and what a workspace may
 * tell it later. Plain data in, plain data out (unit-tested).
 *
 * Contract §2 and §6: the API key, the endpoints and the allowed bots come
 * only from the user (never from a repository's .vscode/settings.json), and a
 * bot named in `initializationOptions` needs no consent. So only the user's
 * own (global) values go there.
 *
 * The same holds for the settings that make a job cost more (COST_SETTINGS):
 * the server asks before applying a value that only `workspace/configuration`
 * raises. VS Code answers that request with user and workspace values merged,
 * so the user's own values must reach the server here, or the user's own
 * setting would be asked about as if a repository had set it.
 */

import { isBotName } from "./botName";

export const ACTIONS = ["explain", "refactor", "document", "fix", "ask"] as const;
export type Action = (typeof ACTIONS)[number];

/**
 * Settings that raise what a job costs (server/poe_lsp/cost.py): the user's own
 * values go into `initializationOptions`, and package.json lists them in
 * `restrictedConfigurations` so that an untrusted workspace cannot set them.
 */
export const COST_SETTINGS = [
  "botParameters",
  "context.maxChars",
  "context.linesBefore",
  "context.linesAfter",
  "context.attachFile",
  "answer.maxChars",
] as const;
export type CostSetting = (typeof COST_SETTINGS)[number];

/** The user's own values, as `inspect(key).globalValue` reports them. */
export interface UserValues {
  bot?: unknown;
  actionBots: Partial<Record<Action, unknown>>;
  allowedBots?: unknown;
  baseUrl?: unknown;
  uploadUrl?: unknown;
  transport?: unknown;
  openaiBaseUrl?: unknown;
  usageUrl?: unknown;
  /** `budget.maxPointsPerDay`: the user's own only (a workspace can neither set nor lift it). */
  maxPointsPerDay?: unknown;
  /** The user's own values of COST_SETTINGS (dotted keys). */
  costs?: Partial<Record<CostSetting, unknown>>;
}

function nonEmptyString(value: unknown): value is string {
  return typeof value === "string" && value.trim().length > 0;
}

/** `initializationOptions` for the server: only what the user set themselves. */
export function initializationOptions(user: UserValues): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  if (isBotName(user.bot)) {
    options.bot = user.bot;
  }
  const actions: Record<string, { bot: string }> = {};
  for (const action of ACTIONS) {
    const bot = user.actionBots[action];
    if (isBotName(bot)) {
      actions[action] = { bot };
    }
  }
  if (Object.keys(actions).length > 0) {
    options.actions = actions;
  }
  if (Array.isArray(user.allowedBots)) {
    const bots = user.allowedBots.filter(isBotName);
    if (bots.length > 0) {
      options.allowedBots = bots;
    }
  }
  if (nonEmptyString(user.baseUrl)) {
    options.baseUrl = user.baseUrl;
  }
  if (nonEmptyString(user.uploadUrl)) {
    options.uploadUrl = user.uploadUrl;
  }
  if (user.transport === "poe" || user.transport === "openai") {
    options.transport = user.transport;
  }
  if (nonEmptyString(user.openaiBaseUrl)) {
    options.openaiBaseUrl = user.openaiBaseUrl;
  }
  if (nonEmptyString(user.usageUrl)) {
    options.usageUrl = user.usageUrl;
  }
  if (typeof user.maxPointsPerDay === "number" && user.maxPointsPerDay >= 0) {
    options.budget = { maxPointsPerDay: user.maxPointsPerDay };
  }
  for (const key of COST_SETTINGS) {
    const value = user.costs?.[key];
    if (value !== undefined && value !== null) {
      // Dotted keys: the server reads `{"context.maxChars": 8000}` like the nested form.
      options[key] = value;
    }
  }
  return options;
}

/** Whether the server must restart to learn the user's own values (they changed). */
export function userOptionsChanged(
  before: Record<string, unknown> | undefined,
  after: Record<string, unknown>,
): boolean {
  return before !== undefined && JSON.stringify(before) !== JSON.stringify(after);
}

/** Keys of the `poe` section that only the extension itself uses, or only the user may set. */
const NOT_FOR_WORKSPACE_CONFIGURATION = [
  "apiKey",
  "baseUrl",
  "uploadUrl",
  "transport",
  "openaiBaseUrl",
  "usageUrl",
  "allowedBots",
  "server",
  "trace",
];

/**
 * The `poe` section as the server may see it through `workspace/configuration`:
 * without the keys it must never take from there (it would ignore them, but
 * need not see them at all).
 */
export function workspaceSection(section: unknown): unknown {
  if (section === null || typeof section !== "object" || Array.isArray(section)) {
    return section;
  }
  const copy: Record<string, unknown> = { ...(section as Record<string, unknown>) };
  for (const key of NOT_FOR_WORKSPACE_CONFIGURATION) {
    delete copy[key];
  }
  const budget = copy.budget;
  if (budget !== null && typeof budget === "object" && !Array.isArray(budget)) {
    const { maxPointsPerDay: _userOnly, ...rest } = budget as Record<string, unknown>;
    copy.budget = rest;
  }
  return copy;
}

/** Settings that reach the server only when it starts: changing one restarts it. */
export const RESTART_SETTINGS: readonly string[] = [
  "poe.server.command",
  "poe.baseUrl",
  "poe.uploadUrl",
  "poe.transport",
  "poe.openaiBaseUrl",
  "poe.usageUrl",
  "poe.budget.maxPointsPerDay",
  "poe.allowedBots",
  "poe.bot",
  ...ACTIONS.map((action) => `poe.actions.${action}.bot`),
];

/** Whether a configuration change needs a server restart. */
export function needsRestart(affects: (section: string) => boolean): boolean {
  return RESTART_SETTINGS.some((key) => affects(key));
}

export type EditsMode = "review" | "stream" | "final";

/**
 * `edits.mode` as the server reads it (contract §3): `review` by default,
 * and for the retired `confirm` or anything it does not know.
 */
export function editsMode(value: unknown): EditsMode {
  return value === "stream" || value === "final" ? value : "review";
}
