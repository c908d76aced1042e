/**
 * Which of the server's edits share one undo step.
 *
 * In `edits.mode: stream` the server rewrites a range with many
 * `workspace/applyEdit`s, and VS Code makes each its own undo stop: a
 * five-line refactor took 19 Ctrl+Z, each through half-written code. The
 * extension applies a streaming job's edits itself, and only the first one
 * of a run opens a new undo step; the rest join it, so one Ctrl+Z takes the
 * whole refactor back.
 */
export class UndoGroups {
  /** Per document: the label of the open run and the version our last edit produced. */
  private readonly open = new Map<string, { label: string; version: number }>();

  /**
   * Whether the next streamed edit of `uri` must open a new undo step: it
   * must unless it continues the open run (same job label) and nothing else
   * has changed the document since that run's last edit (the user's typing
   * stays an undo step of its own).
   */
  startsNewStep(uri: string, label: string, version: number): boolean {
    const run = this.open.get(uri);
    return run === undefined || run.label !== label || run.version !== version;
  }

  /** A streamed edit was applied; `version` is the document's version after it. */
  applied(uri: string, label: string, version: number): void {
    this.open.set(uri, { label, version });
  }

  /** A job on `uri` finished (or an edit went another way): its run is over. */
  close(uri: string): void {
    this.open.delete(uri);
  }
}
