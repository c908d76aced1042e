"""One typed settings object, validated once.

Settings come from two places (contract §2–3):

* ``initializationOptions``: the user's own settings, chosen by the client.
  Only here (or in the environment) may the API key, the endpoints and the
  allowed bots come from.
* ``workspace/configuration`` section ``poe``: may change everything else, and
  wins over the initialization options (``botParameters`` bot by bot).  What
  it raises beyond the user's own values (see :mod:`poe_lsp.cost`) applies
  only once the user allows it.

Every bot name is checked against the one rule of :mod:`poe_lsp.botnames`; a
name that breaks it is reported once and ignored (a workspace's bad name
leaves the user's own value in place).  A prompt template over the bounds of
:func:`poe_lsp.prompts.template_problem` is reported once and the built-in
template is used.

Keys are camelCase, nested (``{"context": {"maxChars": 1000}}``) or dotted
(``{"context.maxChars": 1000}``).  Unknown keys are logged and ignored; a
wrongly typed value is reported once and replaced by its default.

Why one module of this length: every setting is declared here once (its
key, default, check and docstring), which is the point of the model; the
checks themselves live in :mod:`poe_lsp.core.checks`.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from .actions import ACTIONS
from .botnames import BOT_NAME_RULE, is_bot_name, quoted
from .checks import BOT, BOT_GROUP, FLAG, SECONDS, TEXT, WHOLE, Check, one_of
from .endpoints import (
    DEFAULT_BASE_URL,
    DEFAULT_OPENAI_BASE_URL,
    DEFAULT_UPLOAD_URL,
    DEFAULT_USAGE_URL,
    PROJECT_URL,
)
from .errors import setting_name
from .prompts import template_problem

log = logging.getLogger(__name__)

EDIT_MODES = ("review", "stream", "final")
RETIRED_EDIT_MODES = {"confirm": "review"}
"""Edit modes that are still read, and the mode each now means."""
DEFAULT_BOT = "GPT-5"
ATTACH_MODES = ("never", "whenTrimmed", "always")
TRANSPORTS = ("poe", "openai")

PARAMETERS_IGNORED_NOTE = (
    'Poe\'s OpenAI-compatible endpoint (transport "openai") does not support custom bot '
    "parameters, so botParameters and a command's parameters are not sent. Use transport "
    '"poe" to send them.'
)
"""Told once per session when parameters would have been sent over ``transport: openai``."""

EditMode = Literal["review", "stream", "final"]
AttachMode = Literal["never", "whenTrimmed", "always"]
Transport = Literal["poe", "openai"]


@dataclass(frozen=True)
class ActionSettings:
    """Overrides for one action (``actions.<action>``)."""

    bot: str | None = None
    """Bot for this action; ``None`` means the default ``bot``."""
    prompt: str | None = None
    """Prompt template for this action; ``None`` means the built-in one."""


EDIT_MODE = Check(
    f"one of {', '.join(EDIT_MODES)}",
    lambda value: value in EDIT_MODES or value in RETIRED_EDIT_MODES,
    convert=lambda value: RETIRED_EDIT_MODES.get(value, value),
)
"""``confirm`` is retired: still accepted, read as ``review``."""
ATTACH_MODE = one_of(ATTACH_MODES)
PROMPT_BUDGET = dataclasses.replace(WHOLE, minimum=200, below_minimum="too small to hold a prompt")
ANSWER_CAP = dataclasses.replace(WHOLE, minimum=1, below_minimum="which would refuse every answer")


def setting(key: str, default: Any, check: Check | None = None, **kwargs: Any) -> Any:
    """A field of :class:`Settings` read from the camelCase ``key`` (dotted for
    nested objects) and validated by ``check``; ``None`` for the structured
    settings (``actions``, ``botParameters``), which are read by hand."""
    metadata = {"key": key, "check": check}
    if callable(default):
        return field(default_factory=default, metadata=metadata, **kwargs)
    return field(default=default, metadata=metadata, **kwargs)


@dataclass(frozen=True)
class Settings:
    """Everything the user can configure, with the contract's defaults.

    Each field names its key and its check: :class:`SettingsReader` reads
    them from here, so a setting is declared once.
    """

    bot: str = setting("bot", DEFAULT_BOT, BOT)
    """The default bot."""
    actions: Mapping[str, ActionSettings] = setting("actions", dict)
    """Per-action bot and prompt overrides."""
    bot_parameters: Mapping[str, Mapping[str, Any]] = setting("botParameters", dict)
    """Bot name → ``parameters`` sent on the user message."""
    lines_before: int = setting("context.linesBefore", 40, WHOLE)
    """Lines of context sent before a selection."""
    lines_after: int = setting("context.linesAfter", 20, WHOLE)
    """Lines of context sent after a selection."""
    max_chars: int = setting("context.maxChars", 24000, PROMPT_BUDGET)
    """Hard budget for the whole prompt; context is trimmed first."""
    edits_mode: EditMode = setting("edits.mode", "review", EDIT_MODE)
    """How edits reach the document: ``review`` (a proposal the user accepts or
    rejects, hunk by hunk), ``stream`` (rewritten while the bot streams) or
    ``final`` (one edit at the end).  The retired ``confirm`` is read as ``review``."""
    app_title: str = setting("app.title", "poe-lsp", TEXT)
    """Sent as ``X-Title`` on every Poe request."""
    app_referer: str = setting("app.referer", PROJECT_URL, TEXT)
    """Sent as ``HTTP-Referer`` on every Poe request."""
    idle_seconds: float = setting("timeouts.idleSeconds", 120.0, SECONDS)
    """A bot that sends nothing for this long (not even a keep-alive) has stopped answering."""
    apply_edit_seconds: float = setting("timeouts.applyEditSeconds", 10.0, SECONDS)
    """How long the client may take to answer a ``workspace/applyEdit`` (or another
    request the server makes while a job ends): past it the job stops writing and
    ends, leaving the document as the editor shows it."""
    answer_max_chars: int = setting("answer.maxChars", 200000, ANSWER_CAP)
    """Longest answer read; a longer one stops the job (failed, nothing written)."""
    attach_file: AttachMode = setting("context.attachFile", "never", ATTACH_MODE)
    """Upload the job's file as an attachment: ``never``, ``whenTrimmed`` (only when
    ``max_chars`` cut the context) or ``always``."""
    confirm_above_points: int = setting("budget.confirmAbovePoints", 0, WHOLE)
    """Ask before a job expected to cost more than this many points (0: never ask)."""
    compare_bots: tuple[str, ...] = setting("compare.bots", (), BOT_GROUP)
    """The bots a "Compare with …" code action sends the selection to (2–4; empty: off)."""
    workspace_context: bool = setting("context.workspace", True, FLAG)
    """Add the definitions, from other files of the workspace folders, of the names
    the selection uses (README "Workspace context")."""

    def bot_for(self, action: str) -> str:
        """The bot an action uses when the command names none."""
        override = self.actions.get(action)
        return override.bot if override and override.bot else self.bot

    def template_for(self, action: str) -> str | None:
        """The user's prompt template for an action, or ``None`` for the built-in one."""
        override = self.actions.get(action)
        return override.prompt if override else None

    def parameters_for(self, bot: str) -> dict[str, Any]:
        """The configured ``parameters`` for a bot (a fresh, mutable copy)."""
        return dict(self.bot_parameters.get(bot, {}))


