/**
 * "Poe: Run Action…": the user-defined actions the server lists
 * (`poe.listActions`), as quick pick items. Plain data (unit-tested).
 */

/** One entry of `poe.listActions`, as far as the picker needs it. */
export interface ListedAction {
  name: string;
  title: string;
  bot: string;
  output: "explain" | "edit";
  source: "user" | "workspace";
  path?: string;
}

/** A quick pick item; `action` is the action it runs. */
export interface ActionPickItem {
  label: string;
  description: string;
  detail?: string;
  action: ListedAction;
}

/** The title reads as in the lightbulb ("<title> with <bot>"); the description
 * says where the answer goes and whose file it is. */
export function actionPickItems(listed: ListedAction[]): ActionPickItem[] {
  return listed.map((action) => ({
    label: `${action.title} with ${action.bot}`,
    description: `${action.name} · ${action.output === "edit" ? "rewrites the selection" : "explains"}${
      action.source === "workspace" ? " · from this workspace" : ""
    }`,
    detail: action.path,
    action,
  }));
}

/** The action a command argument names, if the server lists it. */
export function findAction(listed: ListedAction[], name: string | undefined): ListedAction | undefined {
  return name === undefined ? undefined : listed.find((a) => a.name === name);
}
