/**
 * How a hunk is drawn in the editor with plain decorations. VS Code's API
 * cannot insert lines into an editor, so the removed lines are marked (red,
 * struck through) and the new lines are shown as ghost text at the end of
 * them: new line i beside removed line i, the rest beside the last one; an
 * insertion beside the line it follows.
 */
import type { Hunk } from "./proposals";
import type { LspRange } from "./jobs";

/** Ghost text: new lines shown at the end (`after`) or start (`before`) of a line. */
export interface Ghost {
  line: number;
  text: string;
  position: "after" | "before";
}

export interface HunkDrawing {
  /** The lines the hunk removes (first..last), or undefined for a pure insertion. */
  removed: { first: number; last: number } | undefined;
  ghosts: Ghost[];
}

/** Shown between new lines that share one line of ghost text. */
export const LINE_JOIN = "  ⏎  ";
/** Marks ghost text as the replacement. */
export const GHOST_PREFIX = "→ ";

/** The lines of a hunk's `newText`; a final newline ends the last line, it opens no new one. */
export function newLines(text: string): string[] {
  if (text === "") {
    return [];
  }
  const lines = text.split(/\r?\n/);
  if (lines[lines.length - 1] === "") {
    lines.pop();
  }
  return lines;
}

/** The document lines a range removes: a range that ends at a line's start stops before it. */
export function removedLines(range: LspRange): { first: number; last: number } | undefined {
  const { start, end } = range;
  if (start.line === end.line && start.character === end.character) {
    return undefined;
  }
  const last = end.character === 0 && end.line > start.line ? end.line - 1 : end.line;
  return { first: start.line, last };
}

/** New lines as one line of ghost text: indentation dropped (the diff view shows it). */
function ghostText(lines: string[]): string {
  return GHOST_PREFIX + lines.map((l) => l.trim()).join(LINE_JOIN);
}

/** Where each new line of a hunk is shown, and which lines are marked removed. */
export function drawHunk(hunk: Pick<Hunk, "range" | "newText">): HunkDrawing {
  const removed = removedLines(hunk.range);
  let added = newLines(hunk.newText);
  const ghosts: Ghost[] = [];
  if (removed === undefined) {
    // An insertion at the end of the last line begins with the newline that ends it.
    if (hunk.range.start.character > 0 && added[0] === "") {
      added = added.slice(1);
    }
    if (added.length > 0) {
      const at = hunk.range.start;
      const follows = at.character > 0 ? at.line : at.line - 1;
      ghosts.push(
        follows >= 0
          ? { line: follows, text: ghostText(added), position: "after" }
          : { line: 0, text: `${ghostText(added)}${LINE_JOIN}`, position: "before" },
      );
    }
    return { removed, ghosts };
  }
  const count = removed.last - removed.first + 1;
  for (let i = 0; i < count && i < added.length; i++) {
    const rest = i === count - 1 ? added.slice(i) : [added[i]];
    ghosts.push({ line: removed.first + i, text: ghostText(rest), position: "after" });
  }
  return { removed, ghosts };
}

/** A Markdown code fence longer than any run of backticks in `text`. */
function fenceFor(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  return "`".repeat(longest + 1);
}

/** The hover of a hunk: its title and the change as a unified diff. */
export function hunkMarkdown(title: string, oldLines: readonly string[], newText: string): string {
  const body = [
    ...oldLines.map((l) => `-${l}`),
    ...newLines(newText).map((l) => `+${l}`),
  ].join("\n");
  const fence = fenceFor(body);
  return `**${title}**\n\n${fence}diff\n${body}\n${fence}\n`;
}

/** A `command:` link for Markdown, its one argument JSON-encoded as VS Code expects. */
export function commandLink(label: string, command: string, argument: object): string {
  return `[${label}](command:${command}?${encodeURIComponent(JSON.stringify([argument]))})`;
}

const FENCE_RE = /^[ \t]*(`{3,}|~{3,})/;

/**
 * The code in a bot's answer so far, for the preview while it streams: the
 * first fenced block (open or closed), or, with no fence, the complete lines
 * once there are two of them. The server's own extraction decides what is
 * proposed in the end; this only has to look right on the way.
 */
export function codeSoFar(answer: string): string {
  const lines = answer.split("\n");
  const open = lines.findIndex((l) => FENCE_RE.test(l));
  if (open < 0) {
    const complete = lines.slice(0, -1);
    return complete.length >= 2 ? complete.join("\n") + "\n" : "";
  }
  const fence = (FENCE_RE.exec(lines[open]) as RegExpExecArray)[1];
  const code: string[] = [];
  for (const line of lines.slice(open + 1)) {
    const trimmed = line.trim();
    if (trimmed.length >= fence.length && trimmed === fence[0].repeat(trimmed.length)) {
      return code.map((l) => `${l}\n`).join("");
    }
    code.push(line);
  }
  // Still open: hold back a last line that may become the closing fence.
  const last = code[code.length - 1] ?? "";
  if (/^[ \t]*[`~]*$/.test(last)) {
    code.pop();
  }
  return code.map((l) => `${l}\n`).join("");
}
