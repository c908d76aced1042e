/**
 * Review proposals (contract §9) as plain data: the pending hunks of each
 * job, kept in step with `poe/proposal` and `poe/done`, and moved along by
 * the user's edits until the server's next word.
 */
import type { LspRange } from "./jobs";

export interface Hunk {
  /** Small integer, stable within its job: what `poe.accept {jobId, hunk}` names. */
  id: number;
  /** Whole lines of the current document that the hunk replaces (empty: an insertion). */
  range: LspRange;
  newText: string;
}

/** The `poe/proposal` notification; `hunks: []` when the proposal is gone. */
export interface ProposalParams {
  jobId: string;
  uri: string;
  bot: string;
  action: string;
  hunks: Hunk[];
}

export type Proposal = ProposalParams;

/** One change of a document as VS Code reports it (positions in UTF-16, like LSP here). */
export interface ContentChange {
  range: LspRange;
  text: string;
}

type Position = LspRange["start"];

function before(a: Position, b: Position): boolean {
  return a.line < b.line || (a.line === b.line && a.character < b.character);
}

function after(a: Position, b: Position): boolean {
  return before(b, a);
}

/** Where `pos` ends up once `change` (not overlapping it) has been applied. */
function movePosition(pos: Position, change: ContentChange): Position {
  const { start, end } = change.range;
  if (before(pos, end)) {
    return pos;
  }
  const lines = change.text.split("\n");
  const added = lines.length - 1;
  const lastLength = lines[lines.length - 1].length;
  if (pos.line === end.line) {
    const column = (added === 0 ? start.character : 0) + lastLength + (pos.character - end.character);
    return { line: start.line + added, character: column };
  }
  return { line: pos.line + added - (end.line - start.line), character: pos.character };
}

function same(a: Position, b: Position): boolean {
  return a.line === b.line && a.character === b.character;
}

/**
 * A hunk's range after a change of the document, or `undefined` when the
 * change touches its lines: the user's text wins and the server drops that
 * hunk (contract §9), so the client stops showing it at once. Typing at the
 * very start of a hunk's first line is typing in that line; so is typing
 * exactly where an insertion would go.
 */
export function moveHunkRange(range: LspRange, change: ContentChange): LspRange | undefined {
  const { start: cs, end: ce } = change.range;
  const isInsertion = same(cs, ce);
  const hunkIsInsertion = same(range.start, range.end);
  if (after(range.start, ce) || (same(ce, range.start) && !isInsertion)) {
    return { start: movePosition(range.start, change), end: movePosition(range.end, change) };
  }
  // A hunk that ends inside a line (the document's last line, no newline)
  // holds all of that line.
  const startsAfter =
    range.end.character === 0 || hunkIsInsertion
      ? !before(cs, range.end) && !(hunkIsInsertion && isInsertion && same(cs, range.start))
      : cs.line > range.end.line;
  if (startsAfter) {
    return range;
  }
  return undefined;
}

/**
 * `text` with `hunks` applied: what the document becomes if every pending
 * hunk is accepted (the right side of "Show diff").
 */
export function applyHunks(text: string, hunks: readonly Hunk[]): string {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "\n") {
      starts.push(i + 1);
    }
  }
  const offset = (pos: Position): number => {
    const line = Math.min(Math.max(pos.line, 0), starts.length - 1);
    const lineEnd = line + 1 < starts.length ? starts[line + 1] - 1 : text.length;
    return Math.min(starts[line] + Math.max(pos.character, 0), lineEnd);
  };
  const spans = hunks
    .map((h) => ({ start: offset(h.range.start), end: offset(h.range.end), text: h.newText }))
    .sort((a, b) => b.start - a.start || b.end - a.end);
  let out = text;
  let limit = text.length;
  for (const span of spans) {
    // Overlapping hunks cannot both apply; the later one in the document wins.
    if (span.end > limit) {
      continue;
    }
    out = out.slice(0, span.start) + span.text + out.slice(span.end);
    limit = span.start;
  }
  return out;
}

export type ProposalListener = (uri: string) => void;

/** The pending proposals, by job; listeners hear the document whose proposals changed. */
export class ProposalStore {
  private readonly proposals = new Map<string, Proposal>();
  private readonly listeners = new Set<ProposalListener>();

  onChange(listener: ProposalListener): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** `poe/proposal` (and the `proposal` of `poe/done`): the job's pending hunks now. */
  set(params: ProposalParams): void {
    const old = this.proposals.get(params.jobId);
    if (params.hunks.length === 0) {
      this.proposals.delete(params.jobId);
    } else {
      this.proposals.set(params.jobId, { ...params, hunks: [...params.hunks] });
    }
    if (old !== undefined && old.uri !== params.uri) {
      this.emit(old.uri);
    }
    if (old !== undefined || params.hunks.length > 0) {
      this.emit(params.uri);
    }
  }

  get(jobId: string): Proposal | undefined {
    return this.proposals.get(jobId);
  }

  /** The proposals pending in a document, in the order their jobs proposed them. */
  forUri(uri: string): Proposal[] {
    return [...this.proposals.values()].filter((p) => p.uri === uri);
  }

  /** Every pending hunk of a document, with its job. */
  hunks(uri: string): Array<{ proposal: Proposal; hunk: Hunk }> {
    return this.forUri(uri).flatMap((proposal) => proposal.hunks.map((hunk) => ({ proposal, hunk })));
  }

  /** The pending hunk whose lines hold `line` (an insertion: the line it goes before). */
  hunkAt(uri: string, line: number): { proposal: Proposal; hunk: Hunk } | undefined {
    return this.hunks(uri).find(({ hunk }) => {
      const { start, end } = hunk.range;
      const last = end.character === 0 && end.line > start.line ? end.line - 1 : end.line;
      return start.line <= line && line <= last;
    });
  }

  /**
   * The user edited the document: hunks move with edits elsewhere and
   * vanish where the edit touched them, until the server says more.
   */
  documentChanged(uri: string, changes: readonly ContentChange[]): void {
    let changed = false;
    for (const proposal of this.forUri(uri)) {
      let hunks = proposal.hunks;
      // VS Code reports one event's changes against the text before the event,
      // last in the document first; applying them in that order keeps them valid.
      for (const change of changes) {
        hunks = hunks.flatMap((hunk) => {
          const range = moveHunkRange(hunk.range, change);
          return range === undefined ? [] : [{ ...hunk, range }];
        });
      }
      if (JSON.stringify(hunks) !== JSON.stringify(proposal.hunks)) {
        changed = true;
        if (hunks.length === 0) {
          this.proposals.delete(proposal.jobId);
        } else {
          proposal.hunks = hunks;
        }
      }
    }
    if (changed) {
      this.emit(uri);
    }
  }

  /** The server stopped: its proposals are gone with it. */
  clear(): void {
    const uris = new Set([...this.proposals.values()].map((p) => p.uri));
    this.proposals.clear();
    for (const uri of uris) {
      this.emit(uri);
    }
  }

  private emit(uri: string): void {
    for (const listener of this.listeners) {
      listener(uri);
    }
  }
}
