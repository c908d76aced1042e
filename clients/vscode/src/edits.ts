/**
 * `workspace/applyEdit` from the server: the same version check as the
 * library's own handler, an answer only once the `didChange` it caused has
 * been sent, and a streamed job's edits gathered into one undo step.
 */
import * as vscode from "vscode";
import type {
  ApplyWorkspaceEditParams,
  ApplyWorkspaceEditResult,
  LanguageClient,
  TextDocumentEdit,
} from "vscode-languageclient/node";

import { editsMode } from "./core/options";
import type { SentVersions } from "./core/sentVersions";
import { UndoGroups } from "./core/undoGroups";

const ECHO_WAIT_MS = 2000;

export class EditApplier {
  readonly groups = new UndoGroups();

  constructor(private readonly sent: SentVersions) {}

  /** Applies the server's edit; see the module comment. */
  async apply(client: LanguageClient, params: ApplyWorkspaceEditParams): Promise<ApplyWorkspaceEditResult> {
    const p2c = client.protocol2CodeConverter;
    const open = new Map(vscode.workspace.textDocuments.map((d) => [d.uri.toString(), d]));
    for (const change of params.edit.documentChanges ?? []) {
      if ("textDocument" in change && typeof change.textDocument.version === "number") {
        const doc = open.get(p2c.asUri(change.textDocument.uri).toString());
        if (doc !== undefined && doc.version !== change.textDocument.version) {
          return { applied: false, failureReason: "the document has changed since the edit was computed" };
        }
      }
    }
    const streamed = this.streamedEdit(client, params);
    let applied: boolean;
    let uris: vscode.Uri[];
    if (streamed !== undefined) {
      applied = await this.applyInStep(client, streamed.editor, streamed.change, params.label ?? "");
      uris = [streamed.editor.document.uri];
    } else {
      const edit = await p2c.asWorkspaceEdit(params.edit);
      for (const [uri] of edit.entries()) {
        this.groups.close(uri.toString());
      }
      applied = await vscode.workspace.applyEdit(edit);
      uris = edit.entries().map(([uri]) => uri);
    }
    if (applied) {
      // The server treats a didChange that arrives after "applied" as the
      // user's typing: answer only once ours has gone out.
      await Promise.all(
        uris.map((uri) => {
          const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
          return doc ? this.sent.waitFor(uri.toString(), doc.version, ECHO_WAIT_MS) : undefined;
        }),
      );
    }
    return { applied };
  }

  /**
   * The edit of a `stream`-mode job to one document shown in an editor, which
   * the extension applies itself; undefined for every other edit (review
   * accepts, `final` mode, several documents, a document no editor shows).
   */
  private streamedEdit(
    client: LanguageClient,
    params: ApplyWorkspaceEditParams,
  ): { editor: vscode.TextEditor; change: TextDocumentEdit } | undefined {
    const changes = params.edit.documentChanges ?? [];
    if (changes.length !== 1 || params.edit.changes !== undefined) {
      return undefined;
    }
    const change = changes[0];
    if (!("textDocument" in change) || !("edits" in change)) {
      return undefined;
    }
    const uri = client.protocol2CodeConverter.asUri(change.textDocument.uri);
    if (editsMode(vscode.workspace.getConfiguration("poe", uri).get("edits.mode")) !== "stream") {
      return undefined;
    }
    const editor = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === uri.toString());
    return editor === undefined ? undefined : { editor, change };
  }

  /** One streamed edit, joined to the job's undo step unless it must open one. */
  private async applyInStep(
    client: LanguageClient,
    editor: vscode.TextEditor,
    change: TextDocumentEdit,
    label: string,
  ): Promise<boolean> {
    const doc = editor.document;
    const uri = doc.uri.toString();
    const p2c = client.protocol2CodeConverter;
    const newStep = this.groups.startsNewStep(uri, label, doc.version);
    const applied = await editor.edit(
      (builder) => {
        for (const edit of change.edits) {
          builder.replace(p2c.asRange(edit.range), edit.newText);
        }
      },
      { undoStopBefore: newStep, undoStopAfter: false },
    );
    if (applied) {
      this.groups.applied(uri, label, doc.version);
    } else {
      this.groups.close(uri);
    }
    return applied;
  }
}
