"""From a bot's answer, or an existing doc comment, to the plain doc text.

Answers come with fences, prose, an echoed signature and the wrong comment
markers; :func:`doc_text` drops all of that, and the same normalisation reads
an existing doc back, so documenting twice finds exactly what was written.
"""

from __future__ import annotations

import ast
import re
import textwrap

from .languages import _LANGS
from .target import DocTarget

_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_FENCE_RE = re.compile(r"[ \t]*(?P<fence>`{3,}|~{3,})(?P<info>.*)")
_INTRO_RE = re.compile(
    r"(Here is|Here['’]s|Here are|Below|The following|Sure|Certainly|Of course|Okay|OK|"
    r"Absolutely|I['’]ve|I have|I wrote|I added|This (doc|documentation|docstring|comment))\b",
    re.IGNORECASE,
)
_DECORATOR_RE = re.compile(r"\s*(@[A-Za-z_][\w.]*(\(.*\))?|#!?\[.*\])\s*")
_LINE_MARKERS = ("///", "//!", "//", "---", "--")
_TRIPLE_RE = re.compile(r"[rRuU]{0,2}(\"\"\"|''')")
_DEF_KEYWORDS_RE = re.compile(
    r"(export\s+)?(default\s+)?(pub(\([\w:]+\))?\s+)?(public\s+|private\s+|protected\s+|"
    r"static\s+|abstract\s+|final\s+|async\s+|local\s+|inline\s+|virtual\s+|unsafe\s+|"
    r"const\s+|extern\s+)*(def|class|function|func|fn|struct|interface|enum|trait|impl|"
    r"type|record|union|macro_rules!)\b"
)


def _clean(answer: str) -> str:
    text = answer.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u2028", "\n").replace("\u2029", "\n")
    return _CONTROL_RE.sub("", text)


def _normalize(text: str) -> str:
    """Trim blank edges, the first line's indentation and the rest's common margin.

    The same normalisation applies to a bot's answer and to an existing doc read
    back from the file, so documenting twice finds exactly what was written.
    """
    lines = [line.rstrip() for line in _clean(text).split("\n")]
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        return ""
    lines = [lines[0].lstrip(), *textwrap.dedent("\n".join(lines[1:])).split("\n")][: len(lines)]
    while lines and not lines[-1].strip():
        lines.pop()
    return "\n".join(line.rstrip() for line in lines)


def _short_name(name: str) -> str:
    return re.split(r"::|[.:]|\s+for\s+", name)[-1].strip() or name


def _squash(line: str) -> str:
    return re.sub(r"\s+", "", line)


def _is_signature(line: str, target: DocTarget) -> bool:
    """Whether a line of the answer repeats the definition's header."""
    stripped = line.strip()
    if not stripped:
        return False
    header = [
        h
        for h in target.signature.split("\n")
        if h.strip() and not _DECORATOR_RE.fullmatch(h) and not h.strip().startswith("#")
    ]
    if header:
        first = _squash(header[0]).rstrip("{:")
        if len(first) >= 5 and _squash(stripped).startswith(first):
            return True
    name = re.escape(_short_name(target.name))
    if not re.search(rf"(?<![\w$]){name}(?![\w$])", stripped):
        return False
    if stripped.endswith((".", "!", "?", ",")):
        return False
    if _DEF_KEYWORDS_RE.match(stripped):
        return True
    # A call such as ``area(2.0);`` in an example is not a header; ``scale(k) {`` is.
    return re.search(rf"(?<![\w$]){name}\s*(<[^>]*>)?\s*\(", stripped) is not None and (
        stripped.endswith(("{", ":", "=>"))
    )


def _opens_marker(line: str) -> bool:
    s = line.lstrip()
    return bool(_TRIPLE_RE.match(s)) or s.startswith(("/*", *_LINE_MARKERS))


def _unfence(text: str, target: DocTarget) -> str:
    """The first fenced block, when the fence wraps the doc rather than an example in it."""
    lines = text.split("\n")
    opening = next((i for i, line in enumerate(lines) if _FENCE_RE.fullmatch(line)), None)
    if opening is None:
        return text
    match = _FENCE_RE.fullmatch(lines[opening])
    assert match is not None
    fence = match.group("fence")
    if fence[0] == "`" and "`" in match.group("info"):
        return text
    closing = next(
        (
            j
            for j in range(opening + 1, len(lines))
            if lines[j].strip()
            and set(lines[j].strip()) == {fence[0]}
            and len(lines[j].strip()) >= len(fence)
        ),
        len(lines),
    )
    block = lines[opening + 1 : closing]
    before = [line for line in lines[:opening] if line.strip()]
    after = [line for line in lines[closing + 1 :] if line.strip()]
    first = next((line for line in block if line.strip()), "")
    wraps = (
        (not before and not after)
        or (bool(before) and before[-1].rstrip().endswith(":"))
        or (bool(before) and _INTRO_RE.match(before[0].strip()) is not None)
        or _opens_marker(first)
        or _is_signature(first, target)
        or bool(_DECORATOR_RE.fullmatch(first))
    )
    return textwrap.dedent("\n".join(block)) if wraps else text


