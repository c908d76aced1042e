"""The named ways a job can fail, each with the sentence the user sees.

Every failure that reaches the user is a :class:`PoeError` of one
:class:`ErrorKind`.  The sentence says what happened and what to do; it never
contains the API key, a traceback or an HTTP body.  Tracebacks go to the log.
"""

from __future__ import annotations

import enum

from .botnames import BOT_NAME_RULE


class ErrorKind(enum.Enum):
    """What went wrong, independently of how it is reported."""

    NO_KEY = "no_key"
    KEY_REJECTED = "key_rejected"
    UNKNOWN_BOT = "unknown_bot"
    OUT_OF_POINTS = "out_of_points"
    RATE_LIMITED = "rate_limited"
    UNREACHABLE = "unreachable"
    TIMED_OUT = "timed_out"
    PROMPT_TOO_LONG = "prompt_too_long"
    BOT_FAILED = "bot_failed"
    BOT_FAILED_MID_ANSWER = "bot_failed_mid_answer"
    ANSWER_TOO_LONG = "answer_too_long"
    NOT_ALLOWED = "not_allowed"
    CONFLICT = "conflict"
    EDIT_REJECTED = "edit_rejected"
    EDIT_UNANSWERED = "edit_unanswered"
    UPLOAD_FAILED = "upload_failed"
    OVER_YOUR_LIMITS = "over_your_limits"
    BAD_BOT_NAME = "bad_bot_name"
    OVER_BUDGET = "over_budget"
    BUDGET_UNCHECKED = "budget_unchecked"


def setting_name(key: str) -> str:
    """A setting as every client's user can find it: the server's own key
    (what Neovim's ``init_options``/``settings.poe`` and any LSP client's
    initialization options use) and, in brackets, VS Code's ``poe.`` name."""
    return f"the {key} setting (VS Code: poe.{key})"


def _sentence(kind: ErrorKind, bot: str, detail: str, balance: int | None = None) -> str:
    detail_part = f" ({detail})" if detail else ""
    match kind:
        case ErrorKind.NO_KEY:
            return (
                "No Poe API key is set. Set POE_API_KEY in the editor's environment "
                "or pass apiKey in the initialization options (get a key at poe.com/api_key)."
            )
        case ErrorKind.KEY_REJECTED:
            return (
                "Poe rejected the API key. Check POE_API_KEY (or apiKey) against "
                "poe.com/api_key and restart the server."
            )
        case ErrorKind.UNKNOWN_BOT:
            return (
                f"Poe has no bot named '{bot}'. Check its spelling in the bot setting, the "
                "action's bot setting or the bot you chose (VS Code: Poe: Choose Bot; "
                "Neovim: :Poe bot), or choose another bot."
            )
        case ErrorKind.OUT_OF_POINTS:
            return (
                f"Your Poe account is out of points for {bot}."
                + ("" if balance is None else f" Its balance is {balance:,} points.")
                + " Add points at poe.com or choose a cheaper bot."
            )
        case ErrorKind.RATE_LIMITED:
            return f"Poe is rate limiting requests{detail_part}. Wait a moment and try again."
        case ErrorKind.UNREACHABLE:
            return (
                f"Poe could not be reached{detail_part}. Check the network connection "
                "and the bot endpoint (POE_LSP_BASE_URL or baseUrl), then try again."
            )
        case ErrorKind.TIMED_OUT:
            return f"{bot} stopped answering{detail_part}. Try again, or choose another bot."
        case ErrorKind.PROMPT_TOO_LONG:
            return (
                f"{bot} refused the prompt as too long{detail_part}. Select less code "
                f"or lower {setting_name('context.maxChars')}."
            )
        case ErrorKind.BOT_FAILED:
            return f"{bot} failed to answer{detail_part}. Try again, or choose another bot."
        case ErrorKind.BOT_FAILED_MID_ANSWER:
            return (
                f"{bot} failed in the middle of its answer{detail_part}. "
                "A partial edit is undone; try again."
            )
        case ErrorKind.ANSWER_TOO_LONG:
            return (
                f"{bot}'s answer was longer than the limit{detail_part}, so the job "
                "stopped reading it and wrote nothing. Select less code, or raise "
                f"{setting_name('answer.maxChars')}."
            )
        case ErrorKind.NOT_ALLOWED:
            return (
                f"The bot '{bot}' was not allowed, so nothing was sent. Add it to the "
                "allowedBots setting in your own settings (VS Code: user settings; "
                "Neovim: init_options) to use it without being asked."
            )
        case ErrorKind.CONFLICT:
            return (
                "The selection was edited while the bot was writing it, so the job "
                "stopped writing and kept your edit. Run it again on the new text."
            )
        case ErrorKind.EDIT_REJECTED:
            return (
                f"The editor did not apply the edit{detail_part}. The document was "
                "left as it was; run the job again."
            )
        case ErrorKind.EDIT_UNANSWERED:
            return (
                f"The editor did not answer an edit request{detail_part}, so the job "
                "stopped writing and left the document as the editor shows it. Check "
                "the selection, then run the job again (or raise "
                f"{setting_name('timeouts.applyEditSeconds')})."
            )
        case ErrorKind.UPLOAD_FAILED:
            return (
                f"Uploading the attachment to Poe failed{detail_part}. Check the upload "
                "endpoint (POE_LSP_UPLOAD_URL or uploadUrl) and try again, or set "
                f'{setting_name("context.attachFile")} to "whenTrimmed" or "never".'
            )

        case ErrorKind.OVER_YOUR_LIMITS:
            return (
                "The workspace's larger context.maxChars was not allowed, and within "
                f"your own the selection does not fit{detail_part}. Select less, or raise "
                f"{setting_name('context.maxChars')} in your own settings."
            )
        case ErrorKind.BAD_BOT_NAME:
            return (
                f"{bot} is not a Poe bot name, so nothing was sent. A bot name has "
                f"{BOT_NAME_RULE} characters."
            )
        case ErrorKind.OVER_BUDGET:
            return (
                "Your Poe API usage since midnight has reached your daily budget"
                f"{detail_part}, so nothing was sent. Raise budget.maxPointsPerDay in "
                "your own settings (VS Code: user settings; Neovim: init_options), or "
                "wait until midnight."
            )
        case ErrorKind.BUDGET_UNCHECKED:
            return (
                "budget.maxPointsPerDay is set but Poe's usage history could not be "
                f"read{detail_part}, so nothing was sent. Check the usage endpoint "
                "(POE_LSP_USAGE_URL or usageUrl) and try again."
            )


class PoeError(Exception):
    """A failure the user is told about, with its kind and user-facing sentence."""

    def __init__(
        self,
        kind: ErrorKind,
        *,
        bot: str = "",
        detail: str = "",
        retry_after: float | None = None,
        balance: int | None = None,
    ) -> None:
        self.kind = kind
        self.bot = bot
        self.detail = detail
        self.retry_after = retry_after
        self.balance = balance
        """For ``OUT_OF_POINTS``: the account's balance, when it could be read."""
        super().__init__(_sentence(kind, bot, detail, balance))

    @property
    def message(self) -> str:
        """The one sentence shown to the user."""
        return str(self)
