"""Turn a bot's Markdown answer into the code that goes into the document.

Bots answer an edit as prose around a fenced block.  Only code may reach the
document, and while streaming the partial answer is converted again every time
it grows, so :func:`extract_code` must never write something it would later
have to take back in the common case: for a well-formed fenced answer, every
streaming result is a prefix of the final one.

Rules, in order:

1. The first fenced block (```` ``` ```` or ``~~~``, three or more, optional info
   string, optionally indented) is the code; prose around it is dropped, and the
   fence's indentation is removed from its lines.  A block closes at a line of
   the same character, at least as long, with nothing else on it.  While
   streaming inside an open block, the complete lines and the partial last line
   are returned, except a partial last line that could still become the closing
   fence (only fence characters and blanks so far).  If the answer ends with the
   block still open, everything after the opening fence is the code.
2. With no fence and ``final=True``, the whole answer is the code, without its
   leading and trailing blank lines.
3. With no fence while streaming, the answer is only treated as raw code once
   it has two complete lines and its first non-blank line does not look like
   prose announcing code ("Here is the code:", "Sure! ...", "I rewrote it so
   that ...").  Until then nothing is written: a fence may still be coming.  A
   partial last line that starts with a fence character is held back, and so
   are trailing blank lines.

:func:`fit_to_selection` then adapts that code to the selection it replaces:
indentation, line endings and the trailing newline.
"""

from __future__ import annotations

import re

_OPENING_RE = re.compile(r"(?P<indent>[ \t]*)(?P<fence>`{3,}(?![^`]*`)|~{3,})(?P<info>.*)")
_PROSE_START_RE = re.compile(
    r"(Here is|Here['’]s|Here are|This code|This version|The following|The code|Below|"
    r"I['’]ve|I have|I['’]ll|I will|I rewrote|I refactored|I changed|I updated|I fixed|"
    r"Let me|Let['’]s|You can|To fix|To refactor|The refactored|The rewritten|The updated|"
    r"The fixed|The corrected|The improved|Of course|Certainly|Absolutely|Sure)\b"
    r"|(Okay|OK|Ok|Great|Done|Alright|All right)[,.!]"
)
# Lines that end with ':' as code does: block openers, signatures, single-word keys.
_CODE_COLON_RE = re.compile(
    r"(async\s+def|def|class|if|elif|else|for|while|with|try|except|finally|match|case|"
    r"default|switch|public|private|protected)\b.*|.*[)\]]\s*(->.*)?:|[a-z_][\w.-]*:"
)
# A capitalised sentence of three or more plain words, or a longer one ending like one.
_SENTENCE_RE = re.compile(r"[A-Z][a-z'’]*(\s+[\w'’,;\-]+){2,}[.!?:]?")
_LONG_SENTENCE_RE = re.compile(r"[A-Z][a-z'’]*(\s+\S+){3,}[.!?]")
_CODE_CHARS_RE = re.compile(r"[()\[\]{}=<>;\"]")
_BLANK_RE = re.compile(r"[ \t\r]*")
_TRAILING_BLANK_LINES_RE = re.compile(r"\n[ \t\r\n]*\Z")


def _lines(text: str) -> list[str]:
    """Lines with their endings; the last one is partial when ``text`` lacks a final newline.

    Splits on "\\n" only (so "\\r\\n" stays whole), never on the other characters
    :meth:`str.splitlines` treats as line breaks.
    """
    lines = text.split("\n")
    out = [line + "\n" for line in lines[:-1]]
    if lines[-1]:
        out.append(lines[-1])
    return out


def _strip_eol(line: str) -> str:
    return line.rstrip("\r\n")


def _is_blank(line: str) -> bool:
    return _BLANK_RE.fullmatch(_strip_eol(line)) is not None


def _looks_like_prose(line: str) -> bool:
    """Whether a first line reads like a sentence introducing code, not like code."""
    text = line.strip()
    if _PROSE_START_RE.match(text):
        return True
    if text.startswith(("**", "## ", "### ", "> ")):
        return True
    if text.endswith(":") and not _CODE_COLON_RE.fullmatch(text):
        return True
    if _LONG_SENTENCE_RE.fullmatch(text):
        return True
    return _SENTENCE_RE.fullmatch(text) is not None and not _CODE_CHARS_RE.search(text)


def _dedent(line: str, width: int) -> str:
    """Remove up to ``width`` leading blanks: the indentation of the opening fence."""
    i = 0
    while i < width and i < len(line) and line[i] in " \t":
        i += 1
    return line[i:]


def _is_closing(line: str, char: str, length: int) -> bool:
    body = _strip_eol(line).strip(" \t")
    return len(body) >= length and body == char * len(body)


def _could_become_closing(partial: str, char: str) -> bool:
    body = partial.strip(" \t\r")
    return body == char * len(body)


def extract_code(answer: str, *, final: bool) -> str | None:
    """The code to put in the document for the answer so far, or None to wait.

    ``final`` says the answer is complete.  See the module docstring for the rules.
    """
    lines = _lines(answer)
    partial = "" if final or not lines or lines[-1].endswith("\n") else lines[-1]
    complete = lines[: len(lines) - 1] if partial else lines
    for index, line in enumerate(complete):
        match = _OPENING_RE.fullmatch(_strip_eol(line))
        if match is None:
            continue
        char = match["fence"][0]
        length = len(match["fence"])
        width = len(match["indent"])
        body: list[str] = []
        for inner in complete[index + 1 :]:
            if _is_closing(inner, char, length):
                return "".join(body)
            body.append(_dedent(inner, width))
        if partial and not _could_become_closing(_dedent(partial, width), char):
            body.append(_dedent(partial, width))
        return "".join(body)
    return _raw_code(complete, partial, final=final)


