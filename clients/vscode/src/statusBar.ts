/**
 * The status bar item: the active bot and the session's spend (the balance in
 * its tooltip); a spinner while jobs run (click cancels).
 */
import * as vscode from "vscode";

import { type JobTracker, statusBarText } from "./core/jobs";
import { usageLine } from "./core/usage";
import type { UsageWatcher } from "./usage";

export class StatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly jobs: JobTracker,
    private readonly usage: UsageWatcher,
  ) {
    this.item = vscode.window.createStatusBarItem("poe.status", vscode.StatusBarAlignment.Right, 100);
    this.item.name = "Poe";
    const sub = jobs.onChange(() => this.refresh());
    this.disposables.push(
      new vscode.Disposable(() => sub.dispose()),
      usage.onChange(() => this.refresh()),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration("poe.bot")) {
          this.refresh();
        }
      }),
    );
    this.refresh();
    this.item.show();
  }

  get text(): string {
    return this.item.text;
  }

  get tooltip(): string {
    return typeof this.item.tooltip === "string" ? this.item.tooltip : "";
  }

  refresh(): void {
    const bot = vscode.workspace.getConfiguration("poe").get<string>("bot") || "GPT-5";
    const running = this.jobs.running();
    const view = statusBarText(bot, running);
    const spend = usageLine(this.usage.usage);
    this.item.text = view.busy ? view.text : view.text + spend.text;
    this.item.tooltip = spend.tooltip ? `${view.tooltip}\n${spend.tooltip}` : view.tooltip;
    this.item.command = view.busy ? "poe.cancelJobs" : "poe.chooseBot";
    void vscode.commands.executeCommand("setContext", "poe.jobsRunning", view.busy);
  }

  dispose(): void {
    for (const d of this.disposables) {
      d.dispose();
    }
    this.item.dispose();
  }
}
