"""What :func:`~poe_lsp.core.docs.find_doc_target` finds: a :class:`DocTarget`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Placement = Literal["above", "docstring", "body-start", "inline-body", "new-body"]


@dataclass(frozen=True)
class DocTarget:
    """A documentable definition and the span its documentation occupies."""

    language: str
    """Grammar key (a value of :data:`LANGUAGES`)."""
    kind: str
    """``function``, ``method``, ``class``, ``struct``, ``interface``, ``enum``,
    ``trait``, ``impl``, ``type`` or ``macro``."""
    name: str
    """The definition's name as written (``area``, ``M.area``, ``Display for P``)."""
    definition: tuple[int, int]
    """``[start, end)`` of the whole definition, decorators and attributes included."""
    replace: tuple[int, int]
    """``[start, end)`` the rendered doc replaces: the existing doc comment as whole
    lines (line break included), the existing docstring statement, or an empty span
    where a new one goes."""
    indent: str
    """Indentation of the doc lines (for a docstring: of the body)."""
    existing: str | None
    """The current documentation without comment markers, or None."""
    style: str | None
    """Python only: ``google``, ``numpy`` or ``rest`` when the file uses one."""
    signature: str
    """The definition's header up to its body, for the prompt."""
    placement: Placement = "above"
    """How :func:`render_doc` frames the doc: whole comment lines ``above`` the
    definition; a Python ``docstring`` replacing the existing one; a new docstring
    line at ``body-start``; an ``inline-body`` docstring that moves a one-line
    body (``def f(): pass``) to its own line; or a ``new-body`` for a definition
    still being typed (``def f():`` and nothing yet)."""
