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
  actions?: string[];
}

/** A quick pick item; `bot` is the name it chooses (none: it only explains). */
export interface BotPickItem {
  label: string;
  description?: string;
  detail?: string;
  alwaysShow?: boolean;
  bot?: string;
}

/**
 * The items for the text typed so far: the listed bots, then, when the text
 * is not one of them, the text itself, as a bot to choose if it is a valid
 * name, or as a line saying why not. It comes last so that Enter still picks
 * the first listed bot that matches, and alone when none does.
 */
export function botPickItems(
  listed: ListedBot[],
  current: string | undefined,
  typed: string,
): BotPickItem[] {
  const items: BotPickItem[] = listed.map((b) => ({
    label: b.name,
    description: b.name === current ? "default" : undefined,
    detail: (b.actions ?? []).length > 0 ? `used for ${(b.actions ?? []).join(", ")}` : "allowed",
    bot: b.name,
  }));
  const name = typed.trim();
  if (name === "" || listed.some((b) => b.name === name)) {
    return items;
  }
  if (isBotName(name)) {
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
