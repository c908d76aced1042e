/**
 * "Poe: Choose Bot": a quick pick over `poe.listBots` (Poe's catalogue merged
 * with the bots the settings name), filterable by name, owner and
 * description; a typed name that is not listed can be chosen too. The choice
 * is written to the user's settings (`poe.bot`, or `poe.actions.<action>.bot`
 * when chosen for one action), which need no further consent (contract §6).
 * The item logic is plain data in core/bots.ts (unit-tested).
 */
import * as vscode from "vscode";

import {
  ACTIONS,
  type Action,
  acceptedBot,
  type BotPickItem,
  botPickItems,
  type ListedBot,
} from "./core/bots";

type Item = BotPickItem & vscode.QuickPickItem;

/** What the user picked: a bot, for every action or for one. */
export interface BotChoice {
  bot: string;
  action?: Action;
}

function toQuickPick(items: BotPickItem[]): Item[] {
  return items.map((item) =>
    item.separator ? { ...item, kind: vscode.QuickPickItemKind.Separator } : item,
  );
}

/** The setting a choice writes: `bot`, or `actions.<action>.bot`. */
export function settingFor(action: Action | undefined): string {
  return action === undefined ? "bot" : `actions.${action}.bot`;
}

/** Ask which action a bot is chosen for. */
async function pickAction(): Promise<Action | undefined> {
  const config = vscode.workspace.getConfiguration("poe");
  const picked = await vscode.window.showQuickPick(
    ACTIONS.map((action) => ({
      label: action,
      description: config.get<string | null>(settingFor(action)) ?? "the default bot",
      action,
    })),
    { title: "Poe: Choose Bot for one action", placeHolder: "Which action?" },
  );
  return picked?.action;
}

/**
 * Show the picker; `listed` is what `poe.listBots` answered (loaded while the
 * picker already shows, so it opens at once). Resolves to the choice, or
 * undefined when dismissed.
 */
export async function pickBot(
  listed: Promise<ListedBot[]>,
  action?: Action,
): Promise<BotChoice | undefined> {
  const config = vscode.workspace.getConfiguration("poe");
  const current = config.get<string | null>(settingFor(action)) ?? config.get<string>("bot");
  const pick = vscode.window.createQuickPick<Item>();
  pick.title = action === undefined ? "Poe: Choose Bot" : `Poe: Choose Bot for ${action}`;
  pick.placeholder = `Pick or type a bot's name (now ${current ?? "GPT-5"})`;
  pick.matchOnDescription = true;
  pick.matchOnDetail = true;
  let bots: ListedBot[] = [];
  const offerForAction = action === undefined;
  const refresh = (): void => {
    pick.items = toQuickPick(botPickItems(bots, current, pick.value, offerForAction));
  };
  pick.busy = true;
  refresh();
  void listed.then(
    (answer) => {
      bots = answer;
      pick.busy = false;
      refresh();
    },
    () => {
      pick.busy = false;
    },
  );
  const chosen = await new Promise<Item | string | undefined>((resolve) => {
    pick.onDidChangeValue(refresh);
    pick.onDidAccept(() => {
      const active = pick.activeItems[0];
      if (active?.forAction) {
        resolve(active);
        pick.hide();
        return;
      }
      const bot = acceptedBot(active, pick.value);
      // An item that only says why the text cannot be chosen keeps the pick open.
      if (bot !== undefined) {
        resolve(bot);
        pick.hide();
      }
    });
    pick.onDidHide(() => {
      resolve(undefined);
      pick.dispose();
    });
    pick.show();
  });
  if (typeof chosen === "string") {
    return { bot: chosen, action };
  }
  if (chosen?.forAction) {
    const forAction = await pickAction();
    return forAction === undefined ? undefined : pickBot(listed, forAction);
  }
  return undefined;
}
