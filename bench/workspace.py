"""Workspace context: the index on a large real tree, its updates, the cost per job.

The tree is real code: the ``.py`` files of the running interpreter's
standard library, then of this environment's installed packages, copied into
a temporary folder (``--quick``: 150 files). The index is built in a child
process so that its peak memory is its own (``ru_maxrss`` after the build,
less the RSS before it, imports included):

* ``index_build_s`` / ``index_build_cpu_s`` / ``index_peak_mb``: one full
  build, as the server's background thread runs it (wall clock, and the CPU
  time it used, which a busy machine inflates much less);
* ``index_update_ms``: re-indexing one saved file (a few hundred lines);
* ``context_gather_ms``: what a job adds when the index is ready — the names
  its selection uses, their definitions picked and rendered into the prompt —
  over selections taken from the tree's own functions.
"""

from __future__ import annotations

import json
import os
import random
import resource
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path
from typing import Any

from .common import ROOT, summary

FULL_FILES = 3000
QUICK_FILES = 150


def _sources(limit: int) -> list[Path]:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    packages = Path(sysconfig.get_paths()["purelib"])
    found: list[Path] = []
    for base in (stdlib, packages):
        for path in sorted(base.rglob("*.py")):
            if base == stdlib and "site-packages" in path.parts:
                continue
            found.append(path)
            if len(found) >= limit:
                return found
    return found


def copy_tree(target: Path, limit: int) -> int:
    """Copy ``limit`` real Python files under ``target``; how many were copied."""
    sources = _sources(limit)
    for n, path in enumerate(sources):
        dest = target / f"t{n // 500}" / f"{n}_{path.name}"
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, dest)
    return len(sources)


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def child(folder: Path, samples: int) -> dict[str, Any]:
    """Run in a fresh process: build, update, gather; the figures as a dict."""
    from poe_lsp.core.docs import outline as _outline  # noqa: F401 - imports before RSS
    from poe_lsp.core.docs.names import used_names
    from poe_lsp.core.symbols import add_context, definition_block, pick_definitions
    from poe_lsp.core.workspace_index import WorkspaceIndex

    before = _rss_mb()
    cpu = time.process_time()
    index = WorkspaceIndex([folder])
    stats = index.build()
    cpu = time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - before

    rng = random.Random(7)
    files = sorted(
        p
        for p in folder.rglob("*.py")
        if 2_000 < p.stat().st_size < 40_000 and index.lookup_file(p)  # indexed: UTF-8
    )
    updates: list[float] = []
    for path in rng.sample(files, min(samples, len(files))):
        path.write_text(path.read_text() + "\n\ndef added_by_the_benchmark():\n    return 1\n")
        started = time.perf_counter()
        index.update(path)
        updates.append(time.perf_counter() - started)

    gathers: list[float] = []
    for path in rng.sample(files, min(samples, len(files))):
        text = path.read_text()
        mine = [s for s in index.lookup_file(path) if s.kind in ("function", "method")]
        if not mine:
            continue
        symbol = rng.choice(mine)
        start = sum(len(line) for line in text.splitlines(keepends=True)[: symbol.line - 1])
        end = min(len(text), start + 1200)
        started = time.perf_counter()
        names = used_names(text, "python", start, end)
        picked = pick_definitions(names, index.lookup, str(path))
        add_context("P" * 8000, "", [definition_block(s) for s in picked], 24000)
        gathers.append(time.perf_counter() - started)
    return {
        "index_files": stats.files,
        "index_symbols": stats.symbols,
        "index_skipped": stats.skipped,
        "index_build_s": summary([stats.seconds]),
        "index_build_cpu_s": summary([cpu]),
        "index_peak_mb": summary([peak]),
        "index_update_ms": summary(updates, 1000),
        "context_gather_ms": summary(gathers, 1000),
    }


def workspace_index(quick: bool) -> dict[str, Any]:
    """Copy the tree, run :func:`child` in its own process, return its figures."""
    with tempfile.TemporaryDirectory(prefix="poe-bench-ws-") as tmp:
        folder = Path(tmp) / "tree"
        copied = copy_tree(folder, QUICK_FILES if quick else FULL_FILES)
        run = subprocess.run(
            [sys.executable, "-m", "bench.workspace", str(folder), "10" if quick else "100"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=600,
        )
    if run.returncode != 0:
        raise RuntimeError(f"the index benchmark failed:\n{run.stderr[-3000:]}")
    figures: dict[str, Any] = json.loads(run.stdout)
    figures["index_tree_files"] = copied
    return figures


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "server"))
    print(json.dumps(child(Path(sys.argv[1]), int(sys.argv[2]))))
