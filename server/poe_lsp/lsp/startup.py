"""Start-up time: a code cache for the classes ``lsprotocol.types`` builds at import.

Importing ``lsprotocol.types`` is most of the server's start-up (~0.25 s of
~0.4 s): its ~550 attrs classes each get ``__init__``, ``__repr__``, ``__eq__`` …
generated as source and passed to ``compile()``, about half of the import.
The generated source is the same on every start, so the code objects are
kept in a marshal file in the user's cache directory, keyed by the exact
source and file name (a different attrs or lsprotocol generates different
source, which simply misses).  Anything unexpected — no cache directory, a
corrupt or foreign file, attrs no longer compiling through ``compile`` —
falls back to the plain import.  Nothing else is patched, and only for the
duration of that one import.
"""

from __future__ import annotations

import logging
import marshal
import os
import sys
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

_FORMAT = 1


def cache_file() -> Path | None:
    """Where the code cache lives (``$XDG_CACHE_HOME/poe-lsp``), or None to disable it."""
    if os.environ.get("POE_LSP_NO_CODE_CACHE"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    if not os.path.isabs(base):
        return None
    tag = sys.implementation.cache_tag or "python"
    return Path(base) / "poe-lsp" / f"attrs-code-{tag}.marshal"


def _header() -> str:
    return f"poe-lsp attrs code cache {_FORMAT} {sys.version} {sys.implementation.cache_tag}"


def _load(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            header, codes = marshal.load(f)
    except (OSError, EOFError, ValueError, TypeError):
        return {}
    if header != _header() or not isinstance(codes, dict):
        return {}
    return codes


def _save(path: Path, codes: dict[str, Any]) -> None:
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tmp.open("wb") as f:
            marshal.dump((_header(), codes), f)
        os.replace(tmp, path)  # atomic: concurrent servers never read half a file
    except (OSError, ValueError):
        log.debug("could not write the code cache %s", path, exc_info=True)
        tmp.unlink(missing_ok=True)


def import_lsprotocol() -> None:
    """Import ``lsprotocol.types`` with attrs' generated methods taken from the cache."""
    if "lsprotocol.types" in sys.modules:
        return
    path = cache_file()
    try:
        import attr._make as make
    except ImportError:
        path = None
    if path is None or "compile" in vars(make):
        import lsprotocol.types

        return
    codes = _load(path)
    added: dict[str, Any] = {}

    def cached_compile(source: Any, filename: Any, mode: Any, *args: Any, **kwargs: Any) -> Any:
        if not (isinstance(source, str) and isinstance(filename, str)) or args or kwargs:
            return compile(source, filename, mode, *args, **kwargs)
        key = f"{mode}\0{filename}\0{source}"
        code = codes.get(key)
        if code is None:
            code = added[key] = compile(source, filename, mode)
        return code

    make.compile = cached_compile  # type: ignore[attr-defined]
    try:
        import lsprotocol.types  # noqa: F401
    finally:
        del make.compile  # type: ignore[attr-defined]
    if added:
        _save(path, {**codes, **added})
