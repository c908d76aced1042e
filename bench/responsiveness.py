"""Responsiveness on a 20,000-line file, idle and while 20 jobs stream; doc placement.

``textDocument/codeAction`` parses the file (tree-sitter) to decide whether to
offer "Document with …", so it is measured twice: on an unchanged document
(the last tree is reused) and right after an edit (a fresh parse).  Idle and
loaded blocks alternate so that both see the same machine.
"""

from __future__ import annotations

import asyncio
import random
import time
from typing import Any

from .client import LspProcess
from .common import BenchPoe, lsp_range, poe_lsp, python_source, summary
from .scenarios import JobWatch, start_job

BIG_URI = "file:///bench/big.py"


def _function_lines(text: str) -> list[int]:
    lines = text.split("\n")
    return [n for n, line in enumerate(lines[:-10]) if line.startswith("def function_")]


async def _code_action(server: LspProcess, line: int) -> float:
    elapsed, result = await server.timed_request(
        "textDocument/codeAction",
        {
            "textDocument": {"uri": BIG_URI},
            "range": lsp_range(line + 2, 4, line + 4, 0),
            "context": {"diagnostics": []},
        },
    )
    assert any("Document with" in a["title"] for a in result), result
    return elapsed


async def _hover(server: LspProcess, line: int) -> float:
    elapsed, result = await server.timed_request(
        "textDocument/hover",
        {"textDocument": {"uri": BIG_URI}, "position": {"line": line, "character": 8}},
    )
    assert result is not None
    return elapsed


class _Editor:
    """Appends a comment line at the end of the big file (an edit that moves nothing)."""

    def __init__(self, server: LspProcess, text: str) -> None:
        self.server = server
        self.lines = text.count("\n")
        self.version = 1

    def edit(self) -> None:
        self.version += 1
        self.server.notify(
            "textDocument/didChange",
            {
                "textDocument": {"uri": BIG_URI, "version": self.version},
                "contentChanges": [
                    {
                        "range": lsp_range(self.lines, 0, self.lines, 0),
                        "text": f"# {self.version}\n",
                    }
                ],
            },
        )
        self.lines += 1


async def responsiveness(
    lines: int, samples: int, jobs: int = 20, rounds: int = 2
) -> dict[str, Any]:
    """codeAction and hover latency, idle and with ``jobs`` streaming, on a ``lines`` file."""
    text = python_source(lines)
    functions = _function_lines(text)
    rng = random.Random(7)
    idle: dict[str, list[float]] = {"code_action": [], "code_action_edit": [], "hover": []}
    load: dict[str, list[float]] = {"code_action": [], "code_action_edit": [], "hover": []}
    explain_cmd: list[float] = []
    document_cmd: list[float] = []
    rates: list[float] = []
    async with BenchPoe() as fake, poe_lsp(fake) as server:
        watch = JobWatch(server)
        server.open(BIG_URI, text)
        editor = _Editor(server, text)
        middle = functions[len(functions) // 2]
        # An explanation to hover over, in the middle of the file.
        explained = lsp_range(middle, 0, middle + 7, 0)
        job = await start_job(
            server,
            "poe.explain",
            {
                "uri": BIG_URI,
                "range": explained,
                "bot": "ExplainBot",
                "parameters": {"answer": "It scales."},
            },
        )
        await watch.wait_done([job])

        async def block(into: dict[str, list[float]], count: int) -> None:
            for _ in range(count):
                into["code_action"].append(await _code_action(server, rng.choice(functions)))
                await asyncio.sleep(0.005)
                into["hover"].append(await _hover(server, middle + rng.randrange(1, 6)))
                await asyncio.sleep(0.005)
                editor.edit()
                into["code_action_edit"].append(await _code_action(server, rng.choice(functions)))
                await asyncio.sleep(0.005)

        per_block = max(1, samples // rounds)
        for _ in range(rounds):
            await block(idle, per_block)
            # Commands on the big file: the reply comes once the context is built.
            for command, into in (("poe.explain", explain_cmd), ("poe.document", document_cmd)):
                editor.edit()
                line = rng.choice(functions)
                sent = time.perf_counter()
                job = await start_job(
                    server,
                    command,
                    {
                        "uri": BIG_URI,
                        "range": lsp_range(line + 2, 4, line + 4, 0),
                        "bot": "ExplainBot",
                        "parameters": {"answer": "Scales values."},
                    },
                )
                into.append(time.perf_counter() - sent)
                await watch.wait_done([job])

            params = {"chunks": 100000, "delay": 0.02}
            ids = [
                await start_job(
                    server,
                    "poe.explain",
                    {
                        "uri": BIG_URI,
                        "range": lsp_range(functions[i * 7], 0, functions[i * 7] + 7, 0),
                        "bot": "SlowBot",
                        "parameters": params,
                    },
                )
                for i in range(jobs)
            ]
            await watch.wait_streaming(ids)
            streamed = sum(len(watch.streams[j]) for j in ids)
            started = time.perf_counter()
            await block(load, per_block)
            count = sum(len(watch.streams[j]) for j in ids) - streamed
            rates.append(count / (time.perf_counter() - started))
            await server.request(
                "workspace/executeCommand", {"command": "poe.cancel", "arguments": [{}]}
            )
            await watch.wait_done(ids)
    figures: dict[str, Any] = {"load_notifications_per_s": summary(rates)}
    for name, values in idle.items():
        figures[f"{name}_idle_ms"] = summary(values, 1000)
    for name, values in load.items():
        figures[f"{name}_load_ms"] = summary(values, 1000)
    figures["explain_command_ms"] = summary(explain_cmd, 1000)
    figures["document_command_ms"] = summary(document_cmd, 1000)
    return figures


def doc_placement(lines: int, reps: int) -> dict[str, Any]:
    """In-process: find_doc_target and context building on a ``lines`` file,
    with a fresh parse (the text changed) and with the last tree reused."""
    from poe_lsp.core import docs
    from poe_lsp.core.context import rich_context
    from poe_lsp.core.prompts import context_window

    text = python_source(lines)
    functions = _function_lines(text)
    starts = [0]
    for line in text.split("\n"):
        starts.append(starts[-1] + len(line) + 1)
    rng = random.Random(11)
    offsets = []
    for _ in range(reps):
        line = rng.choice(functions)
        offsets.append((starts[line + 2] + 4, starts[line + 4]))
    docs.find_doc_target(text, "python", *offsets[0])  # grammar import and parser

    def timed(fn: Any, fresh: bool) -> list[float]:
        out = []
        for i, (a, b) in enumerate(offsets):
            doc = text + f"# {i} {fn.__name__}\n" if fresh else text
            started = time.perf_counter()
            fn(doc, a, b)
            out.append(time.perf_counter() - started)
        return out

    def find(doc: str, a: int, b: int) -> None:
        assert docs.find_doc_target(doc, "python", a, b) is not None

    def offer(doc: str, a: int, b: int) -> None:
        assert docs.has_doc_target(doc, "python", a, b)

    def context(doc: str, a: int, b: int) -> None:
        context_window(doc, a, b, 40, 20)
        rich_context(doc, "python", a, b, 40, 20, 24000)

    return {
        "find_doc_target_parse_ms": summary(timed(find, True), 1000),
        "find_doc_target_cached_ms": summary(timed(find, False), 1000),
        "has_doc_target_parse_ms": summary(timed(offer, True), 1000),
        "context_parse_ms": summary(timed(context, True), 1000),
        "context_cached_ms": summary(timed(context, False), 1000),
    }
