"""``poe.listBots`` answered from the catalogue's disk cache.

A server is started as an editor starts it, with a fresh cache file for the
fake Poe's endpoint (a realistic catalogue of 400 bots, written by a first
server's fetch); the fake's catalogue route then answers 503, so any answer
that went to the network instead of the cache would show as a failure.  The
first call of each new server reads and parses the file; the calls after it
answer from memory.
"""

from __future__ import annotations

import tempfile
from typing import Any

from .client import LspProcess
from .common import ROOT, server_argv, server_env, summary
from fakepoe import FakePoe

CATALOGUE_SIZE = 400
"""Poe lists a few hundred bots."""


def _entries(count: int) -> list[dict[str, Any]]:
    return [
        {
            "id": f"Bench-Bot-{i}",
            "object": "model",
            "created": 1_736_000_000_000,
            "description": f"Bench bot {i}: a description of about the length Poe's have. " * 2,
            "owned_by": "bench",
            "architecture": {"input_modalities": ["text"], "output_modalities": ["text"]},
        }
        for i in range(count)
    ]


async def _list_bots(env: dict[str, str], warm_calls: int) -> tuple[float, list[float], int]:
    """One server: (first listBots s, later listBots s, bots listed)."""
    server = LspProcess(server_argv(), env, cwd=str(ROOT))
    await server.start()
    try:
        await server.initialize({"bot": "ExplainBot"})
        await server.request("poe/status", {})
        command = {"command": "poe.listBots", "arguments": [{}]}
        first, listed = await server.timed_request("workspace/executeCommand", command)
        later = [
            (await server.timed_request("workspace/executeCommand", command))[0]
            for _ in range(warm_calls)
        ]
        return first, later, len(listed)
    finally:
        await server.close()


async def list_bots_from_cache(reps: int, warm_calls: int) -> dict[str, Any]:
    """``list_bots_cache_ms``: a new server's first listBots (disk cache);
    ``list_bots_memory_ms``: the calls after it."""
    first: list[float] = []
    later: list[float] = []
    with tempfile.TemporaryDirectory(prefix="poe-lsp-bench-cache-") as cache:
        async with FakePoe() as fake:
            fake.catalogue.entries = _entries(CATALOGUE_SIZE)
            env = {
                **server_env(fake),
                "XDG_CACHE_HOME": cache,
                "POE_LSP_OPENAI_BASE_URL": fake.openai_base_url,
            }
            # The first server fetches and writes the cache; then the network is down.
            await _list_bots(env, 0)
            fake.catalogue.status = 503
            for _ in range(reps):
                t, warm, count = await _list_bots(env, warm_calls)
                if count < CATALOGUE_SIZE:
                    raise RuntimeError(f"listBots answered {count} bots, not from the cache")
                first.append(t)
                later.extend(warm)
            if len(fake.catalogue.requests) != 1:
                raise RuntimeError("a server asked the network although the cache was fresh")
    return {
        "list_bots_cache_ms": summary(first, 1000),
        "list_bots_memory_ms": summary(later, 1000),
    }
