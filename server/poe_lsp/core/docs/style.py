"""Which docstring convention a Python file follows."""

from __future__ import annotations

import re

_GOOGLE_RE = re.compile(
    r"^[ \t]*(Args|Arguments|Keyword Args|Returns|Raises|Yields|Attributes):[ \t]*\r?\n"
    r"[ \t]+\S",
    re.MULTILINE,
)
_NUMPY_RE = re.compile(
    r"^[ \t]*(Parameters|Returns|Raises|Yields|Attributes|Other Parameters|See Also)"
    r"[ \t]*\r?\n[ \t]*-{3,}[ \t]*$",
    re.MULTILINE,
)
_REST_RE = re.compile(
    r"^[ \t]*:(param|parameter|arg|argument|key|keyword|type|returns?|rtype|raises?|except|"
    r"yields?|ivar|cvar|var|vartype)\b[^:\n]*:",
    re.MULTILINE,
)


_last_style: tuple[str, str | None] = ("", None)


def python_docstring_style(text: str) -> str | None:
    """``google``, ``numpy`` or ``rest`` if the file's docstrings mostly use that style."""
    global _last_style
    if _last_style[0] is text:
        return _last_style[1]
    style = _docstring_style(text)
    _last_style = (text, style)
    return style


def _docstring_style(text: str) -> str | None:
    counts = {
        "google": len(_GOOGLE_RE.findall(text)),
        "numpy": len(_NUMPY_RE.findall(text)),
        "rest": len(_REST_RE.findall(text)),
    }
    best = max(counts, key=lambda k: counts[k])
    if counts[best] == 0 or list(counts.values()).count(counts[best]) > 1:
        return None
    return best
