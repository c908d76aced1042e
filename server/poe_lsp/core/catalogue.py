"""Poe's bot catalogue as plain data: parsed, cached, merged with the settings.

``GET <openaiBaseUrl>/models`` (fetched by :mod:`poe_lsp.poe.catalogue`)
answers ``{"data": [{"id", "description", "owned_by", "architecture":
{"input_modalities", "output_modalities"}, "pricing"?}]}``.  Everything in it
comes from the network (or from a cache file anyone with the user's rights
could have edited), so it is read leniently and cut to size: an entry whose
``id`` breaks the bot-name rule is dropped (a name becomes part of a URL when
a job runs), descriptions lose control characters and are cut, and anything
of the wrong type is left out rather than trusted.

The cache file (see :func:`cache_path`) keeps one catalogue per endpoint, so
a user who switches endpoints never sees one endpoint's bots under another.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .botnames import is_bot_name
from .settings import Secrets, Settings
from .settings import bot_list as configured_bots

MAX_AGE_SECONDS = 24 * 3600
"""A catalogue younger than a day is used as it is; an older one is refreshed."""
FUTURE_TOLERANCE_SECONDS = 300
"""How far in the future a fetch time may be (clocks differ) and still count as fresh."""
MAX_DESCRIPTION = 300
"""Characters of a bot's description kept (a quick pick shows one line)."""
MAX_ENTRIES = 2000
"""Entries read from one answer; Poe lists a few hundred."""
MAX_ENDPOINTS = 4
"""Endpoints kept in the cache file (the most recently fetched)."""
MODALITIES = frozenset({"text", "image", "video", "audio"})
CACHE_FORMAT = 1


@dataclass(frozen=True)
class BotInfo:
    """One bot of the catalogue."""

    name: str
    description: str = ""
    owned_by: str = ""
    input_modalities: tuple[str, ...] = ()
    output_modalities: tuple[str, ...] = ()
    pricing: Mapping[str, Any] | None = field(default=None, compare=False)
    """The entry's ``pricing`` object, as Poe sent it, when it has one."""

    @property
    def writes_text(self) -> bool:
        """Whether the bot's answer includes text (unknown modalities: assumed so)."""
        return not self.output_modalities or "text" in self.output_modalities

    def to_json(self) -> dict[str, Any]:
        """The entry as the cache file and ``poe.listBots`` spell it."""
        entry: dict[str, Any] = {"name": self.name}
        if self.description:
            entry["description"] = self.description
        if self.owned_by:
            entry["ownedBy"] = self.owned_by
        if self.input_modalities:
            entry["inputModalities"] = list(self.input_modalities)
        if self.output_modalities:
            entry["outputModalities"] = list(self.output_modalities)
        return entry


