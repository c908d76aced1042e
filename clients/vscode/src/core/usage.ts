/**
 * What the jobs cost (`poe.usage`, contract §4 and §10), as plain data: the
 * balance, the session's total and each job's points, for the status bar and
 * the panel's footer.
 */

/** `poe.usage`'s answer; `points` is null while Poe's history has no entry yet. */
export interface UsageResult {
  balance: number | null;
  sessionPoints: number;
  jobs: Array<{ jobId: string; bot: string; points: number | null }>;
}

/** `1 point`, `1,234 points`. */
export function pointsText(points: number): string {
  return `${points.toLocaleString("en-US")} point${points === 1 ? "" : "s"}`;
}

/** The status bar's words for the session's spend, and its tooltip line (with the balance). */
export function usageLine(usage: UsageResult | undefined): { text: string; tooltip: string } {
  if (usage === undefined) {
    return { text: "", tooltip: "" };
  }
  const balance = usage.balance === null ? "unknown" : pointsText(usage.balance);
  return {
    text: usage.sessionPoints > 0 ? ` · ${usage.sessionPoints.toLocaleString("en-US")} pts` : "",
    tooltip: `This session: ${pointsText(usage.sessionPoints)}. Balance: ${balance}.`,
  };
}

/** The delays (ms) between `poe.usage` asks after a job ends: its entry shows late. */
export const POLL_DELAYS_MS = [500, 1000, 2000, 3000, 4000];

/** The finished jobs whose points the answer gives now (and were not known before). */
export function newlyKnown(usage: UsageResult, known: ReadonlyMap<string, number>): Map<string, number> {
  const found = new Map<string, number>();
  for (const job of usage.jobs) {
    if (job.points !== null && known.get(job.jobId) !== job.points) {
      found.set(job.jobId, job.points);
    }
  }
  return found;
}
