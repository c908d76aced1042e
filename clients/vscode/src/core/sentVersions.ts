/**
 * Which document versions have been sent to the server with `didChange`.
 *
 * poe-lsp computes each streamed edit from the document as the client echoed
 * it, and treats a `didChange` that arrives after it heard "applied" as the
 * user typing in the range. vscode-languageclient answers
 * `workspace/applyEdit` as soon as VS Code applied the edit, while the
 * `didChange` it caused is still on its (async) way: so the answer waits
 * until that version has been sent.
 */
export class SentVersions {
  private readonly sent = new Map<string, number>();
  private readonly waiters = new Map<string, Array<{ version: number; resolve: () => void }>>();

  /** A `didChange` for `uri` at `version` has been handed to the connection. */
  note(uri: string, version: number): void {
    if (version > (this.sent.get(uri) ?? -1)) {
      this.sent.set(uri, version);
    }
    const waiting = this.waiters.get(uri) ?? [];
    const still = waiting.filter((w) => {
      if (w.version <= version) {
        w.resolve();
        return false;
      }
      return true;
    });
    if (still.length > 0) {
      this.waiters.set(uri, still);
    } else {
      this.waiters.delete(uri);
    }
  }

  /** The document was opened (or closed): start over for it. */
  reset(uri: string, version?: number): void {
    this.sent.delete(uri);
    if (version !== undefined) {
      this.note(uri, version);
    }
  }

  /** Resolves once `version` of `uri` has been sent, or after `timeoutMs` (true if sent). */
  waitFor(uri: string, version: number, timeoutMs: number): Promise<boolean> {
    if ((this.sent.get(uri) ?? -1) >= version) {
      return Promise.resolve(true);
    }
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        const list = this.waiters.get(uri) ?? [];
        this.waiters.set(
          uri,
          list.filter((w) => w !== entry),
        );
        resolve(false);
      }, timeoutMs);
      const entry = {
        version,
        resolve: () => {
          clearTimeout(timer);
          resolve(true);
        },
      };
      this.waiters.set(uri, [...(this.waiters.get(uri) ?? []), entry]);
    });
  }
}
