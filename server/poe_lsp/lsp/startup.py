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

The cache holds code that is executed, so it is trusted only as far as the
user's own files are: the directory is the user's and 0700, the file the
user's, a regular file and 0600.  Everything is opened relative to the
directory's checked descriptor, never through a symbolic link, and checked
with ``fstat`` on what was opened, so nothing can be swapped in between the
check and the read.  The file is written under a random name with
``O_EXCL`` and renamed into place.
"""

from __future__ import annotations

import contextlib
import logging
import marshal
import os
import secrets
import stat
import sys
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

_FORMAT = 1
_NOFOLLOW = os.O_NOFOLLOW | os.O_CLOEXEC
_PRIVATE_DIR = 0o700
_PRIVATE_FILE = 0o600


class _Untrusted(Exception):
    """The cache directory or file is not one only this user can write."""


def cache_file() -> Path | None:
    """Where the code cache lives (``$XDG_CACHE_HOME/poe-lsp``), or None to disable it."""
    # POSIX only: the checks need O_NOFOLLOW, fstat owners and *at() calls.
    if os.environ.get("POE_LSP_NO_CODE_CACHE") or os.name != "posix":
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    if not os.path.isabs(base):
        return None
    tag = sys.implementation.cache_tag or "python"
    return Path(base) / "poe-lsp" / f"attrs-code-{tag}.marshal"


def _header() -> str:
    return f"poe-lsp attrs code cache {_FORMAT} {sys.version} {sys.implementation.cache_tag}"


def _check_private(st: os.stat_result, kind: str, is_kind: bool) -> None:
    """Refuse anything not of ``kind``, not this user's, or writable by anyone else."""
    if not is_kind:
        raise _Untrusted(f"not a {kind}")
    if st.st_uid != os.geteuid():
        raise _Untrusted(f"{kind} owned by uid {st.st_uid}")
    if st.st_mode & 0o022:
        raise _Untrusted(f"{kind} writable by group or others ({stat.filemode(st.st_mode)})")


def _open_dir(path: Path, *, make_private: bool = False) -> int:
    """A descriptor of the cache directory, once it is known to be the user's alone.

    ``make_private`` (when writing) first narrows a directory the user owns to
    0700: mkdir's mode is narrowed by the umask, never widened, and an older
    poe-lsp created it with the umask's mode (0775 under umask 002).
    """
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | _NOFOLLOW)
    try:
        st = os.fstat(fd)
        if make_private and st.st_uid == os.geteuid() and stat.S_ISDIR(st.st_mode):
            os.fchmod(fd, _PRIVATE_DIR)
            st = os.fstat(fd)
        _check_private(st, "directory", stat.S_ISDIR(st.st_mode))
    except BaseException:
        os.close(fd)
        raise
    return fd


def _load(path: Path) -> dict[str, Any]:
    try:
        dir_fd = _open_dir(path.parent)
        try:
            # O_NONBLOCK: a FIFO in place of the file must not hang the start-up.
            fd = os.open(path.name, os.O_RDONLY | os.O_NONBLOCK | _NOFOLLOW, dir_fd=dir_fd)
        finally:
            os.close(dir_fd)
        with os.fdopen(fd, "rb") as f:
            st = os.fstat(f.fileno())
            _check_private(st, "regular file", stat.S_ISREG(st.st_mode))
            header, codes = marshal.load(f)
    except (_Untrusted, OSError, EOFError, ValueError, TypeError) as error:
        log.debug("code cache %s not used: %s", path, error)
        return {}
    if header != _header() or not isinstance(codes, dict):
        return {}
    return codes


def _save(path: Path, codes: dict[str, Any]) -> None:
    tmp = f".{path.name}.{secrets.token_hex(8)}.tmp"
    dir_fd: int | None = None
    try:
        data = marshal.dumps((_header(), codes))
        path.parent.parent.mkdir(mode=_PRIVATE_DIR, parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):
            path.parent.mkdir(mode=_PRIVATE_DIR)
        dir_fd = _open_dir(path.parent, make_private=True)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW
        fd = os.open(tmp, flags, _PRIVATE_FILE, dir_fd=dir_fd)
        with os.fdopen(fd, "wb") as f:
            os.fchmod(f.fileno(), _PRIVATE_FILE)  # whatever the umask
            f.write(data)
        # atomic: concurrent servers never read half a file
        os.replace(tmp, path.name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    except (OSError, ValueError, _Untrusted) as error:
        log.debug("could not write the code cache %s: %s", path, error)
        if dir_fd is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp, dir_fd=dir_fd)
    finally:
        if dir_fd is not None:
            os.close(dir_fd)


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
