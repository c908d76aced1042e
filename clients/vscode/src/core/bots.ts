/**
 * Choose Bot's quick pick: the bots the server lists, and whatever name the
 * user types as a choice of its own, so a bot missing from the list can be
 * picked by typing its name and pressing Enter. Plain data (unit-tested).
 */

import { BOT_NAME_RULE, isBotName } from "./botName";

// The one rule (core/botName.ts), re-exported for the picker's callers.
export { BOT_NAME, BOT_NAME_RULE, isBotName } from "./botName";

/** One entry of `poe.listBots` (contract §4), as far as the picker needs it. */
export interface ListedBot {
  name: string;
  description?: string;
  ownedBy?: string;
  outputModalities?: string[];
  actions?: string[];
  /** Named by the settings; an entry without the field (an older server) counts as so. */
  configured?: boolean;
}

/** A quick pick item; `bot` is the name it chooses (none: it only explains). */
export interface BotPickItem {
  label: string;
  description?: string;
  detail?: string;
  alwaysShow?: boolean;
  bot?: string;
  /** A separator line between groups (QuickPickItemKind.Separator in VS Code). */
  separator?: boolean;
  /** The item that asks for an action first, then a bot for that action alone. */
  forAction?: boolean;
}

/** The actions a bot can be chosen for, as the settings name them (`poe.actions.<action>.bot`). */
export const ACTIONS = ["explain", "refactor", "document", "fix", "ask"] as const;
export type Action = (typeof ACTIONS)[number];

/**
 * Whether the bot's answers include text. Every action writes text, so a bot
 * the catalogue says answers only images (or audio, video) is not offered;
 * an entry that does not say is.
 */
export function writesText(bot: ListedBot): boolean {
  const outputs = bot.outputModalities ?? [];
  return outputs.length === 0 || outputs.includes("text");
}

function listedItem(b: ListedBot, current: string | undefined): BotPickItem {
  const configured = b.configured !== false;
  const actions = b.actions ?? [];
  const usage = actions.length > 0 ? `used for ${actions.join(", ")}` : "allowed";
  const description = [b.name === current ? "default" : undefined, b.ownedBy]
    .filter((part) => part)
    .join(" · ");
  let detail: string | undefined = b.description;
  if (configured) {
    detail = b.description ? `${usage} — ${b.description}` : usage;
  }
  return { label: b.name, description: description || undefined, detail, bot: b.name };
}

/**
 * The items for the text typed so far: the bots the settings name, then the
 * rest of Poe's catalogue (each group under a separator when there are both),
 * only bots whose answers include text; then, when no listed bot's name,
 * owner or description holds the typed text, the text itself, as a bot to
 * choose if it is a valid name, or as a line saying why not. With `offerForAction`
 * and nothing typed, the first item asks for an action first.
 */
export function botPickItems(
  listed: ListedBot[],
  current: string | undefined,
  typed: string,
  offerForAction = false,
): BotPickItem[] {
  const usable = listed.filter(writesText);
  const mine = usable.filter((b) => b.configured !== false);
  const catalogue = usable.filter((b) => b.configured === false);
  const items: BotPickItem[] = [];
  const name = typed.trim();
  if (offerForAction && name === "") {
    items.push({
      label: "$(list-selection) For one action…",
      detail: "Choose a bot for explain, refactor, document, fix or ask alone",
      forAction: true,
    });
  }
  const grouped = catalogue.length > 0;
  if (grouped && mine.length > 0) {
    items.push({ label: "Your settings", separator: true });
  }
  items.push(...mine.map((b) => listedItem(b, current)));
  if (grouped) {
    items.push({ label: "Poe's catalogue", separator: true });
  }
  items.push(...catalogue.map((b) => listedItem(b, current)));
  // Text that a listed bot's name, owner or description holds is a search, not
  // a name: VS Code would sort the typed item first and Enter would take it.
  const needle = name.toLowerCase();
  const found = items.some(
    (i) =>
      !i.separator &&
      !i.forAction &&
      [i.label, i.description, i.detail].some((f) => f?.toLowerCase().includes(needle)),
  );
  if (name === "" || found) {
    return items;
  }
  const imageOnly = listed.find((b) => b.name === name);
  if (imageOnly !== undefined) {
    items.push({
      label: `$(warning) ${name} answers with ${(imageOnly.outputModalities ?? []).join(", ")} only`,
      detail: "Every Poe action needs a bot whose answers include text",
      alwaysShow: true,
    });
  } else if (isBotName(name)) {
    items.push({
      label: name,
      description: "not in the list",
      detail: `Use the bot named ${name} on Poe (poe.com/${name})`,
      alwaysShow: true,
      bot: name,
    });
  } else {
    items.push({
      label: `$(warning) "${name}" is not a bot name`,
      detail: BOT_NAME_RULE,
      alwaysShow: true,
    });
  }
  return items;
}

/**
 * The bot an Enter chooses: the highlighted item's, or, when the list shows
 * nothing highlighted, the typed name if it is valid.
 */
export function acceptedBot(active: BotPickItem | undefined, typed: string): string | undefined {
  if (active !== undefined) {
    return active.bot;
  }
  const name = typed.trim();
  return isBotName(name) ? name : undefined;
}