def _clean(value: object, limit: int) -> str:
    if not isinstance(value, str):
        return ""
    text = " ".join("".join(c if c.isprintable() else " " for c in value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _modalities(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(dict.fromkeys(m for m in value if isinstance(m, str) and m in MODALITIES))


def parse_entry(raw: object) -> BotInfo | None:
    """One ``/models`` entry (or cache entry), or None when it names no usable bot."""
    if not isinstance(raw, Mapping):
        return None
    name = raw.get("id", raw.get("name"))
    if not is_bot_name(name):
        return None
    assert isinstance(name, str)
    arch = raw.get("architecture")
    arch = arch if isinstance(arch, Mapping) else {}
    pricing = raw.get("pricing")
    return BotInfo(
        name=name,
        description=_clean(raw.get("description"), MAX_DESCRIPTION),
        owned_by=_clean(raw.get("owned_by", raw.get("ownedBy")), 80),
        input_modalities=_modalities(arch.get("input_modalities", raw.get("inputModalities"))),
        output_modalities=_modalities(arch.get("output_modalities", raw.get("outputModalities"))),
        pricing=dict(pricing) if isinstance(pricing, Mapping) else None,
    )


def parse_models(payload: object) -> list[BotInfo]:
    """The bots of a ``/models`` answer, in its order, each name once.

    Raises ValueError when the answer is not a model list at all.
    """
    data = payload.get("data") if isinstance(payload, Mapping) else None
    if not isinstance(data, list):
        raise ValueError("the answer has no 'data' list of models")
    bots: dict[str, BotInfo] = {}
    for raw in data[:MAX_ENTRIES]:
        bot = parse_entry(raw)
        if bot is not None and bot.name not in bots:
            bots[bot.name] = bot
    return list(bots.values())


@dataclass(frozen=True)
class Catalogue:
    """The bots one endpoint listed, and when they were fetched."""

    endpoint: str
    fetched_at: float
    """Seconds since the epoch."""
    bots: tuple[BotInfo, ...]

    def get(self, name: str) -> BotInfo | None:
        """The entry for ``name``, if the catalogue lists it."""
        for bot in self.bots:
            if bot.name == name:
                return bot
        return None

    def price_of(self, name: str) -> Mapping[str, Any] | None:
        """The catalogue's ``pricing`` object for ``name``, when Poe sent one."""
        bot = self.get(name)
        return bot.pricing if bot is not None else None

    def age(self, now: float | None = None) -> float:
        """Seconds since the fetch (never negative: a clock set back counts as fresh)."""
        return max(0.0, (time.time() if now is None else now) - self.fetched_at)

    def fresh(self, now: float | None = None) -> bool:
        """Whether the catalogue is younger than :data:`MAX_AGE_SECONDS`.  A fetch
        time far in the future (a clock set wrong, an edited file) is stale, so
        that it cannot keep an old catalogue forever."""
        elapsed = (time.time() if now is None else now) - self.fetched_at
        return -FUTURE_TOLERANCE_SECONDS < elapsed < MAX_AGE_SECONDS

    def to_json(self) -> dict[str, Any]:
        """The cache file's record of this catalogue (pricing kept for cost estimates)."""
        entries = []
        for bot in self.bots:
            entry = bot.to_json()
            if bot.pricing is not None:
                entry["pricing"] = dict(bot.pricing)
            entries.append(entry)
        return {"fetchedAt": self.fetched_at, "bots": entries}


def text_refusal(command: str, bot: BotInfo) -> str | None:
    """The sentence refusing a text job on ``bot``, or None when its output has text."""
    if bot.writes_text:
        return None
    outputs = ", ".join(bot.output_modalities)
    return (
        f"{command}: {bot.name} answers with {outputs} only, not text; choose a bot whose "
        "output includes text (Choose Bot / :Poe bot lists them)."
    )


def bot_list(
    settings: Settings, secrets: Secrets, catalogue: Catalogue | None
) -> list[dict[str, Any]]:
    """``poe.listBots``: the bots the settings name (``configured: true``, with the
    actions whose setting names each), then the rest of the catalogue."""
    listed: list[dict[str, Any]] = []
    for configured in configured_bots(settings, secrets):
        info = catalogue.get(configured["name"]) if catalogue is not None else None
        entry = info.to_json() if info is not None else {}
        listed.append({**configured, **entry, "configured": True})
    if catalogue is not None:
        named = {entry["name"] for entry in listed}
        listed += [
            {**bot.to_json(), "actions": [], "configured": False}
            for bot in catalogue.bots
            if bot.name not in named
        ]
    return listed


# -- the cache file -------------------------------------------------------------------


def cache_path(environ: Mapping[str, str] | None = None) -> Path | None:
    """``$XDG_CACHE_HOME/poe-lsp/catalogue.json`` (``~/.cache`` when unset), or None
    when no absolute cache directory is known."""
    env = os.environ if environ is None else environ
    base = env.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    if not os.path.isabs(base):
        return None
    return Path(base) / "poe-lsp" / "catalogue.json"


def read_cache(text: str, endpoint: str) -> Catalogue | None:
    """The cached catalogue of ``endpoint`` from the file's text; None when the file
    is not one this version wrote, is corrupt, or has nothing for that endpoint."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or data.get("format") != CACHE_FORMAT:
        return None
    endpoints = data.get("endpoints")
    record = endpoints.get(endpoint) if isinstance(endpoints, dict) else None
    if not isinstance(record, dict):
        return None
    fetched_at = record.get("fetchedAt")
    entries = record.get("bots")
    if not isinstance(fetched_at, int | float) or isinstance(fetched_at, bool):
        return None
    if not isinstance(entries, list):
        return None
    bots = [b for b in (parse_entry(e) for e in entries[:MAX_ENTRIES]) if b is not None]
    return Catalogue(endpoint, float(fetched_at), tuple(bots))


def write_cache(old_text: str | None, catalogue: Catalogue) -> str:
    """The file's new text: ``catalogue`` stored for its endpoint, beside at most
    :data:`MAX_ENDPOINTS` - 1 other endpoints kept from ``old_text``."""
    endpoints: dict[str, Any] = {}
    try:
        old = json.loads(old_text) if old_text else None
    except (ValueError, RecursionError):
        old = None
    if isinstance(old, dict) and old.get("format") == CACHE_FORMAT:
        kept = old.get("endpoints")
        if isinstance(kept, dict):
            endpoints = {
                k: v for k, v in kept.items() if isinstance(v, dict) and k != catalogue.endpoint
            }
    newest: list[tuple[str, Any]] = sorted(
        endpoints.items(), key=lambda kv: _fetched(kv[1]), reverse=True
    )[: MAX_ENDPOINTS - 1]
    records = dict(newest)
    records[catalogue.endpoint] = catalogue.to_json()
    return json.dumps({"format": CACHE_FORMAT, "endpoints": records}, ensure_ascii=False)


def _fetched(record: Mapping[str, Any]) -> float:
    value = record.get("fetchedAt")
    return float(value) if isinstance(value, int | float) else 0.0


def described_age(seconds: float) -> str:
    """``3 hours``, ``2 days``: how old a cached catalogue is, for a note."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = int(seconds // size)
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return "less than a minute"
