/**
 * Follow-ups (`poe.followUp`, contract §4 and §10): from the panel's box, the
 * palette ("Poe: Follow Up", the job under the cursor or the last one) and
 * the "Follow up on …" code action, whose command carries no prompt: the
 * language client's middleware hands it here to ask for one.
 */
import * as vscode from "vscode";

import { type FollowUpArgument, isFollowUpArgument, pickFollowUpJob } from "./core/followUp";
import { actionTitle, type JobTracker, type JobView } from "./core/jobs";
import type { StreamPanel } from "./panel";

export type Send = <T>(command: string, argument: object) => Promise<T | undefined>;

export class FollowUps {
  constructor(
    private readonly jobs: JobTracker,
    private readonly panel: () => StreamPanel,
    private readonly send: Send,
  ) {}

  register(): vscode.Disposable[] {
    return [
      vscode.commands.registerCommand(
        "poe.followUpOnAnswer",
        (arg?: { jobId?: string; prompt?: string }) => this.palette(arg),
      ),
    ];
  }

  /** Sends the follow-up; an explanation's answer goes under its thread in the panel. */
  async followUp(argument: FollowUpArgument & { prompt: string }): Promise<string | undefined> {
    const parent = this.jobs.get(argument.jobId);
    const answer = await this.send<{ jobId: string }>("poe.followUp", argument);
    if (answer === undefined) {
      return undefined;
    }
    const output = parent?.output ?? "explain";
    this.jobs.declareOutput(answer.jobId, output);
    if (output === "explain") {
      this.panel().showFollowUp(argument.jobId, answer.jobId, argument.prompt);
    }
    return answer.jobId;
  }

  /** "Poe: Follow Up": the panel's job, else the one under the cursor, else the last. */
  async palette(arg?: { jobId?: string; prompt?: string }): Promise<string | undefined> {
    const shown = this.panel().state();
    const editor = vscode.window.activeTextEditor;
    const target =
      (arg?.jobId !== undefined ? this.jobs.get(arg.jobId) : undefined) ??
      (shown.visible && shown.job?.status === "done" ? shown.job : undefined) ??
      pickFollowUpJob(
        this.jobs.all(),
        editor?.document.uri.toString(),
        editor?.selection.active.line,
      );
    if (target === undefined) {
      void vscode.window.showInformationMessage(
        "Poe: nothing to follow up on yet; explain or refactor something first.",
      );
      return undefined;
    }
    const prompt = arg?.prompt ?? (await this.ask(target));
    return prompt?.trim() ? this.followUp({ jobId: target.jobId, prompt }) : undefined;
  }

  /** The code action's `poe.followUp`, which has no prompt: ask, then send. */
  async fromCodeAction(args: unknown[]): Promise<{ jobId: string } | undefined> {
    const argument = args[0];
    if (!isFollowUpArgument(argument)) {
      return this.send("poe.followUp", (argument ?? {}) as object);
    }
    const known = this.jobs.get(argument.jobId);
    const prompt =
      argument.prompt ??
      (await this.ask(known ?? { action: "explain", bot: argument.bot ?? "the bot" }));
    if (!prompt?.trim()) {
      return undefined;
    }
    const jobId = await this.followUp({ ...argument, prompt });
    return jobId === undefined ? undefined : { jobId };
  }

  private ask(job: Pick<JobView, "action" | "bot">): Thenable<string | undefined> {
    return vscode.window.showInputBox({
      title: `Poe: Follow Up on ${actionTitle(job.action)} with ${job.bot}`,
      prompt: "What should the bot do next? (it sees the conversation so far)",
      placeHolder: "e.g. shorter; keep the old names; what if x is negative?",
    });
  }
}
