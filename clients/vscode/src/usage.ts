/**
 * Asks the server `poe.usage` after each job ends (a few times: Poe's history
 * shows a job's entry only after its answer) and once at start, then hands the
 * points to the jobs (the panel's footer) and the status bar.
 */
import * as vscode from "vscode";
import { ExecuteCommandRequest } from "vscode-languageclient/node";

import type { JobTracker } from "./core/jobs";
import { newlyKnown, POLL_DELAYS_MS, type UsageResult } from "./core/usage";
import type { ServerManager } from "./server";

/** `poe.usage` asked without a word to the user: a background read is never an error. */
export function quietUsage(server: ServerManager): () => Promise<UsageResult | undefined> {
  return async () => {
    const client = server.client;
    if (client === undefined || !client.isRunning()) {
      return undefined;
    }
    return (await client.sendRequest(ExecuteCommandRequest.type, {
      command: "poe.usage",
      arguments: [{}],
    })) as UsageResult;
  };
}

export class UsageWatcher implements vscode.Disposable {
  private latest: UsageResult | undefined;
  private readonly known = new Map<string, number>();
  private readonly asked = new Set<string>();
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private readonly changed = new vscode.EventEmitter<UsageResult>();
  private readonly subscription: { dispose(): void };
  readonly onChange = this.changed.event;

  constructor(
    private readonly jobs: JobTracker,
    private readonly ask: () => Promise<UsageResult | undefined>,
  ) {
    this.subscription = jobs.onChange((job) => {
      if (job.status !== "running" && !this.asked.has(job.jobId)) {
        this.asked.add(job.jobId);
        this.poll(job.jobId, 0);
      }
    });
  }

  /** The last answer, if any. */
  get usage(): UsageResult | undefined {
    return this.latest;
  }

  /** Ask now (the server started, or the user looks). */
  async refresh(): Promise<UsageResult | undefined> {
    let result: UsageResult | undefined;
    try {
      result = await this.ask();
    } catch {
      return undefined;
    }
    if (result === undefined || !Array.isArray(result.jobs)) {
      return undefined;
    }
    this.latest = result;
    for (const [jobId, points] of newlyKnown(result, this.known)) {
      this.known.set(jobId, points);
      this.jobs.setPoints(jobId, points);
    }
    this.changed.fire(result);
    return result;
  }

  private poll(jobId: string, attempt: number): void {
    if (attempt >= POLL_DELAYS_MS.length) {
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.refresh().then(() => {
        if (!this.known.has(jobId)) {
          this.poll(jobId, attempt + 1);
        }
      });
    }, POLL_DELAYS_MS[attempt]);
    this.timers.add(timer);
  }

  dispose(): void {
    for (const timer of this.timers) {
      clearTimeout(timer);
    }
    this.subscription.dispose();
    this.changed.dispose();
  }
}
