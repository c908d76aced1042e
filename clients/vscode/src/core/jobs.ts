/**
 * The jobs the server reports through `poe/stream` and `poe/done`
 * (contract §5), kept as plain data for the panel and the status bar.
 */
import type { Hunk } from "./proposals";

export type JobStatus = "running" | "done" | "failed" | "cancelled";

export interface LspRange {
  start: { line: number; character: number };
  end: { line: number; character: number };
}

export interface StreamParams {
  jobId: string;
  action: string;
  uri: string;
  range: LspRange;
  bot: string;
  delta: string;
  text: string;
  /** Set when the job is one answer of a `poe.compare`. */
  compareId?: string;
}

export interface DoneParams {
  jobId: string;
  action: string;
  uri: string;
  range: LspRange;
  bot: string;
  status: "done" | "failed" | "cancelled";
  text: string;
  error?: string;
  /** A review-mode edit job's pending hunks (contract §9). */
  proposal?: { hunks: Hunk[] };
  compareId?: string;
}

export interface JobView {
  jobId: string;
  action: string;
  bot: string;
  uri: string;
  /** The job's target range, as the server last reported it. */
  range: LspRange;
  text: string;
  status: JobStatus;
  error?: string;
  /** Where the answer goes: the panel (explain, ask-explain) or the document. */
  output: "explain" | "edit";
  /** What the job cost, once Poe's usage history shows it (`poe.usage`). */
  points?: number;
  /** The `poe.compare` the job is one answer of: the compare panel shows it. */
  compareId?: string;
}

/** What a finished job tells the user beyond the panel: its failure, once. */
export interface DoneNotice {
  level: "error" | "info";
  message: string;
}

/**
 * The notification a `poe/done` calls for. The server sends this client (which
 * declares `experimental.poe.stream`) a job's failure in `poe/done` only, never
 * again with `window/showMessage`, so this is the one place it is shown.
 */
export function doneNotice(params: DoneParams): DoneNotice | undefined {
  if (!params.error) {
    return undefined;
  }
  return { level: params.status === "failed" ? "error" : "info", message: params.error };
}

const ACTION_TITLES: Record<string, string> = {
  explain: "Explain",
  refactor: "Refactor",
  document: "Document",
  fix: "Fix",
  ask: "Ask",
};

export function actionTitle(action: string): string {
  return ACTION_TITLES[action] ?? action;
}

/** Explanations show in the panel; the other actions edit the document. */
function defaultOutput(action: string): "explain" | "edit" {
  return action === "explain" ? "explain" : "edit";
}

export type JobListener = (job: JobView) => void;

export class JobTracker {
  private readonly jobs = new Map<string, JobView>();
  private readonly outputs = new Map<string, "explain" | "edit">();
  private readonly listeners = new Set<JobListener>();
  private readonly keep: number;

  constructor(keep = 50) {
    this.keep = keep;
  }

  onChange(listener: JobListener): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** The extension started this job itself and knows where its answer goes (poe.ask). */
  declareOutput(jobId: string, output: "explain" | "edit"): JobView | undefined {
    this.outputs.set(jobId, output);
    const job = this.jobs.get(jobId);
    if (job !== undefined && job.output !== output) {
      job.output = output;
      this.emit(job);
    }
    return job;
  }

  stream(params: StreamParams): JobView {
    const job = this.upsert(params);
    if (job.status === "running") {
      // `text` is the whole answer so far, so a dropped notification loses nothing.
      job.text = params.text;
      job.range = params.range;
      this.emit(job);
    }
    return job;
  }

  done(params: DoneParams): JobView {
    const job = this.upsert(params);
    job.text = params.text;
    job.range = params.range;
    job.status = params.status;
    job.error = params.error;
    this.emit(job);
    this.prune();
    return job;
  }

  /** The job's cost is known (`poe.usage`). */
  setPoints(jobId: string, points: number): void {
    const job = this.jobs.get(jobId);
    if (job !== undefined && job.points !== points) {
      job.points = points;
      this.emit(job);
    }
  }

  get(jobId: string): JobView | undefined {
    return this.jobs.get(jobId);
  }

  /** Every job still known, oldest first. */
  all(): JobView[] {
    return [...this.jobs.values()];
  }

  running(): JobView[] {
    return [...this.jobs.values()].filter((job) => job.status === "running");
  }

  /** The server was restarted: its jobs are gone. */
  abandonRunning(): void {
    for (const job of this.running()) {
      job.status = "cancelled";
      job.error = "The Poe server was restarted.";
      this.emit(job);
    }
  }

  private upsert(params: {
    jobId: string;
    action: string;
    bot: string;
    uri: string;
    range: LspRange;
    compareId?: string;
  }): JobView {
    let job = this.jobs.get(params.jobId);
    if (job === undefined) {
      job = {
        jobId: params.jobId,
        action: params.action,
        bot: params.bot,
        uri: params.uri,
        range: params.range,
        text: "",
        status: "running",
        output: this.outputs.get(params.jobId) ?? defaultOutput(params.action),
        ...(params.compareId === undefined ? {} : { compareId: params.compareId }),
      };
      this.jobs.set(params.jobId, job);
    }
    return job;
  }

  private prune(): void {
    const finished = [...this.jobs.values()].filter((job) => job.status !== "running");
    for (const job of finished.slice(0, Math.max(0, finished.length - this.keep))) {
      this.jobs.delete(job.jobId);
      this.outputs.delete(job.jobId);
    }
  }

  private emit(job: JobView): void {
    for (const listener of this.listeners) {
      listener(job);
    }
  }
}

/** The status bar item: the active bot, or a spinner and what runs. */
export function statusBarText(
  bot: string,
  running: JobView[],
): { text: string; tooltip: string; busy: boolean } {
  if (running.length === 0) {
    return {
      text: `$(sparkle) ${bot}`,
      tooltip: `Poe: the default bot is ${bot}. Click to choose another.`,
      busy: false,
    };
  }
  const last = running[running.length - 1];
  const more = running.length > 1 ? ` (+${running.length - 1})` : "";
  return {
    text: `$(loading~spin) ${actionTitle(last.action)} · ${last.bot}${more}`,
    tooltip: `Poe: ${running.length} job${running.length > 1 ? "s" : ""} running. Click to cancel.`,
    busy: true,
  };
}
