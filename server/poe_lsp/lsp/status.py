"""``poe/status``: a diagnostic request that counts what the server holds.

Everything a job creates — its tasks, the range trackers and hover regions
that follow the document, its progress token, the futures of requests the
server sent to the client — must be gone once the job has ended and its
document is closed.  This request lets tests (and curious users) check that,
and reports the process's memory for benchmarks.  It never changes anything.
"""

from __future__ import annotations

import gc
import resource
import sys
from pathlib import Path
from typing import Any

from poe_lsp.core.conversation import FollowedRange

from .jobs import JobManager
from .server import PoeServer

METHOD = "poe/status"


def _rss_bytes() -> int:
    """The resident set size now (Linux), or the peak where /proc is missing."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)


def counts(server: PoeServer, jobs: JobManager, *, objects: bool = False) -> dict[str, Any]:
    """What the server holds now; ``objects`` adds a (slower) count of live objects."""
    protocol = server.protocol
    documents = list(server.documents)
    followed = server.documents.listener_count(FollowedRange)
    status: dict[str, Any] = {
        "runningJobs": len(jobs.running),
        "pendingConsents": jobs.pending_consents,
        "backgroundTasks": server.task_count,
        "openDocuments": len(documents),
        # Ranges that jobs, hovers and proposals follow (what a leak would grow),
        # apart from the finished jobs' ranges kept for follow-ups (at most 50).
        "trackedRanges": server.documents.listener_count() - followed,
        "followUpRanges": followed,
        "hoverRegions": len(server.hovers),
        "proposals": len(server.proposals),
        "progressTokens": len(server.work_done_progress.tokens),
        "requestFutures": len(protocol._request_futures),
        "resultTypes": len(protocol._result_types),
        "rssBytes": _rss_bytes(),
    }
    import tracemalloc  # here, not at start-up: it imports pickle (~9 ms)

    if tracemalloc.is_tracing():
        status["tracedBytes"] = tracemalloc.get_traced_memory()[0]
    if objects:
        gc.collect()
        status["objects"] = len(gc.get_objects())
    return status


def setup(server: PoeServer, jobs: JobManager) -> None:
    """Register ``poe/status`` (params: ``{objects?: bool}``)."""

    @server.feature(METHOD)
    def status(ls: PoeServer, params: Any) -> dict[str, Any]:
        wants_objects = getattr(params, "objects", None) is True
        return counts(ls, jobs, objects=wants_objects)
