"""A symbol index of the workspace folders: name → where it is defined, and how.

Built once in the background (``build``), then kept current one file at a
time (``update``). Every definition :func:`poe_lsp.core.docs.outline` finds in
a file of a language doc placement parses is kept with its signature and doc
comment, and its whole text when it is short.

What is walked, and what is not:

* what ``.gitignore`` files exclude (each applying to its own folder and below,
  as git reads them, with ``.git/info/exclude``; matched by ``pathspec``),
  ``.git``/``.hg``/``.svn``, and files over :data:`MAX_FILE_BYTES`;
* binary files (a NUL byte in the first 8 KiB) and files that are not UTF-8:
  offsets into them would mean nothing, so they count as failing to parse;
* symbolic links to folders are not followed (git does not either), so a
  link loop cannot make the walk go round; a linked file is read only when it
  lies inside a workspace folder. Unreadable folders and files are logged and
  skipped; after :data:`MAX_FILES` files the walk stops (a home folder opened
  as a workspace must not cost minutes).

Thread-safety: one thread builds and updates (the LSP layer's worker); the
request handlers only call :meth:`WorkspaceIndex.lookup`, which holds the lock
for a dictionary read. Files are read and parsed outside the lock.
"""

from __future__ import annotations

import logging
import os
import stat
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .docs.outline import Outline, outline
from .docs.parsing import EXTENSIONS as LANGUAGE_IDS
from .docs.parsing import LANGUAGES, new_parser

if TYPE_CHECKING:
    from pathspec import GitIgnoreSpec
    from tree_sitter import Parser

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 512_000
"""Larger files are skipped: generated or vendored code, rarely what a selection calls."""
MAX_FILES = 20_000
"""The walk stops after indexing this many files."""
SHORT_DEFINITION = 1_500
"""A definition up to this many characters is kept whole; a longer one by its
signature and doc comment."""
MAX_DOC = 1_500
"""A doc comment is cut to this many characters."""
_SKIPPED_DIRS = frozenset({".git", ".hg", ".svn"})

EXTENSIONS: dict[str, str] = {ext: LANGUAGES[lang] for ext, lang in LANGUAGE_IDS.items()}
"""File extension → grammar key."""


@dataclass(frozen=True, slots=True)  # tens of thousands of them in a large tree
class Symbol:
    """One definition in the index."""

    name: str
    kind: str
    path: str
    """The file's absolute path."""
    shown_path: str
    """The path the prompt shows: relative to its workspace folder."""
    line: int
    """1-based line of the definition's first line (its doc comment's, when above)."""
    language: str
    """Grammar key, also the fence's info string."""
    signature: str
    doc: str | None
    text: str | None
    """The whole definition when it is short, else None."""


@dataclass
class BuildStats:
    """What a build saw (for the log and the benchmark)."""

    files: int = 0
    symbols: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def skip(self, why: str) -> None:
        """Count a file or folder left out, by reason."""
        self.skipped[why] = self.skipped.get(why, 0) + 1


