"""Benchmarks of poe-lsp: ``python -m bench`` (full, a few minutes) or ``--quick`` (smoke).

Prints a table and writes every figure, with its samples' median, quartiles,
95th percentile and range, to ``bench/results/latest.json``.  The server is
measured as editors start it (the ``poe-lsp`` console script on stdio) against
the fake Poe on 127.0.0.1; peers and baselines run in the same invocation.
``--quick`` runs every measurement with few samples: it checks that the
benchmarks work and asserts nothing about times.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any

from . import catalogue, compare, first_token, responsiveness, scenarios, workspace
from .common import ROOT, load_average

RESULTS = ROOT / "bench" / "results"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "?"


def machine() -> dict[str, Any]:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        import psutil

        memory = f"{psutil.virtual_memory().total / 2**30:.0f} GiB"
    except ImportError:
        memory = "?"
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory": memory,
        "os": platform.platform(),
        "python": sys.version.split()[0],
        "poe-lsp": _version("poe-lsp"),
        "pygls": _version("pygls"),
        "lsprotocol": _version("lsprotocol"),
        "fastapi-poe": _version("fastapi-poe"),
    }


# name: (label, unit, target text, check(figures) -> bool | None)
def _median(figures: dict[str, Any], name: str) -> float | None:
    value = figures.get(name)
    return value.get("median") if isinstance(value, dict) else None


def _p95(figures: dict[str, Any], name: str) -> float | None:
    value = figures.get(name)
    return value.get("p95") if isinstance(value, dict) else None


ROWS: list[tuple[str, str, str, str, str]] = [
    # (figure, label, compared with, target, statistic)
    ("ttft_ms", "Time to first token (ms)", "ttft_plain_process_ms", "", "median"),
    (
        "ttft_added_process_ms",
        "  added over fastapi-poe in its own process, kept session (ms)",
        "",
        "≤ 1",
        "median",
    ),
    ("ttft_ratio_process", "  ratio to it", "", "", "median"),
    (
        "ttft_added_ms",
        "  added over fastapi-poe in the fake Poe's process, kept session (ms)",
        "ttft_plain_ms",
        "≤ 5",
        "median",
    ),
    ("ttft_new_client_ms", "  (fastapi-poe with a new client per call) (ms)", "", "", "median"),
    (
        "stream_max_per_s",
        "Streaming 1,000 chunks/s: poe/stream per s (max 1 s window)",
        "",
        "≤ 20",
        "max",
    ),
    ("stream_bot_chunks_per_s", "  chunks/s the bot achieved", "", "", "median"),
    ("stream_cpu_s_per_1000", "  server CPU s per 1,000 chunks", "", "", "median"),
    (
        "startup_ms",
        "Start-up: spawn → initialize result (ms)",
        "startup_jedi_ms",
        "< 400, ≤ jedi-ls",
        "median",
    ),
    (
        "startup_no_code_cache_ms",
        "  without the lsprotocol code cache (first start) (ms)",
        "",
        "",
        "median",
    ),
    ("rss_idle_mb", "RSS idle (MB)", "rss_idle_jedi_mb", "< 70", "median"),
    ("rss_50_jobs_mb", "RSS peak, 50 jobs streaming (MB)", "", "", "median"),
    ("rss_after_jobs_mb", "RSS after those jobs (MB)", "", "", "median"),
    (
        "cancel_ms",
        "Cancel: poe.cancel → bot sees disconnect (ms)",
        "cancel_plain_ms",
        "< 50",
        "median",
    ),
    (
        "code_action_load_ms",
        "codeAction, 20k lines, 20 jobs streaming (ms)",
        "code_action_idle_ms",
        "p95 < 20",
        "p95",
    ),
    (
        "code_action_edit_load_ms",
        "  right after an edit (reparse) (ms)",
        "code_action_edit_idle_ms",
        "p95 < 20",
        "p95",
    ),
    (
        "hover_load_ms",
        "hover, 20k lines, 20 jobs streaming (ms)",
        "hover_idle_ms",
        "p95 < 20",
        "p95",
    ),
    (
        "find_doc_target_parse_ms",
        "docs.find_doc_target, 20k lines, after an edit (ms)",
        "",
        "",
        "median",
    ),
    ("find_doc_target_cached_ms", "  tree reused (ms)", "", "", "median"),
    (
        "has_doc_target_parse_ms",
        "  the codeAction check (no target built), after an edit (ms)",
        "",
        "",
        "median",
    ),
    ("context_parse_ms", "context building, 20k lines, after an edit (ms)", "", "", "median"),
    ("context_cached_ms", "  tree reused (ms)", "", "", "median"),
    ("explain_command_ms", "poe.explain on 20k lines → reply (ms)", "", "", "median"),
    (
        "compare_all_first_ms",
        "Compare of 4 streams: first token of all four (ms)",
        "compare_single_first_ms",
        "",
        "median",
    ),
    ("compare_all_done_ms", "  all four done (ms)", "compare_single_done_ms", "", "median"),
    ("document_command_ms", "poe.document on 20k lines → reply (ms)", "", "", "median"),
    ("index_build_s", "Workspace index: build, 3,000 real .py files (s)", "", "≤ 30", "median"),
    ("index_build_cpu_s", "  CPU time of the build (s)", "", "≤ 30", "median"),
    ("index_peak_mb", "  peak memory of the build (MB)", "", "≤ 150", "median"),
    ("index_update_ms", "  update after one save (ms)", "", "p95 ≤ 50", "p95"),
    ("context_gather_ms", "  context gathering added per job (ms)", "", "p95 ≤ 25", "p95"),
    ("list_bots_cache_ms", "listBots from cache, 400 bots, new server (ms)", "", "", "p95"),
    ("list_bots_memory_ms", "  later calls (ms)", "", "", "p95"),
]

TARGETS: dict[str, Any] = {
    "ttft_added_ms": lambda f: _median(f, "ttft_added_ms") <= 5,
    "ttft_added_process_ms": lambda f: _median(f, "ttft_added_process_ms") <= 1,
    "stream_max_per_s": lambda f: f["stream_max_per_s"]["max"] <= 20 and f["stream_complete"],
    "startup_ms": lambda f: (
        _median(f, "startup_ms") < 400
        and (
            _median(f, "startup_jedi_ms") is None
            or _median(f, "startup_ms") <= _median(f, "startup_jedi_ms")
        )
    ),
    "rss_idle_mb": lambda f: _median(f, "rss_idle_mb") < 70,
    "cancel_ms": lambda f: _median(f, "cancel_ms") < 50,
    "code_action_load_ms": lambda f: _p95(f, "code_action_load_ms") < 20,
    "code_action_edit_load_ms": lambda f: _p95(f, "code_action_edit_load_ms") < 20,
    "hover_load_ms": lambda f: _p95(f, "hover_load_ms") < 20,
    "index_build_s": lambda f: _median(f, "index_build_s") <= 30,
    "index_build_cpu_s": lambda f: _median(f, "index_build_cpu_s") <= 30,
    "index_peak_mb": lambda f: _median(f, "index_peak_mb") <= 150,
    "index_update_ms": lambda f: _p95(f, "index_update_ms") <= 50,
    "context_gather_ms": lambda f: _p95(f, "context_gather_ms") <= 25,
}


def _fmt(value: Any, stat: str) -> str:
    if not isinstance(value, dict) or value.get("median") is None:
        return "n/a" if value is None else str(value)
    main = value[stat]
    digits = 0 if abs(main) >= 100 else 1 if abs(main) >= 10 else 2
    return f"{main:.{digits}f} ({value['p25']:.{digits}f}–{value['p75']:.{digits}f})"


def table(figures: dict[str, Any]) -> str:
    header = ("figure", "poe-lsp", "compared with", "target", "")
    rows = [header]
    for name, label, other, target, stat in ROWS:
        if name not in figures:
            continue
        check = TARGETS.get(name)
        verdict = ""
        if check is not None:
            try:
                verdict = "met" if check(figures) else "NOT MET"
            except (TypeError, KeyError):
                verdict = "?"
        shown = _fmt(figures[name], stat)
        if stat == "p95":
            shown = f"p95 {figures[name]['p95']:.1f}, median {figures[name]['median']:.1f}"
        compared = ""
        if other and other in figures:
            compared = _fmt(figures[other], stat)
            if stat == "p95":
                compared = (
                    f"idle p95 {figures[other]['p95']:.1f}, median {figures[other]['median']:.1f}"
                )
        rows.append((label, shown, compared, target, verdict))
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = []
    for n, row in enumerate(rows):
        lines.append(" | ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
        if n == 0:
            lines.append("-+-".join("-" * w for w in widths))
    return "\n".join(lines)


async def run(quick: bool, only: set[str] | None) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    notes: list[str] = []

    def wanted(name: str) -> bool:
        return only is None or name in only

    def step(name: str) -> None:
        print(f"… {name} (load average {load_average():.2f})", file=sys.stderr, flush=True)

    if wanted("startup"):
        step("start-up and idle memory")
        jedi, note = scenarios.ensure_jedi_ls(install=not quick)
        notes.append(note)
        figures.update(await scenarios.startup(2 if quick else 12, jedi))
    if wanted("ttft"):
        step("time to first token")
        figures.update(await first_token.first_token(3 if quick else 100))
    if wanted("cancel"):
        step("cancellation")
        figures.update(await scenarios.cancellation(2 if quick else 20))
    if wanted("streaming"):
        step("streaming 1,000 chunks a second")
        figures.update(await scenarios.streaming(1 if quick else 3, 0.5 if quick else 10.0))
    if wanted("memory"):
        step("memory with 50 jobs")
        figures.update(
            await scenarios.memory_under_load(
                1 if quick else 3, 10 if quick else 50, 5 if quick else 30
            )
        )
    if wanted("load"):
        step("responsiveness on 20,000 lines")
        figures.update(
            await responsiveness.responsiveness(
                2000 if quick else 20000, 6 if quick else 200, 4 if quick else 20
            )
        )
    if wanted("docs"):
        step("doc placement and context on 20,000 lines")
        figures.update(responsiveness.doc_placement(2000 if quick else 20000, 3 if quick else 30))
    if wanted("compare"):
        step("compare of 4 streams")
        figures.update(await compare.compare_streams(2 if quick else 20))
    if wanted("workspace"):
        step("workspace index on real Python files")
        figures.update(workspace.workspace_index(quick))
    if wanted("catalogue"):
        step("listBots from the catalogue cache")
        figures.update(await catalogue.list_bots_from_cache(2 if quick else 20, 3 if quick else 10))
    figures["_notes"] = notes
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="few samples: check that it works")
    parser.add_argument(
        "--only",
        help="comma-separated subset: startup,ttft,cancel,streaming,memory,load,docs,"
        "compare,workspace,catalogue",
    )
    parser.add_argument("--out", type=Path, default=RESULTS / "latest.json", help="JSON output")
    args = parser.parse_args(argv)
    only = set(args.only.split(",")) if args.only else None
    load_before = os.getloadavg()
    started = time.time()
    figures = asyncio.run(run(args.quick, only))
    notes = figures.pop("_notes")
    result = {
        "quick": args.quick,
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
        "seconds": round(time.time() - started, 1),
        "load_average_before": load_before,
        "load_average_after": os.getloadavg(),
        "machine": machine(),
        "notes": notes,
        "figures": figures,
    }
    verdicts: dict[str, bool | None] = {}
    for name, check in TARGETS.items():
        try:
            verdicts[name] = bool(check(figures))
        except (TypeError, KeyError):
            verdicts[name] = None
    result["targets"] = verdicts
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(table(figures))
    print()
    m = result["machine"]
    print(
        f"{m['cpu']}, {m['cores']} cores, {m['memory']}; Python {m['python']}; "
        f"load average {load_before[0]:.2f} → {result['load_average_after'][0]:.2f}; "
        f"{result['seconds']} s"
    )
    for note in notes:
        print(note)
    print(f"medians (quartiles); JSON: {args.out}")
