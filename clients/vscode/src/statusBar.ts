/** The status bar item: the active bot; a spinner while jobs run (click cancels). */
import * as vscode from "vscode";

import { type JobTracker, statusBarText } from "./core/jobs";

export class StatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly jobs: JobTracker) {
    this.item = vscode.window.createStatusBarItem("poe.status", vscode.StatusBarAlignment.Right, 100);
    this.item.name = "Poe";
    const sub = jobs.onChange(() => this.refresh());
    this.disposables.push(
      new vscode.Disposable(() => sub.dispose()),
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

  refresh(): void {
    const bot = vscode.workspace.getConfiguration("poe").get<string>("bot") || "GPT-5";
    const running = this.jobs.running();
    const view = statusBarText(bot, running);
    this.item.text = view.text;
    this.item.tooltip = view.tooltip;
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
