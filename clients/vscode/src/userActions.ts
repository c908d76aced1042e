/**
 * "Poe: Run Action…": a quick pick over the user-defined actions the server
 * offers for the active document (`poe.listActions`), run with `poe.run`.
 * The same actions are in the lightbulb as "<title> with <bot>".
 */
import * as vscode from "vscode";

import type { Commands } from "./commands";
import type { JobTracker } from "./core/jobs";
import { actionPickItems, findAction, type ListedAction } from "./core/userActions";
import type { StreamPanel } from "./panel";

export class UserActions {
  constructor(
    private readonly commands: Commands,
    private readonly jobs: JobTracker,
    private readonly panel: StreamPanel,
  ) {}

  register(): vscode.Disposable[] {
    return [
      vscode.commands.registerCommand("poe.runAction", (arg?: { name?: string; instruction?: string }) =>
        this.run(arg),
      ),
    ];
  }

  /** Pick an action (or run the one `arg.name` names) on the selection; its job id. */
  async run(arg?: { name?: string; instruction?: string }): Promise<string | undefined> {
    const editor = vscode.window.activeTextEditor;
    if (editor === undefined || editor.selection.isEmpty) {
      void vscode.window.showInformationMessage("Poe: select some code first.");
      return undefined;
    }
    const where = this.commands.where(editor);
    const listed = await this.commands.send<ListedAction[]>("poe.listActions", { uri: where.uri });
    if (listed === undefined) {
      return undefined;
    }
    let action = findAction(listed, arg?.name);
    if (action === undefined) {
      if (listed.length === 0) {
        void vscode.window.showInformationMessage(
          "Poe: no actions of your own for this language. Add Markdown files to ~/.config/poe-lsp/actions/ or the workspace's .poe/actions/ (see the README).",
        );
        return undefined;
      }
      const pick = await vscode.window.showQuickPick(actionPickItems(listed), {
        title: "Poe: Run Action",
        placeHolder: "Your own actions (.poe/actions and ~/.config/poe-lsp/actions)",
        matchOnDescription: true,
      });
      if (pick === undefined) {
        return undefined;
      }
      action = pick.action;
    }
    const answer = await this.commands.send<{ jobId: string }>("poe.run", {
      ...where,
      name: action.name,
      ...(arg?.instruction ? { instruction: arg.instruction } : {}),
    });
    if (answer !== undefined) {
      this.jobs.declareOutput(answer.jobId, action.output);
      if (action.output === "explain") {
        this.panel.show(answer.jobId);
      }
    }
    return answer?.jobId;
  }
}
