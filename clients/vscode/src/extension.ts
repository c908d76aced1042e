/**
 * Poe for VS Code: a thin client of the poe-lsp language server.
 *
 * The server does the work (prompts, Poe, edits, code actions); this
 * extension starts it, passes the user's own settings and key, renders the
 * `poe/stream` notifications in a panel, draws review proposals in the
 * editor and offers the commands.
 */
import * as vscode from "vscode";

import { Commands } from "./commands";
import { JobTracker, type JobView } from "./core/jobs";
import { type Hunk, ProposalStore } from "./core/proposals";
import { StreamPanel } from "./panel";
import { ProposalDocuments } from "./proposalDiff";
import { type Drawn, ReviewView } from "./review";
import { ServerManager } from "./server";
import { StatusBar } from "./statusBar";
import { UserActions } from "./userActions";

/** What the extension exports; end-to-end tests read it. */
export interface PoeApi {
  isRunning(): boolean;
  lastStartError(): string | undefined;
  shownErrors(): string[];
  job(jobId: string): JobView | undefined;
  panel(): { visible: boolean; job: JobView | undefined; title: string | undefined };
  statusText(): string;
  whenRunning(): Promise<void>;
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
  const panel = new StreamPanel(jobs, (jobId) => void commands.cancel(jobId));
  const status = new StatusBar(jobs);
  const commands = new Commands(context, server, jobs, panel, log, reportError);
  const diffs = new ProposalDocuments(proposals);
  const review = new ReviewView(proposals, jobs, diffs, (command, argument) => commands.send(command, argument));
  context.subscriptions.push(log, server, panel, status, diffs, review, ...commands.register(), ...review.register());
  context.subscriptions.push(...new UserActions(commands, jobs, panel).register());

  let running: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    running = resolve;
  });
  context.subscriptions.push(server.onReady(() => running()));
  void server.start();

  return {
    isRunning: () => server.running,
    lastStartError: () => server.lastStartError,
    shownErrors: () => [...shown],
    job: (jobId) => jobs.get(jobId),
    panel: () => panel.state(),
    statusText: () => status.text,
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
