/**
 * The language client: finds poe-lsp, starts it with the user's own settings,
 * restarts it (debounced) when a start-up setting or the API key changes.
 */
import * as vscode from "vscode";
import {
  ApplyWorkspaceEditRequest,
  type ClientCapabilities,
  type FeatureState,
  LanguageClient,
  type LanguageClientOptions,
  type StaticFeature,
} from "vscode-languageclient/node";

import { Debouncer } from "./core/debounce";
import { type DoneParams, doneNotice, type JobTracker, type StreamParams } from "./core/jobs";
import {
  ACTIONS,
  type Action,
  COST_SETTINGS,
  type CostSetting,
  initializationOptions,
  needsRestart,
  userOptionsChanged,
  workspaceSection,
} from "./core/options";
import type { ProposalParams, ProposalStore } from "./core/proposals";
import { SentVersions } from "./core/sentVersions";
import {
  nodeHost,
  resolveServerCommand,
  type ServerCommand,
  serverProcess,
} from "./core/serverCommand";
import { EditApplier } from "./edits";

export const API_KEY_SECRET = "poe.apiKey";
const RESTART_DELAY_MS = 750;

/** Declares `experimental.poe.stream`: this client renders `poe/stream` itself. */
class PoeStreamFeature implements StaticFeature {
  fillClientCapabilities(capabilities: ClientCapabilities): void {
    const experimental = (capabilities.experimental ?? {}) as Record<string, unknown>;
    capabilities.experimental = { ...experimental, poe: { stream: true } };
  }
  initialize(): void {}
  getState(): FeatureState {
    return { kind: "static" };
  }
  clear(): void {}
}

export type ErrorReporter = (message: string, ...buttons: string[]) => Thenable<string | undefined>;

