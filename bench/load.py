"""Latency of code actions and hover while 50 jobs stream, and memory afterwards.

Run from the repository root (with the test dependencies installed)::

    python bench/load.py [--jobs 50] [--rounds 2]

It starts the fake Poe and the real server (``python -m poe_lsp`` on stdio,
driven by the scripted editor of ``tests/editor.py``), measures
``textDocument/codeAction`` and ``textDocument/hover`` round trips with the
server idle, then while ``--jobs`` jobs stream from ``SlowBot`` (30 chunks,
0.1 s apart), and reads ``poe/status`` (RSS, live objects, held counts)
before and after each round.  Figures go to stdout and to
``bench/results/load.json``.  ``tests/test_load.py`` asserts completion and
the counts; this script only measures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from lsprotocol import types  # noqa: E402

from editor import TEST_KEY, Editor, capabilities, server_config  # noqa: E402
from fakepoe import FakePoe  # noqa: E402

SLOW = {"chunks": 30, "delay": 0.1}


def source(n: int, per_doc: int) -> str:
    return "".join(f"def f{n}_{i}(x):\n    y = x + {i}\n    return y\n\n\n" for i in range(per_doc))


def summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "n": len(ordered),
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1] * 1000, 2),
        "max_ms": round(ordered[-1] * 1000, 2),
    }


async def timed_requests(editor: Editor, uri: str, until: Any) -> tuple[list[float], list[float]]:
    actions, hovers = [], []
    rng = editor.span_range(uri, 0, 12)
    while not until():
        t = time.perf_counter()
        await editor.code_actions(uri, rng)
        actions.append(time.perf_counter() - t)
        t = time.perf_counter()
        await editor.hover(uri, 20)
        hovers.append(time.perf_counter() - t)
    return actions, hovers


async def main(jobs: int, rounds: int) -> dict[str, Any]:
    per_doc = 5
    results: dict[str, Any] = {"jobs": jobs, "bot": {"name": "SlowBot", **SLOW}}
    async with FakePoe() as fake:
        config = server_config({"POE_API_KEY": TEST_KEY, "POE_LSP_BASE_URL": fake.base_url})
        config.server_command = [sys.executable, "-m", "poe_lsp"]  # log at warning only
        client = await config.start()
        editor = Editor(client)
        await client.initialize_session(
            types.InitializeParams(
                capabilities=capabilities("visual-studio-code", stream=True),
                root_uri="file:///workspace",
                initialization_options={"allowedBots": ["SlowBot"]},
            )
        )
        try:
            probe = editor.open("probe.py", source(99, 1))
            count = [0]
            idle = await timed_requests(
                editor, probe, lambda: count.__setitem__(0, count[0] + 1) or count[0] > 100
            )
            results["idle"] = {"codeAction": summary(idle[0]), "hover": summary(idle[1])}
            results["status_start"] = await editor.status(objects=True)
            results["rounds"] = []
            for r in range(rounds):
                uris = [
                    editor.open(f"r{r}d{n}.py", source(n, per_doc)) for n in range(jobs // per_doc)
                ]
                ids = []
                started = time.perf_counter()
                for uri in uris:
                    for i in range(per_doc):
                        text = editor.text(uri)
                        start = text.index(f"    y = x + {i}\n")
                        argument = {
                            "uri": uri,
                            "range": editor.span_range(uri, start, text.index("\n\n", start) + 1),
                            "bot": "SlowBot",
                            "parameters": SLOW,
                        }
                        action = "poe.refactor" if i == per_doc - 1 else "poe.explain"
                        ids.append(await editor.start(action, argument))
                running = (await editor.status())["runningJobs"]
                loaded = await timed_requests(
                    editor, probe, lambda ids=ids: all(editor.jobs[j].done.done() for j in ids)
                )
                statuses = [(await editor.done(j))["status"] for j in ids]
                elapsed = time.perf_counter() - started
                for uri in uris:
                    editor.client.text_document_did_close(
                        types.DidCloseTextDocumentParams(
                            text_document=types.TextDocumentIdentifier(uri=uri)
                        )
                    )
                await asyncio.sleep(0.3)
                results["rounds"].append(
                    {
                        "running_at_start": running,
                        "done": statuses.count("done"),
                        "seconds": round(elapsed, 2),
                        "codeAction": summary(loaded[0]),
                        "hover": summary(loaded[1]),
                        "status_after": await editor.status(objects=True),
                    }
                )
        finally:
            await client.shutdown_session()
            await client.stop()
    return results


def report(results: dict[str, Any]) -> None:
    print(f"{results['jobs']} jobs from SlowBot ({SLOW['chunks']} chunks, {SLOW['delay']} s apart)")
    idle = results["idle"]
    print(f"  idle:     codeAction {idle['codeAction']}  hover {idle['hover']}")
    start = results["status_start"]
    print(f"  start:    rss {start['rssBytes'] / 2**20:.1f} MiB, {start['objects']} objects")
    for n, r in enumerate(results["rounds"], 1):
        s = r["status_after"]
        held = {k: v for k, v in s.items() if k not in ("rssBytes", "objects", "openDocuments")}
        print(
            f"  round {n}: {r['running_at_start']} running, {r['done']} done in {r['seconds']} s; "
            f"codeAction {r['codeAction']}  hover {r['hover']}"
        )
        print(
            f"           after: rss {s['rssBytes'] / 2**20:.1f} MiB, {s['objects']} objects, "
            f"held {held}"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    figures = asyncio.run(main(args.jobs, args.rounds))
    report(figures)
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "load.json").write_text(json.dumps(figures, indent=2) + "\n")
