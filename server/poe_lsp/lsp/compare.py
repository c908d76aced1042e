"""``poe.compare``: one request to 2–4 bots at once, each answer its own job.

The jobs are ordinary jobs (:mod:`poe_lsp.lsp.jobs`: the same rate limiter,
progress, ``poe/stream`` and ``poe/done``, each carrying the ``compareId``),
with two differences:

* consent is the compare's, not each job's: the bots the user's own settings
  do not name are asked about one after the other before anything is sent,
  and one refused bot fails every job of the compare unsent (a compare with a
  bot missing is not the comparison the user asked for);
* a refactor's answers are alternatives for the same range: always review
  proposals, which coexist until one is accepted; accepting one rejects the
  others (:mod:`poe_lsp.core.review`), and the others still running end
  ``cancelled``.  Cancelling one job leaves the others.

Clients that render jobs show the answers side by side; any other client gets
each as its own message or proposal, which names its bot.

The "Compare with …" code action offers this for a selection when
``compare.bots`` names the bots.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import uuid
from collections.abc import Sequence
from functools import partial
from typing import Any

from lsprotocol import types

from poe_lsp.core.botnames import BOT_NAME_RULE, is_bot_name
from poe_lsp.core.errors import ErrorKind, PoeError

from .arguments import invalid, open_document, shown, the_argument
from .code_actions import REFACTOR_KIND
from .commands import job_request, start_job
from .jobs import JobManager
from .positions import range_json
from .server import PoeServer

log = logging.getLogger(__name__)

COMMAND = "poe.compare"
FEWEST_BOTS, MOST_BOTS = 2, 4
ACTIONS = ("explain", "refactor", "ask")
COMPARE_KIND = REFACTOR_KIND
"""Listed with Explain and Refactor, which it runs on several bots."""

_ids = itertools.count(1)


def parse_bots(value: Any) -> list[str]:
    """The compare's bots: 2 to 4 different bot names, in the order given."""
    example = '["GPT-5", "Claude-Sonnet-4.5"]'
    if not isinstance(value, list) or not value:
        raise invalid(
            f"{COMMAND} needs 'bots': a list of {FEWEST_BOTS} to {MOST_BOTS} different bot "
            f"names, such as {example}."
        )
    for name in value:
        if not is_bot_name(name):
            what = shown(name) if isinstance(name, str) else type(name).__name__
            raise invalid(
                f"{COMMAND}: {what!r} in 'bots' is not a Poe bot name ({BOT_NAME_RULE} characters)."
            )
    if len(set(value)) != len(value):
        twice = next(name for name in value if value.count(name) > 1)
        raise invalid(f"{COMMAND}: 'bots' names {twice} twice; name each bot once.")
    if not FEWEST_BOTS <= len(value) <= MOST_BOTS:
        raise invalid(
            f"{COMMAND} compares {FEWEST_BOTS} to {MOST_BOTS} bots; 'bots' names {len(value)}."
        )
    return list(value)


async def _consent(jobs: JobManager, bots: Sequence[str]) -> PoeError | None:
    """Ask about each bot the user's own settings do not name, one at a time;
    the first refusal ends it (the others need not be asked: nothing is sent)."""
    for bot in bots:
        if not await jobs.consent.bot_allowed(bot):
            log.info("compare: %s was not allowed; no bot is asked", bot)
            return PoeError(ErrorKind.NOT_ALLOWED, bot=bot)
    return None


async def compare(
    server: PoeServer, params: types.ExecuteCommandParams, *, jobs: JobManager
) -> dict[str, Any]:
    """``poe.compare {uri, range, action, bots, instruction?, prompt?, output?}``:
    answers ``{compareId, jobs: [{jobId, bot}]}`` once every job has started."""
    arg = the_argument(COMMAND, params)
    await server.ready()
    action = arg.get("action")
    if action not in ACTIONS:
        raise invalid(f'{COMMAND}: \'action\' must be "explain", "refactor" or "ask".')
    bots = parse_bots(arg.get("bots"))
    if "bot" in arg:
        raise invalid(f"{COMMAND} takes its bots in 'bots', not 'bot'.")
    doc = open_document(server, COMMAND, arg)
    request = job_request(server, COMMAND, action, arg, doc)
    compare_id = f"compare-{next(_ids)}-{uuid.uuid4().hex[:8]}"
    unasked = [b for b in bots if b not in server.user_bots and b not in server.consented_bots]
    gate: asyncio.Future[PoeError | None] | None = None
    if unasked:
        gate = server.run_task(_consent(jobs, unasked), f"consent {compare_id}")
    started = []
    for bot in bots:
        job = start_job(
            server,
            jobs,
            params,
            {**arg, "bot": bot},
            doc=doc,
            bot=bot,
            compare_id=compare_id,
            gate=gate,
            **request,
        )
        started.append({"jobId": job["jobId"], "bot": bot})
    log.info("%s: %s on %s", compare_id, action, ", ".join(bots))
    return {"compareId": compare_id, "jobs": started}


def compare_title(bots: Sequence[str], action: str = "explain") -> str:
    """``Compare with A, B, C`` (explain) / ``Compare refactor with A, B, C``."""
    verb = "Compare" if action == "explain" else f"Compare {action}"
    return f"{verb} with {', '.join(bots)}"


def code_actions(server: PoeServer, params: types.CodeActionParams) -> list[types.CodeAction]:
    """ "Compare with …" (explain) and "Compare refactor with …" for a selection,
    when ``compare.bots`` names the bots."""
    bots = list(server.settings.compare_bots)
    rng = params.range
    selected = (rng.start.line, rng.start.character) < (rng.end.line, rng.end.character)
    if not bots or not selected or server.documents.get(params.text_document.uri) is None:
        return []
    found = []
    for action in ("explain", "refactor"):
        title = compare_title(bots, action)
        argument = {
            "uri": params.text_document.uri,
            "range": range_json(rng),
            "action": action,
            "bots": bots,
        }
        found.append(
            types.CodeAction(
                title=title,
                kind=COMPARE_KIND,
                command=types.Command(title=title, command=COMMAND, arguments=[argument]),
            )
        )
    return found


def setup(server: PoeServer, jobs: JobManager) -> None:
    """Register ``poe.compare`` (its code actions are handed to the code-action feature)."""
    server.register_command(COMMAND, partial(compare, jobs=jobs))
    server.proposals.on_chosen = jobs.supersede