@dataclass(frozen=True)
class Secrets:
    """What only the user (environment or initialization options) may set."""

    api_key: str = dataclasses.field(default="", repr=False)
    """The Poe API key; never logged (excluded from ``repr``)."""
    base_url: str = DEFAULT_BASE_URL
    """The bot-protocol base; bot ``X`` is requested at ``<base>X``."""
    upload_url: str = DEFAULT_UPLOAD_URL
    """Where file attachments are uploaded."""
    allowed_bots: frozenset[str] = frozenset()
    """Bots the user allowed in advance (beyond the ones their settings name)."""
    transport: Transport = "poe"
    """``poe``: the bot protocol (fastapi-poe); ``openai``: the OpenAI-compatible endpoint."""
    openai_base_url: str = DEFAULT_OPENAI_BASE_URL
    """The OpenAI-compatible base (``/chat/completions`` is appended)."""
    usage_url: str = DEFAULT_USAGE_URL
    """``current_balance`` and ``points_history`` are under it."""
    max_points_per_day: int | None = None
    """``budget.maxPointsPerDay``: jobs are refused once the key's API usage since
    local midnight reaches it (``None``: no budget)."""


def mask(key: str) -> str:
    """Show that a key is set without revealing it."""
    if not key:
        return "(not set)"
    return f"set, {len(key)} characters, ending …{key[-2:]}" if len(key) >= 12 else "set"


