/**
 * Follow-ups, as plain data: which finished job a follow-up continues, the
 * code action's argument, and the panel's thread (an explanation followed by
 * its follow-ups, each under the question that asked for it).
 */
import type { JobView } from "./jobs";
import { escapeHtml, type PanelUpdate, panelUpdate, renderMarkdown } from "./render";

/** One answer of a thread; every answer after the first has the prompt that asked for it. */
export interface ThreadEntry {
  jobId: string;
  prompt?: string;
}

/** The argument of `poe.followUp` (contract §4); the code action's has no prompt. */
export interface FollowUpArgument {
  jobId: string;
  prompt?: string;
  bot?: string;
}

export function isFollowUpArgument(value: unknown): value is FollowUpArgument {
  if (typeof value !== "object" || value === null) {
    return false;
  }
  const v = value as Record<string, unknown>;
  return (
    typeof v.jobId === "string" &&
    (v.prompt === undefined || typeof v.prompt === "string") &&
    (v.bot === undefined || typeof v.bot === "string")
  );
}

/**
 * The job a follow-up continues: the newest finished (done) job of the
 * document whose range holds the cursor's line, else the document's newest
 * finished job, else the newest finished job of any document.
 */
export function pickFollowUpJob(
  jobs: readonly JobView[],
  uri: string | undefined,
  line: number | undefined,
): JobView | undefined {
  const done = jobs.filter((job) => job.status === "done");
  const newest = (list: JobView[]): JobView | undefined => list[list.length - 1];
  const here = done.filter((job) => job.uri === uri);
  const under = here.filter(
    (job) => line !== undefined && job.range.start.line <= line && line <= job.range.end.line,
  );
  return newest(under) ?? newest(here) ?? newest(done);
}

/** The thread a follow-up of `parent` shows: the parent's own thread, then the new answer. */
export function extendThread(
  parentThread: readonly ThreadEntry[] | undefined,
  parentJobId: string,
  jobId: string,
  prompt: string,
): ThreadEntry[] {
  const base = parentThread ?? [{ jobId: parentJobId }];
  return [...base, { jobId, prompt }];
}

/**
 * The panel's update for a thread: the last answer's heading, status and
 * error; every answer's rendered Markdown, each follow-up under its question.
 * A follow-up may be asked once the last answer is done.
 */
export function threadUpdate(
  thread: readonly ThreadEntry[],
  get: (jobId: string) => JobView | undefined,
): PanelUpdate | undefined {
  const lastEntry = thread[thread.length - 1];
  const last = lastEntry && get(lastEntry.jobId);
  if (last === undefined) {
    return undefined;
  }
  const parts: string[] = [];
  for (const entry of thread) {
    const job = get(entry.jobId);
    if (entry.prompt !== undefined) {
      parts.push(`<div class="you"><strong>You:</strong> ${escapeHtml(entry.prompt)}</div>`);
    }
    if (job === undefined) {
      continue;
    }
    parts.push(entry === lastEntry ? panelUpdate(job).body : renderMarkdown(job.text));
  }
  return { ...panelUpdate(last), body: parts.join("\n"), canFollowUp: last.status === "done" };
}
