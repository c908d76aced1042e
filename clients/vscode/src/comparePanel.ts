/**
 * The compare panel: the answers of one `poe.compare` side by side, a column
 * per bot (streaming text, elapsed time, points when `poe.usage` reports
 * them), with "Use this" for a refactor's answers: it accepts that job's
 * proposal, and the server rejects the others.
 */
import * as crypto from "node:crypto";
import * as vscode from "vscode";

import { CompareBoard, type CompareUpdate, pointsOf } from "./core/compare";
import type { JobTracker, JobView } from "./core/jobs";
import { ANSWER_STYLE, pageHead } from "./core/render";

/** Sends a `poe.*` command; undefined when it was refused (and said so) or not sent. */
export type Send = (command: string, argument: object) => Promise<unknown>;

const TICK_MS = 500;

export class ComparePanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private board: CompareBoard | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly subscription: { dispose(): void };

  constructor(
    jobs: JobTracker,
    /** Reports a refusal to the user (Use this). */
    private readonly send: Send,
    /** Asks without telling the user anything: `poe.usage` may be unknown to the server. */
    private readonly ask: Send,
    private readonly cancel: (jobId: string) => void,
  ) {
    this.subscription = jobs.onChange((job) => this.onJob(job));
  }

  private onJob(job: JobView): void {
    if (job.compareId === undefined) {
      return;
    }
    if (this.board?.compareId !== job.compareId) {
      if (job.status !== "running") {
        return; // the end of an older compare: this panel has moved on
      }
      this.board = new CompareBoard(job.compareId, Date.now());
    }
    const board = this.board;
    const known = board.columns.some((c) => c.jobId === job.jobId);
    const column = board.update(job, Date.now());
    if (!known || job.status !== "running") {
      this.show();
    } else {
      this.post();
    }
    if (job.status === "done" && column.points === undefined) {
      void this.pollPoints(board, job.jobId);
    }
  }

  /** `poe.usage` after a job's end: its points, if the server knows them. */
  private async pollPoints(board: CompareBoard, jobId: string): Promise<void> {
    let usage: unknown;
    try {
      usage = await this.ask("poe.usage", {});
    } catch {
      return; // no usage command: the column shows no points
    }
    if (board.setPoints(jobId, pointsOf(usage, jobId)) && board === this.board) {
      this.post();
    }
  }

  private show(): void {
    const board = this.board;
    if (board === undefined) {
      return;
    }
    if (this.panel === undefined) {
      this.panel = vscode.window.createWebviewPanel(
        "poe.compare",
        "Poe · Compare",
        { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
        { enableScripts: true, retainContextWhenHidden: true, localResourceRoots: [] },
      );
      this.panel.onDidDispose(() => {
        this.panel = undefined;
        this.stopTicking();
      });
      this.panel.webview.onDidReceiveMessage((message: { type?: string; jobId?: string }) => {
        if (typeof message.jobId !== "string") {
          return;
        }
        if (message.type === "use") {
          void this.use(message.jobId);
        } else if (message.type === "cancel") {
          this.cancel(message.jobId);
        }
      });
      const nonce = crypto.randomBytes(16).toString("base64");
      this.panel.webview.html = comparePage(nonce, this.panel.webview.cspSource);
    } else {
      this.panel.reveal(undefined, true);
    }
    this.post();
  }

  /** "Use this": accept the job's whole proposal; the server rejects the others. */
  async use(jobId: string): Promise<boolean> {
    const board = this.board;
    if (board === undefined || board.chosen !== undefined) {
      return false;
    }
    const accepted = await this.send("poe.accept", { jobId });
    if (accepted === undefined) {
      return false;
    }
    board.chosen = jobId;
    this.post();
    return true;
  }

  private post(): void {
    const board = this.board;
    if (this.panel === undefined || board === undefined) {
      return;
    }
    const update = board.view(Date.now());
    this.panel.title = `Poe · ${update.heading}`;
    void this.panel.webview.postMessage(update);
    if (board.running) {
      this.timer ??= setInterval(() => this.post(), TICK_MS);
    } else {
      this.stopTicking();
    }
  }

  private stopTicking(): void {
    if (this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /** What the panel shows (for tests). */
  state(): { visible: boolean; view: CompareUpdate | undefined } {
    return {
      visible: this.panel?.visible ?? false,
      view: this.board?.view(Date.now()),
    };
  }

  dispose(): void {
    this.subscription.dispose();
    this.stopTicking();
    this.panel?.dispose();
  }
}

/** `poe.compare` of the selection: the bots given, else the `poe.compare.bots` setting. */
export async function compareSelection(
  send: Send,
  where: (needSelection: boolean) => { uri: string; range: object } | undefined,
  arg?: { action?: "explain" | "refactor"; bots?: string[] },
): Promise<unknown> {
  const bots = arg?.bots ?? vscode.workspace.getConfiguration("poe").get<string[]>("compare.bots", []);
  if (!Array.isArray(bots) || bots.length < 2) {
    void vscode.window.showInformationMessage(
      "Poe: set poe.compare.bots to the 2 to 4 bots to compare (e.g. GPT-5, Claude-Sonnet-4.5).",
    );
    return undefined;
  }
  const target = where(true);
  if (target === undefined) {
    return undefined;
  }
  return send("poe.compare", { ...target, action: arg?.action ?? "explain", bots });
}

/** The page; columns arrive by `postMessage`, already rendered (Markdown, no raw HTML). */
function comparePage(nonce: string, cspSource: string): string {
  return `${pageHead(nonce, cspSource)}
  body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); color: var(--vscode-foreground); padding: 0 12px 24px; line-height: 1.5; }
  h1 { font-size: 1.1em; margin: 10px 0; }
  #columns { display: grid; gap: 12px; align-items: start; }
  section { border: 1px solid var(--vscode-panel-border, #8884); border-radius: 4px; padding: 0 10px 10px; min-width: 0; }
  section header { display: flex; flex-wrap: wrap; align-items: center; gap: 8px; padding: 8px 0; border-bottom: 1px solid var(--vscode-panel-border, #8884); }
  section header h2 { font-size: 1em; margin: 0; flex: 1 0 100%; }
  .meta { opacity: 0.75; font-size: 0.9em; }
  button { background: var(--vscode-button-background); color: var(--vscode-button-foreground); border: none; padding: 3px 10px; cursor: pointer; }
  button:hover { background: var(--vscode-button-hoverBackground); }
${ANSWER_STYLE}
  /* Narrow columns: wrap long code lines rather than hide them. */
  pre code { white-space: pre-wrap; overflow-wrap: anywhere; }
</style>
</head>
<body>
<h1 id="heading">Compare</h1>
<div id="columns"></div>
<script nonce="${nonce}">
  const vscode = acquireVsCodeApi();
  const columns = document.getElementById("columns");
  function text(tag, className, value) {
    const element = document.createElement(tag);
    if (className) element.className = className;
    element.textContent = value;
    return element;
  }
  window.addEventListener("message", (event) => {
    const u = event.data;
    document.getElementById("heading").textContent = u.heading;
    columns.style.gridTemplateColumns = "repeat(" + u.columns.length + ", minmax(0, 1fr))";
    columns.replaceChildren(...u.columns.map((c) => {
      const section = document.createElement("section");
      section.dataset.bot = c.bot;
      const header = document.createElement("header");
      header.append(text("h2", "", c.bot), text("span", "meta status", c.status),
        text("span", "meta time", c.time));
      if (c.points) header.append(text("span", "meta points", c.points));
      for (const [show, label, type] of [[c.canUse, "Use this", "use"], [c.running, "Cancel", "cancel"]]) {
        if (!show) continue;
        const button = text("button", type, label);
        button.addEventListener("click", () => vscode.postMessage({ type, jobId: c.jobId }));
        header.append(button);
      }
      const body = document.createElement("div");
      body.className = "body";
      body.innerHTML = c.body;
      section.append(header, text("p", "error", c.error), body);
      return section;
    }));
  });
</script>
</body>
</html>`;
}
