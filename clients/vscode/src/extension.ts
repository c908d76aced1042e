/**
 * Poe for VS Code: a thin client of the poe-lsp language server.
 *
 * The server does the work (prompts, Poe, edits, code actions); this
 * extension starts it, passes the user's own settings and key, renders the
 * `poe/stream` notifications in a panel, draws review proposals in the
 * editor and offers the commands.
 */
import * as vscode from "vscode";
import { ExecuteCommandRequest } from "vscode-languageclient/node";

import { Commands } from "./commands";
import { ComparePanel, compareSelection } from "./comparePanel";
import type { ThreadEntry } from "./core/followUp";
import { JobTracker, type JobView } from "./core/jobs";
import { type Hunk, ProposalStore } from "./core/proposals";
import { FollowUps } from "./followUps";
import { StreamPanel } from "./panel";
import { ProposalDocuments } from "./proposalDiff";
import { type Drawn, ReviewView } from "./review";
import { ServerManager } from "./server";
import { StatusBar } from "./statusBar";
import { quietUsage, UsageWatcher } from "./usage";
import { UserActions } from "./userActions";

/** What the extension exports; end-to-end tests read it. */
export interface PoeApi {
  isRunning(): boolean;
  lastStartError(): string | undefined;
  shownErrors(): string[];
  job(jobId: string): JobView | undefined;
  panel(): {
    visible: boolean;
    job: JobView | undefined;
    title: string | undefined;
    thread: ThreadEntry[];
  };
  statusText(): string;
  statusTooltip(): string;
  whenRunning(): Promise<void>;
  /** What the compare panel shows. */
  compare(): ReturnType<ComparePanel["state"]>;
  /** A document's pending hunks (with their jobs) and what the editor draws of them. */
  review(uri: string): { hunks: Array<Hunk & { jobId: string }>; drawn: Drawn };
}

let manager: ServerManager | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<PoeApi> {
  const log = vscode.window.createOutputChannel("Poe", { log: true });
  const jobs = new JobTracker();
  const proposals = new ProposalStore();
  const shown: string[] = [];
  const reportError = (message: string, ...buttons: string[]): Thenable<string | undefined> => {
    shown.push(message);
    return vscode.window.showErrorMessage(`Poe: ${message}`, ...buttons);
  };
  const server = new ServerManager(context, log, jobs, proposals, reportError);
  manager = server;
  const panel = new StreamPanel(
    jobs,
    (jobId) => void commands.cancel(jobId),
    (jobId, prompt) => void followUps.followUp({ jobId, prompt }),
  );
  const usage = new UsageWatcher(jobs, quietUsage(server));
  const status = new StatusBar(jobs, usage);
  const commands = new Commands(context, server, jobs, panel, log, reportError);
  const followUps = new FollowUps(jobs, () => panel, (command, argument) => commands.send(command, argument));
  server.followUpHook = (args) => followUps.fromCodeAction(args);
  const diffs = new ProposalDocuments(proposals);
  const review = new ReviewView(proposals, jobs, diffs, (command, argument) => commands.send(command, argument));
  context.subscriptions.push(log, server, panel, usage, status, diffs, review, ...commands.register(), ...review.register(), ...followUps.register());
  // Asked quietly: a server without poe.usage just leaves the points out.
  const ask = async (command: string, argument: object): Promise<unknown> => {
    const client = server.client;
    if (client === undefined || !client.isRunning()) {
      throw new Error("the server is not running");
    }
    return client.sendRequest(ExecuteCommandRequest.type, { command, arguments: [argument] });
  };
  const send = (command: string, argument: object): Promise<unknown> => commands.send(command, argument);
  const compare = new ComparePanel(jobs, send, ask, (jobId) => void commands.cancel(jobId));
  context.subscriptions.push(
    compare,
    vscode.commands.registerCommand("poe.compareBots", (arg?: { action?: "explain" | "refactor"; bots?: string[] }) =>
      compareSelection(send, (needSelection) => {
        const editor = commands.editor(needSelection);
        return editor === undefined ? undefined : commands.where(editor);
      }, arg),
    ),
    vscode.commands.registerCommand("poe.useCompareAnswer", (arg?: { jobId?: string }) =>
      typeof arg?.jobId === "string" ? compare.use(arg.jobId) : false,
    ),
  );
  context.subscriptions.push(...new UserActions(commands, jobs, panel).register());

  let running: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    running = resolve;
  });
  context.subscriptions.push(
    server.onReady(() => {
      running();
      void usage.refresh();
    }),
  );
  void server.start();

  return {
    isRunning: () => server.running,
    lastStartError: () => server.lastStartError,
    shownErrors: () => [...shown],
    job: (jobId) => jobs.get(jobId),
    panel: () => panel.state(),
    compare: () => compare.state(),
    statusText: () => status.text,
    statusTooltip: () => status.tooltip,
    whenRunning: () => ready,
    review: (uri) => ({
      hunks: proposals.hunks(uri).map(({ proposal, hunk }) => ({ ...hunk, jobId: proposal.jobId })),
      drawn: review.state(uri),
    }),
  };
}

/** Lets VS Code wait for the server's orderly shutdown (shutdown, exit). */
export function deactivate(): Thenable<void> | undefined {
  const server = manager;
  manager = undefined;
  return server?.stop();
}