def _strip_star_prefixes(lines: list[str]) -> list[str]:
    rest = [line.lstrip() for line in lines[1:]]
    if not all(line.startswith("*") or not line for line in rest):
        return lines
    stripped = [line[1:] for line in rest]
    return [lines[0], *(line[1:] if line.startswith(" ") else line for line in stripped)]


def _from_block(text: str) -> str:
    """The inside of a ``/* … */`` comment, ``*`` margins removed."""
    inner = text.lstrip()
    inner = inner[2:]
    if inner[:1] in ("*", "!"):
        inner = inner[1:]
    close = inner.find("*/")
    if close >= 0:
        inner = inner[:close]
    return "\n".join(_strip_star_prefixes(inner.split("\n")))


def _from_lines(lines: list[str]) -> str:
    out = []
    for line in lines:
        s = line.lstrip()
        marker = next((m for m in _LINE_MARKERS if s.startswith(m)), "")
        s = s[len(marker) :]
        out.append(s[1:] if s.startswith(" ") else s)
    return "\n".join(out)


def _strip_comment_markers(comments: list[str], key: str) -> str:
    """An existing doc comment group's text without markers."""
    parts = []
    line_group: list[str] = []
    for comment in comments:
        text = _clean(comment).rstrip("\n")
        if text.lstrip().startswith("/*"):
            if line_group:
                parts.append(_from_lines(line_group))
                line_group = []
            parts.append(_from_block(text))
        else:
            line_group.extend(text.split("\n"))
    if line_group:
        parts.append(_from_lines(line_group))
    return _normalize("\n".join(parts))


def _unwrap(text: str, target: DocTarget) -> str:
    """Drop an intro line, an echoed signature or code, and the comment markers."""
    lines = text.split("\n")
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    if i < len(lines) and lines[i].rstrip().endswith(":") and _INTRO_RE.match(lines[i].strip()):
        i += 1
    code = False
    while i < len(lines):
        j = i
        while j < len(lines) and _DECORATOR_RE.fullmatch(lines[j]):
            j += 1
        if j < len(lines) and _is_signature(lines[j], target):
            code, i = True, j + 1
        elif j > i and j < len(lines) and _opens_marker(lines[j]):
            i = j
        else:
            break
        while i < len(lines) and not lines[i].strip():
            i += 1
    start = i
    while start < len(lines) and not lines[start].strip():
        start += 1
    marker_at: int | None = None
    if start < len(lines) and _opens_marker(lines[start]):
        marker_at = start
    elif code:
        marker_at = next((k for k in range(start, len(lines)) if _opens_marker(lines[k])), None)
    if marker_at is None:
        rest = lines[start:]
        if code:
            while rest and rest[-1].strip() in {"", "}", "};", "end", "pass", "..."}:
                rest.pop()
        if rest and all(line.lstrip().startswith("*") or not line.strip() for line in rest):
            rest = _strip_star_prefixes(["", *rest])[1:]
        return "\n".join(rest)
    first = lines[marker_at].lstrip()
    remainder = "\n".join([first, *lines[marker_at + 1 :]])
    triple = _TRIPLE_RE.match(first)
    if triple:
        quote = triple.group(1)
        body = remainder[triple.end() :]
        close = body.find(quote)
        return body if close < 0 else body[:close]
    if first.startswith("/*"):
        return _from_block(remainder)
    run = []
    for line in lines[marker_at:]:
        if not line.lstrip().startswith(_LINE_MARKERS):
            break
        run.append(line)
    return _from_lines(run)


def _go_named(doc: str, name: str) -> str:
    """Go doc comments start with the name they document."""
    first, sep, rest = doc.partition("\n")
    words = first.split(maxsplit=2)
    if words and (words[0] == name or (words[0] in {"A", "An", "The"} and words[1:2] == [name])):
        return doc
    if len(first) > 1 and first[0].isupper() and first[1].islower():
        first = first[0].lower() + first[1:]
    return f"{name} {first}{sep}{rest}"


def doc_text(answer: str, target: DocTarget) -> str:
    """The documentation text the answer gives, normalised, without comment markers.

    This is what :func:`render_doc` wraps in the language's markers, and what
    :func:`find_doc_target` reads back as ``existing`` afterwards.
    """
    text = _normalize(answer)
    text = _unfence(text, target)
    text = _normalize(_unwrap(text, target))
    if not text:
        return ""
    lang = _LANGS[target.language]
    if target.language == "go":
        text = _go_named(text, _short_name(target.name))
    if lang.render == "block":
        text = text.replace("*/", "*\\/")
    return text


def _python_string_value(literal: str) -> str:
    try:
        value = ast.literal_eval(literal.strip())
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        match = re.match(r"(?s)[rRuU]*(\"\"\"|'''|\"|')(.*)\1\s*\Z", literal.strip())
        value = match.group(2) if match else literal
    return _normalize(value) if isinstance(value, str) else ""
