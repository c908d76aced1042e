"""Writing doc text in the language's idiom, and putting it in the document."""

from __future__ import annotations

from .answers import doc_text
from .languages import _LANGS
from .target import DocTarget


def _python_literal(doc: str) -> str:
    single = "\n" not in doc
    if "\\" in doc and '"""' not in doc and not (single and doc.endswith(("\\", '"'))):
        return f'r"""{doc}"""'
    escaped = doc.replace("\\", "\\\\")
    if '"""' in escaped or (single and escaped.endswith('"')):
        escaped = escaped.replace('"', '\\"')
    return f'"""{escaped}"""'


def render_doc(answer: str, target: DocTarget, *, newline: str = "\n") -> str:
    """The exact text that replaces ``target.replace``; "" for an empty answer."""
    doc = doc_text(answer, target)
    if not doc:
        return ""
    lines = doc.split("\n")
    indent = target.indent
    lang = _LANGS[target.language]
    if lang.render == "docstring":
        literal_lines = _python_literal(doc).split("\n")
        if len(literal_lines) > 1:
            literal_lines[-1] = literal_lines[-1][: -len('"""')]
            literal_lines.append('"""')
        body = newline.join(
            [literal_lines[0], *((indent + line) if line else "" for line in literal_lines[1:])]
        )
        if target.placement == "body-start":
            return indent + body + newline
        if target.placement == "inline-body":
            return newline + indent + body + newline + indent
        if target.placement == "new-body":
            return newline + indent + body
        return body
    if lang.render == "block":
        inner = [f"{indent} * {line}" if line else f"{indent} *" for line in lines]
        return newline.join([f"{indent}/**", *inner, f"{indent} */"]) + newline
    marker = lang.marker
    out = []
    for line in lines:
        if not line:
            out.append(indent + marker)
        elif marker == "---" and line.startswith("@"):
            out.append(indent + marker + line)
        else:
            out.append(f"{indent}{marker} {line}")
    return newline.join(out) + newline


def apply_doc(text: str, target: DocTarget, answer: str) -> str:
    """``text`` with the rendered doc in place of ``target.replace`` (unchanged if blank)."""
    newline = "\r\n" if "\r\n" in text else "\n"
    rendered = render_doc(answer, target, newline=newline)
    if not rendered:
        return text
    start, end = target.replace
    return text[:start] + rendered + text[end:]