class _Ignores:
    """The ``.gitignore`` rules of each folder, read once, applied as git does."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._specs: dict[Path, GitIgnoreSpec | None] = {}

    def _spec(self, folder: Path) -> GitIgnoreSpec | None:
        if folder in self._specs:
            return self._specs[folder]
        lines: list[str] = []
        names = [".gitignore"] + ([".git/info/exclude"] if folder == self.root else [])
        for name in names:
            lines += _read_small_text(folder / name)
        spec = None
        if lines:
            from pathspec import GitIgnoreSpec  # deferred: imported by the build's thread

            spec = GitIgnoreSpec.from_lines(lines)
        self._specs[folder] = spec
        return spec

    def forget(self, folder: Path) -> None:
        """A ``.gitignore`` changed: read it again when next needed."""
        self._specs.pop(folder, None)

    def ignored(self, path: Path, is_dir: bool) -> bool:
        """Whether the ``.gitignore`` files from the root down to ``path`` exclude it."""
        folder = path.parent
        chain = [folder, *folder.parents]
        for base in chain[: len(chain) - len(self.root.parents)]:
            spec = self._spec(base)
            if spec is None:
                continue
            relative = path.relative_to(base).as_posix() + ("/" if is_dir else "")
            decided = spec.check_file(relative).include
            if decided is not None:  # the deepest file with a matching rule decides
                return bool(decided)
        return False


def _read_small_text(path: Path) -> list[str]:
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_FILE_BYTES:
            return []
        return path.read_text("utf-8", "replace").splitlines()
    except OSError:
        return []


class WorkspaceIndex:
    """Definitions of the workspace folders, by name."""

    def __init__(self, roots: Sequence[str | Path]) -> None:
        self.roots = [Path(os.path.realpath(r)) for r in roots]
        self.ready = threading.Event()
        """Set when the first build has finished (or failed)."""
        self.stats = BuildStats()
        self._lock = threading.Lock()
        self._by_file: dict[str, list[Symbol]] = {}
        self._by_name: dict[str, list[Symbol]] = {}
        self._ignores = {root: _Ignores(root) for root in self.roots}
        self._parsers: dict[str, Parser] = {}

    # -- reading (any thread) -----------------------------------------------------------

    def lookup(self, name: str) -> list[Symbol]:
        """Every definition of ``name`` in the index."""
        with self._lock:
            return list(self._by_name.get(name, ()))

    def lookup_file(self, path: str | Path) -> list[Symbol]:
        """The definitions of one file."""
        with self._lock:
            return list(self._by_file.get(str(Path(os.path.abspath(path))), ()))

    @property
    def file_count(self) -> int:
        """Files with at least one definition."""
        with self._lock:
            return len(self._by_file)

    # -- building (the index's own thread) ------------------------------------------------

    def build(self) -> BuildStats:
        """Walk every folder and index what it holds; sets :attr:`ready` at the end."""
        started = time.perf_counter()
        stats = self.stats = BuildStats()
        try:
            for root in self.roots:
                self._walk(root, stats)
        finally:
            stats.seconds = time.perf_counter() - started
            with self._lock:
                stats.symbols = sum(len(v) for v in self._by_file.values())
            self.ready.set()
        log.info(
            "workspace index: %d files, %d definitions in %.2fs; skipped %s",
            stats.files,
            stats.symbols,
            stats.seconds,
            stats.skipped or "nothing",
        )
        return stats

    def _walk(self, root: Path, stats: BuildStats) -> None:
        ignores = self._ignores[root]
        seen: set[tuple[int, int]] = set()
        folders = [root]
        while folders:
            folder = folders.pop()
            try:
                info = folder.stat()
                if (info.st_dev, info.st_ino) in seen:
                    continue
                seen.add((info.st_dev, info.st_ino))
                entries = sorted(os.scandir(folder), key=lambda e: e.name, reverse=True)
            except OSError as exc:
                log.warning("workspace index: cannot read the folder %s: %s", folder, exc)
                stats.skip("unreadable folder")
                continue
            for entry in entries:
                path = Path(entry.path)
                try:
                    is_dir = entry.is_dir(follow_symlinks=False)
                    if is_dir:
                        if entry.name not in _SKIPPED_DIRS and not ignores.ignored(path, True):
                            folders.append(path)
                        continue
                    if path.suffix.lower() not in EXTENSIONS or ignores.ignored(path, False):
                        continue
                except OSError as exc:
                    log.warning("workspace index: cannot look at %s: %s", path, exc)
                    continue
                if stats.files >= MAX_FILES:
                    log.warning("workspace index: stopped after %d files", MAX_FILES)
                    stats.skip("over the file limit")
                    return
                if self._index_file(path, root, stats):
                    stats.files += 1

    def update(self, path: str | Path) -> bool:
        """Index ``path`` again (saved, created, changed on disk) or drop it (deleted,
        now ignored). A changed ``.gitignore`` is read again, but what it newly
        includes or excludes waits for the next build. True if the index changed."""
        path = Path(os.path.abspath(path))
        root = self._root_of(path)
        if root is None:
            return False
        if path.name == ".gitignore":
            self._ignores[root].forget(path.parent)
            return False
        if (
            not path.exists()
            or path.suffix.lower() not in EXTENSIONS
            or self._ignores[root].ignored(path, False)
        ):
            return self.remove(path)  # a deleted folder takes what was under it along
        return self._index_file(path, root, BuildStats()) or self.remove(path)

    def remove(self, path: str | Path) -> bool:
        """Forget what ``path`` defined (every file under it, for a deleted folder).
        True if that was anything."""
        key = str(Path(os.path.abspath(path)))
        with self._lock:
            gone = [f for f in self._by_file if f == key or f.startswith(key + os.sep)]
            for file in gone:
                self._unlink(self._by_file.pop(file))
            return bool(gone)

    def _root_of(self, path: Path) -> Path | None:
        for root in self.roots:
            if path.is_relative_to(root):
                return root
        return None

    def _index_file(self, path: Path, root: Path, stats: BuildStats) -> bool:
        """Read, parse and store one file; False (and counted) when it is left out."""
        text = self._read(path, root, stats)
        if text is None:
            return False
        key = EXTENSIONS[path.suffix.lower()]
        try:
            parser = self._parsers.get(key)
            if parser is None:
                parser = self._parsers[key] = new_parser(key)
            found = outline(text, key, parser)
        except Exception as exc:  # a grammar's surprise must not end the walk
            log.warning("workspace index: %s did not parse (%s); left out", path, exc)
            stats.skip("failed to parse")
            return False
        shown = path.relative_to(root).as_posix()
        if len(self.roots) > 1:
            shown = f"{root.name}/{shown}"
        symbols = _symbols(text, found, str(path), shown, key)
        with self._lock:
            old = self._by_file.pop(str(path), None)
            if old is not None:
                self._unlink(old)
            self._by_file[str(path)] = symbols
            for symbol in symbols:
                self._by_name.setdefault(symbol.name, []).append(symbol)
        return True

    def _read(self, path: Path, root: Path, stats: BuildStats) -> str | None:
        try:
            info = path.stat()
            if not stat.S_ISREG(info.st_mode):
                stats.skip("not a regular file")
                return None
            if info.st_size > MAX_FILE_BYTES:
                stats.skip("too large")
                return None
            if path.is_symlink() and self._root_of(Path(os.path.realpath(path))) is None:
                stats.skip("link out of the workspace")
                return None
            data = path.read_bytes()
        except OSError as exc:
            log.warning("workspace index: cannot read %s: %s", path, exc)
            stats.skip("unreadable")
            return None
        if b"\0" in data[:8192]:
            stats.skip("binary")
            return None
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            log.warning("workspace index: %s is not UTF-8 (%s); left out", path, exc.reason)
            stats.skip("failed to parse")
            return None

    def _unlink(self, symbols: list[Symbol]) -> None:
        for name in {symbol.name for symbol in symbols}:
            same = self._by_name.get(name)
            if same is None:
                continue
            path = symbols[0].path
            same[:] = [s for s in same if s.path != path]
            if not same:
                del self._by_name[name]


def _symbols(text: str, found: list[Outline], path: str, shown: str, key: str) -> list[Symbol]:
    symbols: list[Symbol] = []
    line, counted = 1, 0
    for d in sorted(found, key=lambda d: d.start):
        line += text.count("\n", counted, d.start)  # one pass over the file in all
        counted = d.start
        whole = text[d.start : d.end]
        doc = d.doc if d.doc is None or len(d.doc) <= MAX_DOC else d.doc[:MAX_DOC] + "…"
        symbols.append(
            Symbol(
                name=d.name,
                kind=d.kind,
                path=path,
                shown_path=shown,
                line=line,
                language=key,
                signature=d.signature,
                doc=doc,
                text=whole if len(whole) <= SHORT_DEFINITION else None,
            )
        )
    return symbols
