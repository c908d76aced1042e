/**
 * The Markdown panel beside the editor where explanations stream in. It shows
 * a thread: an explanation, then each follow-up under the question typed into
 * the box below the answer.
 */
import * as crypto from "node:crypto";
import * as vscode from "vscode";

import { extendThread, type ThreadEntry, threadUpdate } from "./core/followUp";
import type { JobTracker, JobView } from "./core/jobs";
import { panelPage, panelTitle } from "./core/render";

/** Threads remembered for reopening a job's panel (the newest). */
const KEEP_THREADS = 50;

export class StreamPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private jobId: string | undefined;
  private thread: ThreadEntry[] = [];
  private readonly threads = new Map<string, ThreadEntry[]>();
  /** A job shown before the server reported anything about it. */
  private waitingFor: string | undefined;
  private readonly subscription: { dispose(): void };

  constructor(
    private readonly jobs: JobTracker,
    private readonly cancel: (jobId: string) => void,
    private readonly followUp: (jobId: string, prompt: string) => void,
  ) {
    this.subscription = jobs.onChange((job) => {
      // A compared answer is shown beside the others, in the compare panel.
      if (job.output !== "explain" || job.compareId !== undefined) {
        return;
      }
      // A new explanation takes the panel; updates to the shown thread refresh it.
      if (job.jobId === this.waitingFor) {
        this.show(job.jobId);
      } else if (this.thread.some((entry) => entry.jobId === job.jobId)) {
        this.update();
      } else if (job.status === "running") {
        this.show(job.jobId);
      }
    });
  }

  /** Shows a job (with the thread it ends, if any) in the panel, opening it beside the editor if needed. */
  show(jobId: string): void {
    const job = this.jobs.get(jobId);
    this.jobId = jobId;
    this.thread = this.threads.get(jobId) ?? [{ jobId }];
    // The command's answer can arrive before the job's first `poe/stream`:
    // the panel opens when the job is first heard of.
    this.waitingFor = job === undefined ? jobId : undefined;
    if (job === undefined) {
      return;
    }
    if (this.panel === undefined) {
      this.open(job);
    } else {
      this.panel.reveal(undefined, true);
      this.update();
    }
  }

  /** Shows the follow-up `jobId` of `parentJobId` under the parent's thread. */
  showFollowUp(parentJobId: string, jobId: string, prompt: string): void {
    this.threads.set(jobId, extendThread(this.threads.get(parentJobId), parentJobId, jobId, prompt));
    while (this.threads.size > KEEP_THREADS) {
      const oldest = this.threads.keys().next().value;
      if (oldest === undefined) {
        break;
      }
      this.threads.delete(oldest);
    }
    this.show(jobId);
  }

  private open(job: JobView): void {
    this.panel = vscode.window.createWebviewPanel(
      "poe.stream",
      panelTitle(job),
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      { enableScripts: true, retainContextWhenHidden: true, localResourceRoots: [] },
    );
    this.panel.onDidDispose(() => {
      this.panel = undefined;
    });
    this.panel.webview.onDidReceiveMessage(
      (message: { type?: string; jobId?: string; prompt?: string }) => {
        if (typeof message.jobId !== "string") {
          return;
        }
        if (message.type === "cancel") {
          this.cancel(message.jobId);
        } else if (message.type === "followUp" && typeof message.prompt === "string") {
          this.followUp(message.jobId, message.prompt);
        }
      },
    );
    const nonce = crypto.randomBytes(16).toString("base64");
    const first = threadUpdate(this.thread, (id) => this.jobs.get(id));
    if (first !== undefined) {
      this.panel.webview.html = panelPage(nonce, this.panel.webview.cspSource, first);
    }
  }

  private update(): void {
    const last = this.jobId === undefined ? undefined : this.jobs.get(this.jobId);
    const update = threadUpdate(this.thread, (id) => this.jobs.get(id));
    if (this.panel === undefined || last === undefined || update === undefined) {
      return;
    }
    this.panel.title = panelTitle(last);
    void this.panel.webview.postMessage(update);
  }

  /** What the panel shows (for tests and the status bar). */
  state(): {
    visible: boolean;
    job: JobView | undefined;
    title: string | undefined;
    thread: ThreadEntry[];
  } {
    return {
      visible: this.panel?.visible ?? false,
      job: this.jobId === undefined ? undefined : this.jobs.get(this.jobId),
      title: this.panel?.title,
      thread: [...this.thread],
    };
  }

  dispose(): void {
    this.subscription.dispose();
    this.panel?.dispose();
  }
}
