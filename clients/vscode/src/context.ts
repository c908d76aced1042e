/**
 * Definitions of what a selection calls, from the other language servers of the
 * document (`vscode.executeDefinitionProvider`), sent as a job's `context`
 * argument (README "Workspace context"). Bounded: a few names, a short wait;
 * what has answered by then is sent; definitions in the job's own file, and
 * outside the workspace folders (which the server would refuse), are not.
 */
import * as vscode from "vscode";
import type { LanguageClient } from "vscode-languageclient/node";

import { calledNames } from "./core/calledNames";

const JOB_COMMANDS = new Set(["poe.explain", "poe.refactor", "poe.fix", "poe.ask"]);
export const MAX_NAMES = 5;
export const TIMEOUT_MS = 500;
export const MAX_ITEMS = 8;

type Found = vscode.Location | vscode.LocationLink;

/** `argument` with a `context` of definitions added, when the job has a selection. */
export async function withDefinitions(
  command: string,
  argument: object,
  client: LanguageClient | undefined,
): Promise<object> {
  const editor = vscode.window.activeTextEditor;
  const enabled = vscode.workspace.getConfiguration("poe").get<boolean>("context.workspace", true);
  if (!JOB_COMMANDS.has(command) || !enabled || editor === undefined || editor.selection.isEmpty) {
    return argument;
  }
  if ("context" in argument || !("range" in argument)) {
    return argument;
  }
  const doc = editor.document;
  const start = doc.offsetAt(editor.selection.start);
  const names = calledNames(doc.getText(editor.selection), MAX_NAMES);
  const items: { uri: string; range: object }[] = [];
  const seen = new Set<string>();
  const asked = names.map(async (n) => {
    const found = await vscode.commands.executeCommand<Found[] | undefined>(
      "vscode.executeDefinitionProvider",
      doc.uri,
      doc.positionAt(start + n.offset),
    );
    for (const loc of found ?? []) {
      const uri = "targetUri" in loc ? loc.targetUri : loc.uri;
      const range = "targetRange" in loc ? loc.targetRange : loc.range;
      const key = `${uri.toString()}:${range.start.line}`;
      // The server reads only files inside the workspace folders and refuses a job
      // whose context points elsewhere: library stubs (builtins.pyi) stay out.
      const inWorkspace = uri.scheme === "file" && vscode.workspace.getWorkspaceFolder(uri) !== undefined;
      if (!inWorkspace || uri.toString() === doc.uri.toString() || seen.has(key) || items.length >= MAX_ITEMS) {
        continue;
      }
      seen.add(key);
      const c2p = client?.code2ProtocolConverter;
      items.push({
        uri: c2p ? c2p.asUri(uri) : uri.toString(),
        range: c2p ? c2p.asRange(range) : range,
      });
    }
  });
  await Promise.race([
    Promise.allSettled(asked),
    new Promise((resolve) => setTimeout(resolve, TIMEOUT_MS)),
  ]);
  return items.length > 0 ? { ...argument, context: [...items] } : argument;
}
