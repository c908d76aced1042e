/** The Markdown panel beside the editor where explanations stream in. */
import * as crypto from "node:crypto";
import * as vscode from "vscode";

import type { JobTracker, JobView } from "./core/jobs";
import { panelPage, panelTitle, panelUpdate } from "./core/render";

export class StreamPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private jobId: string | undefined;
  /** A job shown before the server reported anything about it. */
  private waitingFor: string | undefined;
  private readonly subscription: { dispose(): void };

  constructor(
    private readonly jobs: JobTracker,
    private readonly cancel: (jobId: string) => void,
  ) {
    this.subscription = jobs.onChange((job) => {
      // A compared answer is shown beside the others, in the compare panel.
      if (job.output !== "explain" || job.compareId !== undefined) {
        return;
      }
      // A new explanation takes the panel; updates to the shown one refresh it.
      if (job.jobId === this.waitingFor) {
        this.show(job.jobId);
      } else if (job.jobId !== this.jobId && job.status === "running") {
        this.show(job.jobId);
      } else if (job.jobId === this.jobId) {
        this.update(job);
      }
    });
  }

  /** Shows a job in the panel, opening it beside the editor if needed. */
  show(jobId: string): void {
    const job = this.jobs.get(jobId);
    this.jobId = jobId;
    // The command's answer can arrive before the job's first `poe/stream`:
    // the panel opens when the job is first heard of.
    this.waitingFor = job === undefined ? jobId : undefined;
    if (job === undefined) {
      return;
    }
    if (this.panel === undefined) {
      this.panel = vscode.window.createWebviewPanel(
        "poe.stream",
        panelTitle(job),
        { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
        { enableScripts: true, retainContextWhenHidden: true, localResourceRoots: [] },
      );
      this.panel.onDidDispose(() => {
        this.panel = undefined;
      });
      this.panel.webview.onDidReceiveMessage((message: { type?: string; jobId?: string }) => {
        if (message.type === "cancel" && typeof message.jobId === "string") {
          this.cancel(message.jobId);
        }
      });
      const nonce = crypto.randomBytes(16).toString("base64");
      this.panel.webview.html = panelPage(nonce, this.panel.webview.cspSource, panelUpdate(job));
    } else {
      this.panel.reveal(undefined, true);
      this.update(job);
    }
  }

  private update(job: JobView): void {
    if (this.panel === undefined) {
      return;
    }
    this.panel.title = panelTitle(job);
    void this.panel.webview.postMessage(panelUpdate(job));
  }

  /** What the panel shows (for tests and the status bar). */
  state(): { visible: boolean; job: JobView | undefined; title: string | undefined } {
    return {
      visible: this.panel?.visible ?? false,
      job: this.jobId === undefined ? undefined : this.jobs.get(this.jobId),
      title: this.panel?.title,
    };
  }

  dispose(): void {
    this.subscription.dispose();
    this.panel?.dispose();
  }
}
