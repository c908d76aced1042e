/**
 * Review mode in the editor: each pending hunk drawn as an inline diff
 * (removed lines red and struck through, new lines as ghost text beside
 * them; a hover with the exact diff and Accept / Reject / Show diff), a
 * preview of the same while an edit job streams, and the commands Accept All
 * Changes, Reject All Changes and Show Diff. The Accept | Reject buttons
 * over each hunk are the server's own CodeLens (one set, not two).
 */
import * as vscode from "vscode";

import { actionTitle, type JobTracker, type JobView } from "./core/jobs";
import { codeSoFar, commandLink, drawHunk, type Ghost, hunkMarkdown } from "./core/inlineDiff";
import { editsMode } from "./core/options";
import type { Hunk, Proposal, ProposalStore } from "./core/proposals";
import { PROPOSAL_SCHEME, type ProposalDocuments } from "./proposalDiff";

/** What is drawn in one document (the end-to-end tests read it). */
export interface Drawn {
  removed: Array<{ first: number; last: number }>;
  ghosts: Ghost[];
  /** Whether a streaming job's preview is part of it. */
  preview: boolean;
}

export type Sender = (command: string, argument: object) => Promise<unknown>;

const CONTEXT_KEY = "poe.proposalInEditor";

export class ReviewView implements vscode.Disposable {
  private readonly removed = vscode.window.createTextEditorDecorationType({
    isWholeLine: true,
    backgroundColor: new vscode.ThemeColor("diffEditor.removedLineBackground"),
    textDecoration: "line-through",
    overviewRulerColor: new vscode.ThemeColor("editorOverviewRuler.deletedForeground"),
    overviewRulerLane: vscode.OverviewRulerLane.Left,
  });
  private readonly ghost = vscode.window.createTextEditorDecorationType({
    after: {
      color: new vscode.ThemeColor("gitDecoration.addedResourceForeground"),
      backgroundColor: new vscode.ThemeColor("diffEditor.insertedTextBackground"),
      margin: "0 0 0 3ch",
    },
    before: {
      color: new vscode.ThemeColor("gitDecoration.addedResourceForeground"),
      backgroundColor: new vscode.ThemeColor("diffEditor.insertedTextBackground"),
    },
    overviewRulerColor: new vscode.ThemeColor("editorOverviewRuler.addedForeground"),
    overviewRulerLane: vscode.OverviewRulerLane.Left,
  });
  private readonly drawn = new Map<string, Drawn>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly store: ProposalStore,
    private readonly jobs: JobTracker,
    private readonly diffs: ProposalDocuments,
    private readonly send: Sender,
  ) {
    const proposals = store.onChange((uri) => this.redraw(uri));
    const streams = jobs.onChange((job) => {
      if (job.output === "edit") {
        this.redraw(job.uri);
      }
    });
    this.disposables.push(
      this.removed,
      this.ghost,
      new vscode.Disposable(() => proposals.dispose()),
      new vscode.Disposable(() => streams.dispose()),
      vscode.workspace.onDidChangeTextDocument((event) => {
        store.documentChanged(
          event.document.uri.toString(),
          event.contentChanges.map((c) => ({ range: c.range, text: c.text })),
        );
      }),
      vscode.window.onDidChangeVisibleTextEditors((editors) => {
        for (const editor of editors) {
          this.draw(editor);
        }
      }),
      vscode.window.onDidChangeActiveTextEditor(() => this.updateContext()),
    );
  }

  register(): vscode.Disposable[] {
    const target = (arg?: { uri?: string }): vscode.TextDocument | undefined => {
      const uri = arg?.uri ?? activeOriginal();
      return vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri);
    };
    return [
      vscode.commands.registerCommand("poe.acceptAllChanges", (arg?: { uri?: string }) =>
        this.settleAll("poe.accept", target(arg)),
      ),
      vscode.commands.registerCommand("poe.rejectAllChanges", (arg?: { uri?: string }) =>
        this.settleAll("poe.reject", target(arg)),
      ),
      vscode.commands.registerCommand("poe.showDiff", async (arg?: { uri?: string }) => {
        const doc = target(arg);
        if (doc === undefined || !(await this.diffs.show(doc))) {
          void vscode.window.showInformationMessage("Poe: there is no proposal to show in this editor.");
          return false;
        }
        return true;
      }),
    ];
  }

  /** What is drawn in a document now (for tests). */
  state(uri: string): Drawn {
    return this.drawn.get(uri) ?? { removed: [], ghosts: [], preview: false };
  }

  /** Accept or reject every pending proposal of a document, each job with one command. */
  private async settleAll(command: "poe.accept" | "poe.reject", doc: vscode.TextDocument | undefined): Promise<number> {
    const proposals = doc === undefined ? [] : this.store.forUri(doc.uri.toString());
    if (proposals.length === 0) {
      void vscode.window.showInformationMessage("Poe: there is no proposal in this editor.");
      return 0;
    }
    for (const proposal of proposals) {
      await this.send(command, { jobId: proposal.jobId });
    }
    return proposals.length;
  }

  private redraw(uri: string): void {
    for (const editor of vscode.window.visibleTextEditors) {
      if (editor.document.uri.toString() === uri) {
        this.draw(editor);
      }
    }
    this.updateContext();
  }

  private draw(editor: vscode.TextEditor): void {
    const doc = editor.document;
    const uri = doc.uri.toString();
    const removed: vscode.DecorationOptions[] = [];
    const ghosts: vscode.DecorationOptions[] = [];
    const drawn: Drawn = { removed: [], ghosts: [], preview: false };
    const add = (hunk: Pick<Hunk, "range" | "newText">, hover: vscode.MarkdownString): void => {
      const drawing = drawHunk(hunk);
      if (drawing.removed !== undefined) {
        const { first, last } = drawing.removed;
        if (last >= doc.lineCount) {
          return;
        }
        drawn.removed.push({ first, last });
        removed.push({ range: new vscode.Range(first, 0, last, doc.lineAt(last).text.length), hoverMessage: hover });
      }
      for (const ghost of drawing.ghosts) {
        if (ghost.line >= doc.lineCount) {
          continue;
        }
        drawn.ghosts.push(ghost);
        const line = doc.lineAt(ghost.line);
        const at = ghost.position === "after" ? line.range.end : line.range.start;
        ghosts.push({
          range: new vscode.Range(at, at),
          hoverMessage: hover,
          renderOptions: { [ghost.position]: { contentText: ghost.text } },
        });
      }
    };
    for (const proposal of this.store.forUri(uri)) {
      proposal.hunks.forEach((hunk, i) => add(hunk, this.hunkHover(proposal, hunk, i, doc)));
    }
    for (const job of this.previewed(uri)) {
      drawn.preview = true;
      const code = codeSoFar(job.text);
      const hover = new vscode.MarkdownString(`**${jobTitle(job)}** is writing its proposal…`);
      add({ range: job.range, newText: code === "" ? `⟳ ${job.bot} is writing…\n` : code }, hover);
    }
    editor.setDecorations(this.removed, removed);
    editor.setDecorations(this.ghost, ghosts);
    this.drawn.set(uri, drawn);
  }

  /** Running edit jobs of a document whose answer will be a proposal (review mode). */
  private previewed(uri: string): JobView[] {
    return this.jobs
      .running()
      .filter(
        (job) =>
          job.uri === uri &&
          job.output === "edit" &&
          job.action !== "document" &&
          editsMode(vscode.workspace.getConfiguration("poe", vscode.Uri.parse(uri)).get("edits.mode")) === "review",
      );
  }

  private hunkHover(proposal: Proposal, hunk: Hunk, index: number, doc: vscode.TextDocument): vscode.MarkdownString {
    const drawing = drawHunk(hunk);
    const old: string[] = [];
    if (drawing.removed !== undefined) {
      for (let line = drawing.removed.first; line <= drawing.removed.last && line < doc.lineCount; line++) {
        old.push(doc.lineAt(line).text);
      }
    }
    const title = `${jobTitle(proposal)} — change ${index + 1} of ${proposal.hunks.length}`;
    const links = [
      commandLink("Accept", "poe.accept", { jobId: proposal.jobId, hunk: hunk.id }),
      commandLink("Reject", "poe.reject", { jobId: proposal.jobId, hunk: hunk.id }),
      commandLink("Show diff", "poe.showDiff", { uri: doc.uri.toString() }),
    ].join(" · ");
    const md = new vscode.MarkdownString(`${hunkMarkdown(title, old, hunk.newText)}\n${links}`);
    md.isTrusted = { enabledCommands: ["poe.accept", "poe.reject", "poe.showDiff"] };
    return md;
  }

  private updateContext(): void {
    const uri = activeOriginal();
    const pending = uri !== undefined && this.store.forUri(uri).length > 0;
    void vscode.commands.executeCommand("setContext", CONTEXT_KEY, pending);
  }

  dispose(): void {
    for (const d of this.disposables) {
      d.dispose();
    }
  }
}

/** The active editor's document; in "Show diff", the document the proposal is for. */
function activeOriginal(): string | undefined {
  const uri = vscode.window.activeTextEditor?.document.uri;
  return uri?.scheme === PROPOSAL_SCHEME ? uri.query : uri?.toString();
}

function jobTitle(job: { action: string; bot: string }): string {
  return `Poe · ${actionTitle(job.action)} · ${job.bot}`;
}
