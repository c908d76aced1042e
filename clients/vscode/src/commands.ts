/** The palette / context-menu commands. Each sends one `poe.*` command to the server. */
import * as vscode from "vscode";
import { ExecuteCommandRequest } from "vscode-languageclient/node";

import { pickBot, settingFor } from "./botPicker";
import { ACTIONS, type Action, BOT_NAME_RULE, isBotName, type ListedBot } from "./core/bots";
import type { JobTracker } from "./core/jobs";
import { withDefinitions } from "./context";
import type { StreamPanel } from "./panel";
import { API_KEY_SECRET, type ErrorReporter, type ServerManager } from "./server";

export class Commands {
  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly server: ServerManager,
    private readonly jobs: JobTracker,
    private readonly panel: StreamPanel,
    private readonly log: vscode.LogOutputChannel,
    private readonly reportError: ErrorReporter,
  ) {}

  register(): vscode.Disposable[] {
    const r = (id: string, fn: (...args: never[]) => unknown): vscode.Disposable =>
      vscode.commands.registerCommand(id, fn);
    return [
      r("poe.explainSelection", () => this.explain()),
      r("poe.refactorSelection", (arg?: { instruction?: string }) => this.refactor(arg)),
      r("poe.generateDocumentation", () => this.document()),
      r("poe.fixWithPoe", () => this.fix()),
      r("poe.askPoe", (arg?: { prompt?: string; output?: "explain" | "edit" }) => this.ask(arg)),
      r("poe.chooseBot", (arg?: { bot?: string; action?: string }) => this.chooseBot(arg)),
      r("poe.cancelJobs", (arg?: { jobId?: string }) => this.cancel(arg?.jobId)),
      r("poe.restartServer", () => this.server.restart()),
      r("poe.setApiKey", (arg?: { key?: string }) => this.setApiKey(arg)),
      r("poe.clearApiKey", () => this.clearApiKey()),
      r("poe.showLog", () => this.log.show()),
    ];
  }

  /** Sends `workspace/executeCommand`; shows the server's sentence when it refuses. */
  async send<T>(command: string, argument: object): Promise<T | undefined> {
    const client = this.server.client;
    if (client === undefined || !client.isRunning()) {
      const why = this.server.lastStartError ?? "The poe-lsp server is not running.";
      void this.reportError(`${why} Use 'Poe: Restart Server' once it is fixed.`);
      return undefined;
    }
    try {
      const withContext = await withDefinitions(command, argument, client);
      return (await client.sendRequest(ExecuteCommandRequest.type, {
        command,
        arguments: [withContext],
      })) as T;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.log.warn(`${command} refused: ${message}`);
      void this.reportError(message);
      return undefined;
    }
  }

  editor(needSelection: boolean): vscode.TextEditor | undefined {
    const editor = vscode.window.activeTextEditor;
    if (editor === undefined) {
      void vscode.window.showInformationMessage("Poe: open a file and select some code first.");
      return undefined;
    }
    if (needSelection && editor.selection.isEmpty) {
      void vscode.window.showInformationMessage("Poe: select some code first.");
      return undefined;
    }
    return editor;
  }

  /** The editor's document and selection, as the server takes them. */
  where(editor: vscode.TextEditor): { uri: string; range: object } {
    const client = this.server.client;
    const c2p = client?.code2ProtocolConverter;
    return {
      uri: c2p ? c2p.asUri(editor.document.uri) : editor.document.uri.toString(),
      range: c2p ? c2p.asRange(editor.selection) : editor.selection,
    };
  }

  async explain(): Promise<string | undefined> {
    const editor = this.editor(true);
    if (editor === undefined) {
      return undefined;
    }
    const answer = await this.send<{ jobId: string }>("poe.explain", this.where(editor));
    if (answer !== undefined) {
      this.jobs.declareOutput(answer.jobId, "explain");
      this.panel.show(answer.jobId);
    }
    return answer?.jobId;
  }

  async refactor(arg?: { instruction?: string }): Promise<string | undefined> {
    const editor = this.editor(true);
    if (editor === undefined) {
      return undefined;
    }
    const instruction =
      arg?.instruction ??
      (await vscode.window.showInputBox({
        title: "Poe: Refactor Selection",
        prompt: "How should the selection change? (leave empty for a general clean-up)",
        placeHolder: "e.g. use a dict comprehension; add type hints",
      }));
    if (instruction === undefined) {
      return undefined;
    }
    const answer = await this.send<{ jobId: string }>("poe.refactor", {
      ...this.where(editor),
      ...(instruction.trim() ? { instruction } : {}),
    });
    return answer?.jobId;
  }

  async document(): Promise<string | undefined> {
    const editor = this.editor(false);
    if (editor === undefined) {
      return undefined;
    }
    const where = this.where(editor);
    const c2p = this.server.client?.code2ProtocolConverter;
    const argument = editor.selection.isEmpty
      ? { uri: where.uri, position: c2p ? c2p.asPosition(editor.selection.active) : editor.selection.active }
      : where;
    const answer = await this.send<{ jobId: string }>("poe.document", argument);
    return answer?.jobId;
  }

  async fix(): Promise<string | undefined> {
    const editor = this.editor(false);
    const client = this.server.client;
    if (editor === undefined) {
      return undefined;
    }
    const selection = editor.selection;
    const all = vscode.languages.getDiagnostics(editor.document.uri);
    const here = all.filter((d) =>
      selection.isEmpty
        ? d.range.start.line <= selection.active.line && selection.active.line <= d.range.end.line
        : d.range.intersection(selection) !== undefined,
    );
    if (here.length === 0) {
      void vscode.window.showInformationMessage("Poe: there are no problems here to fix.");
      return undefined;
    }
    let range: vscode.Range = selection;
    if (selection.isEmpty) {
      const start = Math.min(...here.map((d) => d.range.start.line));
      const end = Math.max(...here.map((d) => d.range.end.line));
      range = new vscode.Range(start, 0, end, editor.document.lineAt(end).text.length);
    }
    const c2p = client?.code2ProtocolConverter;
    const answer = await this.send<{ jobId: string }>("poe.fix", {
      uri: this.where(editor).uri,
      range: c2p ? c2p.asRange(range) : range,
      diagnostics: c2p ? await c2p.asDiagnostics(here) : [],
    });
    return answer?.jobId;
  }

  async ask(arg?: { prompt?: string; output?: "explain" | "edit" }): Promise<string | undefined> {
    const editor = this.editor(false);
    if (editor === undefined) {
      return undefined;
    }
    const prompt =
      arg?.prompt ??
      (await vscode.window.showInputBox({
        title: "Poe: Ask Poe",
        prompt: editor.selection.isEmpty
          ? "Your question about this file"
          : "Your question or instruction about the selection",
      }));
    if (!prompt?.trim()) {
      return undefined;
    }
    let output = arg?.output ?? "explain";
    if (arg?.output === undefined && !editor.selection.isEmpty) {
      const pick = await vscode.window.showQuickPick(
        [
          { label: "$(book) Answer in the Poe panel", output: "explain" as const },
          { label: "$(edit) Rewrite the selection", output: "edit" as const },
        ],
        { title: "Poe: Ask Poe", placeHolder: "Where should the answer go?" },
      );
      if (pick === undefined) {
        return undefined;
      }
      output = pick.output;
    }
    const where = this.where(editor);
    const answer = await this.send<{ jobId: string }>("poe.ask", {
      uri: where.uri,
      ...(editor.selection.isEmpty ? {} : { range: where.range }),
      prompt,
      output,
    });
    if (answer !== undefined) {
      this.jobs.declareOutput(answer.jobId, output);
      if (output === "explain") {
        this.panel.show(answer.jobId);
      }
    }
    return answer?.jobId;
  }

  async chooseBot(arg?: { bot?: string; action?: string }): Promise<string | undefined> {
    const given = arg?.action;
    if (given !== undefined && !(ACTIONS as readonly string[]).includes(given)) {
      void this.reportError(`"${given}" is not an action: ${ACTIONS.join(", ")}.`);
      return undefined;
    }
    const action = given as Action | undefined;
    const listed = this.server.running
      ? this.send<ListedBot[]>("poe.listBots", {}).then((answer) => answer ?? [])
      : Promise.resolve([]);
    const choice = arg?.bot !== undefined ? { bot: arg.bot, action } : await pickBot(listed, action);
    if (!choice) {
      return undefined;
    }
    if (!isBotName(choice.bot)) {
      void this.reportError(`"${choice.bot}" is not a bot name. ${BOT_NAME_RULE}`);
      return undefined;
    }
    // User settings: a bot the user chose needs no further consent (contract §6).
    await vscode.workspace
      .getConfiguration("poe")
      .update(settingFor(choice.action), choice.bot, vscode.ConfigurationTarget.Global);
    return choice.bot;
  }

  async cancel(jobId?: string): Promise<void> {
    if (!this.server.running) {
      return;
    }
    await this.send("poe.cancel", jobId ? { jobId } : {});
  }

  private async setApiKey(arg?: { key?: string }): Promise<void> {
    const key =
      arg?.key ??
      (await vscode.window.showInputBox({
        title: "Poe: Set API Key",
        prompt: "Your Poe API key from https://poe.com/api_key (kept in VS Code's secret storage)",
        password: true,
        ignoreFocusOut: true,
      }));
    if (!key?.trim()) {
      return;
    }
    await this.context.secrets.store(API_KEY_SECRET, key.trim());
    void vscode.window.showInformationMessage("Poe: API key saved; restarting the server.");
    await this.server.restart();
  }

  private async clearApiKey(): Promise<void> {
    await this.context.secrets.delete(API_KEY_SECRET);
    void vscode.window.showInformationMessage(
      "Poe: API key removed from secret storage; POE_API_KEY from the environment is used if set.",
    );
    await this.server.restart();
  }
}