def _raw_code(complete: list[str], partial: str, *, final: bool) -> str | None:
    """The no-fence case: the whole answer, or None while it may still be prose."""
    start = 0
    while start < len(complete) and _is_blank(complete[start]):
        start += 1
    lines = complete[start:]
    if not final:
        if len(lines) < 2 or _looks_like_prose(lines[0]):
            return None
        if partial and not partial.lstrip(" \t").startswith(("`", "~")):
            lines = [*lines, partial]
    code = "".join(lines)
    if not code.strip():
        return "" if final else None
    return _strip_trailing_blank_lines(code)


def _strip_trailing_blank_lines(code: str) -> str:
    """Drop whitespace-only lines at the end, keeping the last real line's newline."""
    match = _TRAILING_BLANK_LINES_RE.search(code)
    if match is None:
        return code
    return code[: match.start() + 1]


def _leading_blanks(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def _common_indent(lines: list[str]) -> str | None:
    """The longest blank prefix shared by the non-blank lines; None if all are blank."""
    common: str | None = None
    for line in lines:
        if not line.strip():
            continue
        indent = _leading_blanks(line)
        if common is None:
            common = indent
        else:
            i = 0
            while i < len(common) and i < len(indent) and common[i] == indent[i]:
                i += 1
            common = common[:i]
        if common == "":
            break
    return common


_LEADING_BLANK_LINES_RE = re.compile(r"(?:[ \t]*(?:\r\n|\r|\n))*")


def _leading_blank_lines(text: str) -> str:
    """The whitespace-only lines ``text`` starts with (their breaks included)."""
    match = _LEADING_BLANK_LINES_RE.match(text)
    return match.group(0) if match else ""


def _surrounding_blanks(selection: str) -> tuple[str, str]:
    """The selection's whitespace around its code: the blank lines before it, and
    from the break that ends its last line of code on (blank lines after it, the
    next line's indentation).  These are not the bot's to change."""
    if not selection.strip():
        return "", "\n" if selection.endswith(("\n", "\r")) else ""
    leading = _leading_blank_lines(selection)
    rest = selection[len(leading) :]
    after_code = rest[len(rest.rstrip()) :]
    breaks = [i for i in (after_code.find("\n"), after_code.find("\r")) if i >= 0]
    trailing = after_code[min(breaks) :] if breaks else ""
    return leading, trailing


def fit_to_selection(code: str, selection: str, line_prefix: str, *, final: bool = True) -> str:
    """Adapt extracted ``code`` to replace ``selection``.

    ``line_prefix`` is the document text on the selection's first line before the
    selection.  Then:

    * Surrounding lines: the blank lines the selection starts with, and what
      follows its last line of code (its line break, blank lines, the next
      line's indentation), stay as they were; the code's own leading and
      trailing blank lines go.  So replacing whole lines neither adds nor
      removes a blank line at either end of the range.
    * Line endings: ``\r\n`` if the selection uses them, ``\n`` otherwise.
    * Indentation: when the selection's lines (the first counted with
      ``line_prefix``) share an indentation I and the code's non-blank lines share
      none, every non-blank code line is indented by I, except that the first
      line only gets what ``line_prefix`` does not already give it (nothing when
      ``line_prefix`` is I, or is not blank).  When ``line_prefix`` is blank and the
      bot repeated it on an already indented first line, that copy is removed.
    * The end (only when ``final``): the selection's trailing whitespace as said
      above (so a selection ending with a newline ends with one again, one
      without does not); whitespace-only code becomes "".

    With ``final=False`` (streaming), the end rule is not applied and a
    whitespace-only partial last line is held back, so the result for a prefix of
    the code is a prefix of the result for the whole code, as long as the code's
    first non-blank line is no more indented than its others.
    """
    eol = "\r\n" if "\r\n" in selection else "\n"
    leading, trailing = _surrounding_blanks(selection)
    code = code.replace("\r\n", "\n").replace("\r", "\n")
    code = code[len(_leading_blank_lines(code)) :]
    if not final:
        last_newline = code.rfind("\n")
        if not code[last_newline + 1 :].strip():
            code = code[: last_newline + 1]
    elif not code.strip():
        return ""
    if leading:
        # The code starts on a line of its own, below the selection's blank lines.
        line_prefix = ""

    lines = code.split("\n")
    selection_lines = (line_prefix + selection).replace("\r\n", "\n").split("\n")
    if selection.endswith(("\n", "\r")):
        selection_lines.pop()
    indent = _common_indent(selection_lines) or ""
    code_indent = _common_indent(lines)
    prefix_is_blank = line_prefix != "" and line_prefix.strip(" \t") == ""

    if indent and code_indent == "":
        if line_prefix == "":
            first_extra = indent
        elif prefix_is_blank and indent.startswith(line_prefix):
            first_extra = indent[len(line_prefix) :]
        else:
            first_extra = ""
        lines = [
            (first_extra if i == 0 else indent) + line if line.strip() else line
            for i, line in enumerate(lines)
        ]
    elif (
        prefix_is_blank and code_indent and code_indent.startswith(line_prefix) and lines[0].strip()
    ):
        lines[0] = lines[0][len(line_prefix) :]

    result = "\n".join(lines)
    if final:
        result = result.rstrip("\n")
        # Trailing whitespace-only lines go too, but not the last real line's own blanks.
        while "\n" in result and not result[result.rfind("\n") + 1 :].strip():
            result = result[: result.rfind("\n")]
    result = result.replace("\n", eol) if eol != "\n" else result
    return leading + result + (trailing if final else "")