def flatten(options: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Turn nested option objects into dotted keys (``context.maxChars``).

    ``actions`` and ``botParameters`` are kept as whole values below their own
    key so that bot names containing dots survive.
    """
    flat: dict[str, Any] = {}
    for key, value in options.items():
        if not isinstance(key, str):
            continue
        dotted = f"{prefix}{key}"
        if dotted in ("botParameters", "allowedBots"):
            flat[dotted] = value
        elif (
            isinstance(value, Mapping) and dotted != "actions" and not dotted.startswith("actions.")
        ):
            flat.update(flatten(value, f"{dotted}."))
        elif isinstance(value, Mapping) and dotted == "actions":
            for action, action_value in value.items():
                if isinstance(action_value, Mapping):
                    for sub_key, sub_value in action_value.items():
                        flat[f"actions.{action}.{sub_key}"] = sub_value
                else:
                    flat[f"actions.{action}"] = action_value
        else:
            flat[dotted] = value
    return flat


SECRET_KEYS = (
    "apiKey",
    "baseUrl",
    "uploadUrl",
    "allowedBots",
    "transport",
    "openaiBaseUrl",
    "usageUrl",
    "budget.maxPointsPerDay",
)

_FIELDS: dict[str, dataclasses.Field[Any]] = {
    f.metadata["key"]: f for f in dataclasses.fields(Settings) if "key" in f.metadata
}
"""Each setting's key → its declared field."""


class SettingsReader:
    """Validates raw option dictionaries into :class:`Settings`.

    ``report`` is called once per distinct problem (the server shows it with
    ``window/showMessage``); repeated reads of the same bad value stay quiet.
    """

    def __init__(self, report: Callable[[str], None]) -> None:
        self._report = report
        self._reported: set[str] = set()
        self._noted: set[str] = set()

    def _note(self, message: str) -> None:
        """Log ``message`` once per session: information, not a problem to show."""
        if message not in self._noted:
            self._noted.add(message)
            log.info("%s", message)

    def _problem(self, message: str) -> None:
        if message not in self._reported:
            self._reported.add(message)
            log.warning("%s", message)
            self._report(message)

    def read(
        self, init_options: Mapping[str, Any] | None, workspace: Mapping[str, Any] | None
    ) -> Settings:
        """Merge initialization options and workspace configuration (the latter wins)."""
        merged = flatten(init_options or {})
        for key in SECRET_KEYS:
            merged.pop(key, None)
        for key, value in flatten(workspace or {}).items():
            if key in SECRET_KEYS:
                log.warning(
                    "ignored %s from workspace configuration: only user settings may set it", key
                )
                continue
            if (
                _names_a_bot(key)
                and value is not None
                and not self._bot_name_ok(f"setting poe.{key}", value)
            ):
                continue
            mine = merged.get(key)
            if key == "botParameters" and isinstance(mine, Mapping) and isinstance(value, Mapping):
                # Bot by bot: a workspace entry for one bot leaves the user's others alone.
                value = {**mine, **value}
            merged[key] = value
        return self._validate(merged)

    def _bot_name_ok(self, setting: str, value: Any, *, ignored: str = "it is ignored") -> bool:
        """Whether a bot name from ``setting`` keeps the rule; reports it once when not."""
        if is_bot_name(value):
            return True
        self._problem(
            f"poe-lsp: {setting} names {quoted(value)}, which is not a bot name "
            f"({BOT_NAME_RULE} characters); {ignored}."
        )
        return False

    def _validate(self, raw: dict[str, Any]) -> Settings:
        values: dict[str, Any] = {}
        actions: dict[str, dict[str, str | None]] = {}
        for key, value in raw.items():
            if value is None:
                continue
            declared = _FIELDS.get(key)
            if declared is not None and declared.metadata["check"] is not None:
                values[declared.name] = self._checked(key, value, declared)
            elif key == "botParameters":
                values["bot_parameters"] = self._bot_parameters(value)
            elif key.startswith("actions."):
                self._action(key, value, actions)
            else:
                log.info("ignored unknown setting poe.%s", key)
        values["actions"] = {
            name: ActionSettings(bot=spec.get("bot"), prompt=spec.get("prompt"))
            for name, spec in actions.items()
        }
        return Settings(**values)

    def _checked(self, key: str, value: Any, declared: dataclasses.Field[Any]) -> Any:
        """The value if its check accepts it; otherwise the default, said once."""
        check: Check = declared.metadata["check"]
        default = declared.default
        if not check.accepts(value):
            if check is BOT:
                self._bot_name_ok(f"setting poe.{key}", value)
            else:
                self._problem(
                    f"poe-lsp: {setting_name(key)} should be {check.wanted}, not {value!r}; "
                    f"using the default {default!r}."
                )
            return default
        if key == "edits.mode" and value in RETIRED_EDIT_MODES:
            self._note(
                f"setting poe.edits.mode {value!r} is retired; "
                f"read as {RETIRED_EDIT_MODES[value]!r}"
            )
        if check.minimum is not None and value < check.minimum:
            self._problem(
                f"poe-lsp: {setting_name(key)} is {value}, {check.below_minimum}; "
                f"using the default {default!r}."
            )
            return default
        return check.convert(value)

    def _action(self, key: str, value: Any, actions: dict[str, dict[str, str | None]]) -> None:
        """``actions.<action>.bot`` or ``.prompt``."""
        parts = key.split(".")
        if not (len(parts) == 3 and parts[1] in ACTIONS and parts[2] in ("bot", "prompt")):
            log.info("ignored unknown setting poe.%s", key)
            return
        checked: str | None = value
        if not TEXT.accepts(value):
            self._problem(
                f"poe-lsp: {setting_name(key)} should be {TEXT.wanted}, not {value!r}; "
                "using the default None."
            )
            checked = None
        elif parts[2] == "bot":
            checked = value if self._bot_name_ok(f"setting poe.{key}", value) else None
        elif problem := template_problem(value):
            self._problem(
                f"poe-lsp: the prompt template poe.{key} {problem}; "
                "the built-in prompt is used instead."
            )
            checked = None
        actions.setdefault(parts[1], {})[parts[2]] = checked

    def _bot_parameters(self, value: Any) -> dict[str, dict[str, Any]]:
        if not isinstance(value, Mapping) or not all(
            isinstance(k, str) and isinstance(v, Mapping) for k, v in value.items()
        ):
            self._problem(
                "poe-lsp: setting poe.botParameters should map bot names to objects of "
                "parameters; using {}."
            )
            return {}
        return {
            name: dict(params)
            for name, params in value.items()
            if self._bot_name_ok("setting poe.botParameters", name, ignored="that entry is ignored")
        }

    def read_secrets(
        self, init_options: Mapping[str, Any] | None, environ: Mapping[str, str] | None = None
    ) -> Secrets:
        """Key, endpoints and allowed bots: environment first, then initialization options."""
        env = os.environ if environ is None else environ
        opts = init_options or {}

        def pick(env_name: str, opt_name: str, default: str) -> str:
            from_env = env.get(env_name, "")
            if from_env:
                return from_env
            value = opts.get(opt_name)
            if value is None:
                return default
            if isinstance(value, str) and value:
                return value
            self._problem(
                f"poe-lsp: initialization option {opt_name} should be a non-empty string; "
                "ignoring it."
            )
            return default

        allowed_raw = opts.get("allowedBots", [])
        if not isinstance(allowed_raw, list) or not all(isinstance(b, str) for b in allowed_raw):
            self._problem(
                "poe-lsp: initialization option allowedBots should be a list of bot names; "
                "ignoring it."
            )
            allowed_raw = []
        allowed = [
            b
            for b in allowed_raw
            if self._bot_name_ok("initialization option allowedBots", b, ignored="it is left out")
        ]
        base_url = pick("POE_LSP_BASE_URL", "baseUrl", DEFAULT_BASE_URL)
        if not base_url.endswith("/"):
            base_url += "/"
        transport = pick("POE_LSP_TRANSPORT", "transport", "poe")
        if transport not in TRANSPORTS:
            self._problem(
                f"poe-lsp: transport should be one of {', '.join(TRANSPORTS)}, not "
                f"{transport!r}; using 'poe'."
            )
            transport = "poe"
        return Secrets(
            api_key=pick("POE_API_KEY", "apiKey", ""),
            base_url=base_url,
            upload_url=pick("POE_LSP_UPLOAD_URL", "uploadUrl", DEFAULT_UPLOAD_URL),
            allowed_bots=frozenset(allowed),
            transport=cast(Transport, transport),
            openai_base_url=pick(
                "POE_LSP_OPENAI_BASE_URL", "openaiBaseUrl", DEFAULT_OPENAI_BASE_URL
            ).rstrip("/"),
            usage_url=pick("POE_LSP_USAGE_URL", "usageUrl", DEFAULT_USAGE_URL),
            max_points_per_day=self._daily_budget(opts),
        )

    def _daily_budget(self, opts: Mapping[str, Any]) -> int | None:
        """``budget.maxPointsPerDay`` from the initialization options only."""
        budget = opts.get("budget")
        value = budget.get("maxPointsPerDay") if isinstance(budget, Mapping) else None
        if value is None:
            return None
        if not WHOLE.accepts(value):
            self._problem(
                "poe-lsp: initialization option budget.maxPointsPerDay should be "
                f"{WHOLE.wanted}, not {value!r}; no daily budget is applied."
            )
            return None
        return int(value)


def _names_a_bot(key: str) -> bool:
    return key == "bot" or (key.startswith("actions.") and key.endswith(".bot"))


def bots_named_by_user(init_settings: Settings, secrets: Secrets) -> frozenset[str]:
    """Bots the user's own settings name: these never need consent (contract §6)."""
    # ``init_settings.bot`` is the built-in default when the user names none:
    # that default is then the user's choice too, but not once they chose another.
    named = {init_settings.bot, *secrets.allowed_bots}
    named.update(spec.bot for spec in init_settings.actions.values() if spec.bot)
    named.update(init_settings.compare_bots)
    return frozenset(named)


def bot_list(settings: Settings, secrets: Secrets) -> list[dict[str, Any]]:
    """``poe.listBots``: every bot the settings name, with the actions that use it."""
    by_bot: dict[str, list[str]] = {}
    for action in ACTIONS:
        by_bot.setdefault(settings.bot_for(action), []).append(action)
    for name in sorted(secrets.allowed_bots):
        by_bot.setdefault(name, [])
    for name in settings.bot_parameters:
        by_bot.setdefault(name, [])
    return [{"name": name, "actions": actions} for name, actions in by_bot.items()]
