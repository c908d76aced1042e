/** The names a selection calls (`name(`), for asking other language servers where they are defined. */

const KEYWORDS = new Set([
  "if", "for", "while", "switch", "return", "function", "catch", "typeof", "sizeof",
  "def", "elif", "and", "or", "not", "print", "super", "new",
]);

export interface CalledName {
  name: string;
  /** Offset of the name in the text it was found in (UTF-16 code units). */
  offset: number;
}

/** The first `limit` distinct names called in `text`, in order (keywords left out). */
export function calledNames(text: string, limit: number): CalledName[] {
  const found: CalledName[] = [];
  const seen = new Set<string>();
  for (const match of text.matchAll(/([A-Za-z_$][\w$]*)\s*\(/g)) {
    const name = match[1];
    if (seen.has(name) || KEYWORDS.has(name)) {
      continue;
    }
    seen.add(name);
    found.push({ name, offset: match.index ?? 0 });
    if (found.length >= limit) {
      break;
    }
  }
  return found;
}
