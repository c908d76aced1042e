/**
 * "Poe: Show Diff": VS Code's diff editor, the document on the left and, on
 * the right, a read-only `poe-proposal:` document that is the same text with
 * every pending hunk applied. It follows the proposal and the document.
 */
import * as vscode from "vscode";

import { applyHunks, type ProposalStore } from "./core/proposals";

export const PROPOSAL_SCHEME = "poe-proposal";

/** The proposal document of a document: its path (for the language), the original in the query. */
export function proposalUri(document: vscode.Uri): vscode.Uri {
  return vscode.Uri.from({ scheme: PROPOSAL_SCHEME, path: document.path, query: document.toString() });
}

export class ProposalDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly store: ProposalStore) {
    const subscription = store.onChange((uri) => this.refresh(uri));
    this.disposables.push(
      vscode.workspace.registerTextDocumentContentProvider(PROPOSAL_SCHEME, this),
      new vscode.Disposable(() => subscription.dispose()),
      vscode.workspace.onDidChangeTextDocument((event) => {
        if (event.document.uri.scheme !== PROPOSAL_SCHEME) {
          this.refresh(event.document.uri.toString());
        }
      }),
      this.changed,
    );
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    const original = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.query);
    if (original === undefined) {
      return "";
    }
    return applyHunks(
      original.getText(),
      this.store.hunks(uri.query).map(({ hunk }) => hunk),
    );
  }

  /** Opens the diff of a document with its pending proposal; false if it has none. */
  async show(document: vscode.TextDocument): Promise<boolean> {
    const proposals = this.store.forUri(document.uri.toString());
    if (proposals.length === 0) {
      return false;
    }
    const bots = [...new Set(proposals.map((p) => p.bot))].join(", ");
    const name = document.uri.path.split("/").pop() ?? document.uri.toString();
    await vscode.commands.executeCommand(
      "vscode.diff",
      document.uri,
      proposalUri(document.uri),
      `${name} ↔ Poe proposal (${bots})`,
    );
    return true;
  }

  private refresh(original: string): void {
    const open = vscode.workspace.textDocuments.find(
      (d) => d.uri.scheme === PROPOSAL_SCHEME && d.uri.query === original,
    );
    if (open !== undefined) {
      this.changed.fire(open.uri);
    }
  }

  dispose(): void {
    for (const d of this.disposables) {
      d.dispose();
    }
  }
}
