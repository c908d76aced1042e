"""How a job ends: the one place that decides its final status and error.

A job's upstream stream ends one way (finished, cancelled, failed), then its
delivery may change that: the user typed inside the range (a conflict), the
editor refused the final edit, or the user declined the change.  Every
client sees the same status for the same facts, because only
:func:`decide` turns those facts into ``done``, ``failed`` or ``cancelled``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

from .errors import ErrorKind, PoeError

log = logging.getLogger(__name__)

Status = Literal["done", "failed", "cancelled"]


@dataclass(frozen=True)
class Outcome:
    """A job's status and, unless it is ``done``, the error the user is told."""

    status: Status
    error: PoeError | None = None


def of_stream(bot: str, *, cancelled: bool, exc: BaseException | None) -> Outcome:
    """The outcome of the upstream stream alone."""
    if cancelled:
        return Outcome("cancelled")
    if exc is None:
        return Outcome("done")
    if isinstance(exc, PoeError):
        # The user said no to the bot: nothing failed, the job was called off.
        return Outcome("cancelled" if exc.kind is ErrorKind.NOT_ALLOWED else "failed", exc)
    log.error("job for %s failed", bot, exc_info=exc)
    return Outcome("failed", PoeError(ErrorKind.BOT_FAILED, bot=bot, detail="internal error"))


def decide(
    stream: Outcome,
    *,
    conflict: PoeError | None = None,
    delivery: PoeError | None = None,
    declined: bool = False,
) -> Outcome:
    """The final outcome: the stream's, unless the delivery says otherwise.

    ``conflict``: the user edited the target range while the job ran (the
    user's text wins; the job failed to deliver).  ``delivery``: the last step
    of writing failed; ``declined`` says the user refused the change, which is
    a cancellation rather than a failure.
    """
    if conflict is not None:
        return Outcome("failed", conflict)
    if delivery is not None and stream.status == "done":
        rejected = delivery.kind is ErrorKind.EDIT_REJECTED and declined
        return Outcome("cancelled" if rejected else "failed", delivery)
    return stream