export class ServerManager implements vscode.Disposable {
  client: LanguageClient | undefined;
  /** Why the last start failed, if it did (also for tests). */
  lastStartError: string | undefined;
  /** Runs `poe.followUp` from a code action (it has no prompt yet: the hook asks for one). */
  followUpHook: ((args: unknown[]) => Promise<unknown>) | undefined;
  private readonly restarter = new Debouncer(RESTART_DELAY_MS, () => void this.restart());
  private readonly disposables: vscode.Disposable[] = [];
  private queue: Promise<void> = Promise.resolve();
  private readonly readyListeners = new Set<() => void>();
  private readonly sent = new SentVersions();
  /** The `initializationOptions` the running server got. */
  private startedWith: Record<string, unknown> | undefined;
  private readonly edits = new EditApplier(this.sent);

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
    private readonly jobs: JobTracker,
    private readonly proposals: ProposalStore,
    private readonly reportError: ErrorReporter,
  ) {
    this.disposables.push(
      vscode.workspace.onDidChangeConfiguration((event) => {
        const affects = (key: string): boolean => event.affectsConfiguration(key);
        // A user's own cost setting is an initialization option: a new value needs a
        // restart. A workspace's value of the same key reaches the server without one.
        if (needsRestart(affects) || userOptionsChanged(this.startedWith, this.userOptions())) {
          this.log.info("a start-up setting changed; restarting the server shortly");
          this.restarter.trigger();
        }
      }),
      context.secrets.onDidChange((event) => {
        if (event.key === API_KEY_SECRET) {
          this.restarter.trigger();
        }
      }),
    );
  }

  /** Starts the server (serialised with stop and restart). */
  start(): Promise<void> {
    return this.enqueue(() => this.doStart());
  }

  restart(): Promise<void> {
    this.restarter.cancel();
    return this.enqueue(async () => {
      await this.doStop();
      await this.doStart();
    });
  }

  stop(): Promise<void> {
    return this.enqueue(() => this.doStop());
  }

  /** Called each time a client has started. */
  onReady(listener: () => void): vscode.Disposable {
    this.readyListeners.add(listener);
    return new vscode.Disposable(() => this.readyListeners.delete(listener));
  }

  get running(): boolean {
    return this.client?.isRunning() ?? false;
  }

  private enqueue(step: () => Promise<void>): Promise<void> {
    this.queue = this.queue.then(step, step);
    return this.queue;
  }

  /** Find the server, start it with the user's settings and key, hand it to the listeners. */
  private async doStart(): Promise<void> {
    const server = this.findServer();
    if (server === undefined) {
      return;
    }
    const key = await this.context.secrets.get(API_KEY_SECRET);
    const spawn = serverProcess(server, process.env, key);
    if (!spawn.hasKey) {
      this.log.warn("no API key: use 'Poe: Set API Key' or set POE_API_KEY");
    }
    // What this start sends: a later change to these user values restarts the server.
    this.startedWith = this.userOptions();
    const client = new LanguageClient("poe", "Poe", spawn.process, this.clientOptions());
    client.registerFeature(new PoeStreamFeature());
    const uri = (raw: string): string => client.protocol2CodeConverter.asUri(raw).toString();
    client.onNotification("poe/stream", (params: StreamParams) =>
      this.jobs.stream({ ...params, uri: uri(params.uri) }),
    );
    client.onNotification("poe/done", (params: DoneParams) => {
      const done = { ...params, uri: uri(params.uri) };
      // The job's last edit has been applied: its undo step is complete.
      this.edits.groups.close(done.uri);
      this.jobs.done(done);
      if (done.proposal !== undefined) {
        this.proposals.set({ ...done, hunks: done.proposal.hunks });
      }
      // One failure channel: the server sends this client no message for it.
      const notice = doneNotice(done);
      if (notice?.level === "error") {
        void this.reportError(notice.message);
      } else if (notice) {
        void vscode.window.showInformationMessage(`Poe: ${notice.message}`);
      }
    });
    client.onNotification("poe/proposal", (params: ProposalParams) =>
      this.proposals.set({ ...params, uri: uri(params.uri) }),
    );
    this.client = client;
    await this.startClient(client, server.command);
  }

  /**
   * The command that starts poe-lsp: the user's `poe.server.command`, else
   * `poe-lsp` on PATH; undefined after saying why there is none.
   */
  private findServer(): ServerCommand | undefined {
    const setting = vscode.workspace.getConfiguration("poe").get("server.command");
    const resolution = resolveServerCommand(setting, nodeHost());
    if (!resolution.ok) {
      this.startFailed(resolution.message, "Open Setting");
      return undefined;
    }
    const { command, args } = resolution.server;
    this.log.info(`starting ${[command, ...args].join(" ")} (from ${resolution.source})`);
    return resolution.server;
  }

  /** What the language client sends and how it answers the server's questions. */
  private clientOptions(): LanguageClientOptions {
    return {
      documentSelector: [{ scheme: "file" }, { scheme: "untitled" }],
      outputChannel: this.log,
      initializationOptions: this.startedWith,
      synchronize: { configurationSection: "poe" },
      middleware: {
        executeCommand: (command, args, next) =>
          command === "poe.followUp" && this.followUpHook !== undefined
            ? this.followUpHook(args)
            : next(command, args),
        didOpen: async (document, next) => {
          await next(document);
          this.sent.reset(document.uri.toString(), document.version);
        },
        didChange: async (event, next) => {
          await next(event);
          this.sent.note(event.document.uri.toString(), event.document.version);
        },
        workspace: {
          configuration: async (params, token, next) => {
            const result = await next(params, token);
            if (!Array.isArray(result)) {
              return result;
            }
            return result.map((value, i) =>
              params.items[i]?.section === "poe" ? workspaceSection(value) : value,
            );
          },
        },
      },
    };
  }

  /** Start the client; once it runs, edits go through `applyEdit` and listeners hear of it. */
  private async startClient(client: LanguageClient, command: string): Promise<void> {
    try {
      await client.start();
      client.onRequest(ApplyWorkspaceEditRequest.type, (params) => this.edits.apply(client, params));
      this.lastStartError = undefined;
      for (const listener of this.readyListeners) {
        listener();
      }
    } catch (error) {
      this.startFailed(`The poe-lsp language server did not start (${command}): ${String(error)}`);
    }
  }

  /** Remember, log and show why the server is not running, with its buttons. */
  private startFailed(message: string, ...buttons: "Open Setting"[]): void {
    this.lastStartError = message;
    this.log.error(message);
    void this.reportError(message, ...buttons, "Show Log").then((choice) => {
      if (choice === "Open Setting") {
        void vscode.commands.executeCommand("workbench.action.openSettings", "poe.server.command");
      } else if (choice === "Show Log") {
        this.log.show();
      }
    });
  }

  private async doStop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.jobs.abandonRunning();
    this.proposals.clear();
    if (client === undefined) {
      return;
    }
    try {
      if (client.isRunning()) {
        await client.stop(2000);
      }
      await client.dispose();
    } catch (error) {
      this.log.warn(`stopping the server: ${String(error)}`);
    }
  }

  /** The user's own values only (`globalValue`): see core/options.ts. */
  private userOptions(): Record<string, unknown> {
    const config = vscode.workspace.getConfiguration("poe");
    const user = (key: string): unknown => config.inspect(key)?.globalValue;
    const actionBots: Partial<Record<Action, unknown>> = {};
    for (const action of ACTIONS) {
      actionBots[action] = user(`actions.${action}.bot`);
    }
    const costs: Partial<Record<CostSetting, unknown>> = {};
    for (const key of COST_SETTINGS) {
      costs[key] = user(key);
    }
    return initializationOptions({
      bot: user("bot"),
      actionBots,
      allowedBots: user("allowedBots"),
      baseUrl: user("baseUrl"),
      uploadUrl: user("uploadUrl"),
      transport: user("transport"),
      openaiBaseUrl: user("openaiBaseUrl"),
      usageUrl: user("usageUrl"),
      maxPointsPerDay: user("budget.maxPointsPerDay"),
      costs,
    });
  }

  dispose(): void {
    this.restarter.cancel();
    for (const d of this.disposables) {
      d.dispose();
    }
    void this.doStop();
  }
}
