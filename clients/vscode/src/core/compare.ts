/**
 * A compare (`poe.compare`, contract §4) as the panel shows it: one column per
 * bot, each with its streamed answer, the time since the compare began, the
 * points the answer cost (when `poe.usage` reports them) and, for a refactor,
 * "Use this". Plain data in, plain data out (unit-tested).
 */
import { actionTitle, type JobView } from "./jobs";
import { escapeHtml, renderMarkdown } from "./render";

export interface CompareColumn {
  jobId: string;
  bot: string;
  action: string;
  status: JobView["status"];
  text: string;
  error?: string;
  /** Milliseconds from the compare's start to this job's end (once it ended). */
  endedAt?: number;
  points?: number;
}

/** What the page's script puts in place on every update. */
export interface CompareUpdate {
  compareId: string;
  heading: string;
  columns: Array<{
    jobId: string;
    bot: string;
    status: string;
    time: string;
    points: string;
    canUse: boolean;
    running: boolean;
    body: string;
    error: string;
  }>;
}

const STATUS_LABELS: Record<string, string> = {
  running: "streaming…",
  done: "done",
  failed: "failed",
  cancelled: "cancelled",
};

/** Seconds, one decimal: `1.2 s`. */
export function seconds(ms: number): string {
  return `${(Math.max(0, ms) / 1000).toFixed(1)} s`;
}

/** `12 points`, `1 point`, or nothing when unknown. */
export function pointsLabel(points: number | undefined): string {
  if (points === undefined) {
    return "";
  }
  return `${points.toLocaleString("en-US")} ${points === 1 ? "point" : "points"}`;
}

/** A job's points in a `poe.usage` answer (`{jobs: [{jobId, bot, points}]}`), if there. */
export function pointsOf(usage: unknown, jobId: string): number | undefined {
  if (typeof usage !== "object" || usage === null) {
    return undefined;
  }
  const jobs = (usage as { jobs?: unknown }).jobs;
  if (!Array.isArray(jobs)) {
    return undefined;
  }
  for (const entry of jobs as unknown[]) {
    if (typeof entry !== "object" || entry === null) {
      continue;
    }
    const { jobId: id, points } = entry as { jobId?: unknown; points?: unknown };
    if (id === jobId && typeof points === "number" && Number.isFinite(points)) {
      return points;
    }
  }
  return undefined;
}

/**
 * The order the server started a job in: its ids are `poe-<n>-<hex>`, numbered as
 * started, and a compare starts its jobs in the order of its bots.
 */
export function startOrder(jobId: string): number {
  const match = /^poe-(\d+)-/.exec(jobId);
  return match === null ? Number.MAX_SAFE_INTEGER : Number(match[1]);
}

/**
 * One compare's columns, in the order of its bots (the order the server started
 * their jobs), whichever answer is heard of first.
 */
export class CompareBoard {
  readonly columns: CompareColumn[] = [];
  /** The job whose proposal the user chose (a refactor compare is then settled). */
  chosen: string | undefined;

  constructor(
    readonly compareId: string,
    /** `Date.now()` when the compare was first heard of. */
    readonly startedAt: number,
  ) {}

  /** Takes a job's news; returns its column. */
  update(job: JobView, now: number): CompareColumn {
    let column = this.columns.find((c) => c.jobId === job.jobId);
    if (column === undefined) {
      column = { jobId: job.jobId, bot: job.bot, action: job.action, status: job.status, text: "" };
      const later = this.columns.findIndex((c) => startOrder(c.jobId) > startOrder(job.jobId));
      this.columns.splice(later === -1 ? this.columns.length : later, 0, column);
    }
    column.text = job.text;
    column.status = job.status;
    column.error = job.error;
    if (job.status !== "running" && column.endedAt === undefined) {
      column.endedAt = now - this.startedAt;
    }
    return column;
  }

  /** Records the points a job cost; true if that changed what is shown. */
  setPoints(jobId: string, points: number | undefined): boolean {
    const column = this.columns.find((c) => c.jobId === jobId);
    if (column === undefined || points === undefined || column.points === points) {
      return false;
    }
    column.points = points;
    return true;
  }

  /** Whether a column still needs its elapsed time ticking. */
  get running(): boolean {
    return this.columns.some((c) => c.status === "running");
  }

  /** The refactor answers that can be used: done, with a proposal, before any choice. */
  canUse(column: CompareColumn): boolean {
    return column.action !== "explain" && column.status === "done" && this.chosen === undefined;
  }

  view(now: number): CompareUpdate {
    const action = this.columns[0]?.action ?? "explain";
    return {
      compareId: this.compareId,
      heading: `Compare · ${actionTitle(action)} · ${this.columns.map((c) => c.bot).join(", ")}`,
      columns: this.columns.map((column) => ({
        jobId: column.jobId,
        bot: column.bot,
        status:
          this.chosen === column.jobId
            ? "used"
            : this.chosen !== undefined && column.action !== "explain"
              ? "not used"
              : (STATUS_LABELS[column.status] ?? column.status),
        time: seconds(column.endedAt ?? now - this.startedAt),
        points: pointsLabel(column.points),
        canUse: this.canUse(column),
        running: column.status === "running",
        body:
          column.text.length > 0
            ? renderMarkdown(column.text)
            : `<p class="waiting">Waiting for ${escapeHtml(column.bot)}…</p>`,
        error: column.error ?? "",
      })),
    };
  }
}
