"""core/usage.py and the settings it reads, on their own (no server, no network).

Oracle: the matching rule of core/usage.py written out per case — each entry,
in creation order, to the unmatched finished job of its bot that started last
before it; API entries only; no entry twice.
"""

from __future__ import annotations

from typing import Any

import pytest

from poe_lsp.core.settings import SettingsReader
from poe_lsp.core.usage import Entry, Ledger, api_points_since, parse_balance, parse_history


def entry(query_id: str, created: int, points: int, bot: str = "B", kind: str = "API") -> Entry:
    return Entry(query_id, bot, created, kind, points)


def ledger(*jobs: tuple[str, str, int]) -> Ledger:
    book = Ledger()
    for job_id, bot, started in jobs:
        book.sent(job_id, bot, started)
        book.finished(job_id)
    return book


def costs(book: Ledger) -> dict[str, int | None]:
    return {job["jobId"]: job["points"] for job in book.report()}


def test_an_entry_goes_to_the_job_started_last_before_it_even_if_it_shows_first() -> None:
    book = ledger(("a", "B", 100), ("b", "B", 200), ("c", "B", 300))
    book.feed([entry("qc", 310, 37)])  # c's entry shows before a's and b's
    assert costs(book) == {"a": None, "b": None, "c": 37}
    book.feed([entry("qa", 110, 11), entry("qb", 210, 23), entry("qc", 310, 37)])
    assert costs(book) == {"a": 11, "b": 23, "c": 37}
    assert book.session_points() == 71 and book.last_cost == {"B": 37}


def test_other_bots_other_usage_types_older_entries_and_running_jobs_take_nothing() -> None:
    book = ledger(("a", "B", 100))
    book.sent("running", "B", 50)  # not finished: its entry cannot be visible yet
    book.feed(
        [
            entry("old", 90, 5),
            entry("chat", 150, 6, kind="Chat"),
            entry("other", 160, 7, bot="C"),
        ]
    )
    assert costs(book) == {"a": None, "running": None}
    book.feed([entry("mine", 170, 8)])
    assert costs(book) == {"a": 8, "running": None}


def test_a_job_given_up_on_takes_no_later_entry() -> None:
    book = ledger(("failed", "B", 100))
    book.give_up(["failed"])
    book.sent("next", "B", 200)
    book.finished("next")
    book.feed([entry("q", 150, 9), entry("q2", 210, 4)])
    assert costs(book) == {"failed": None, "next": 4}


def test_history_pages_are_read_leniently_and_the_spend_counts_api_only() -> None:
    page: dict[str, Any] = {
        "has_more": True,
        "data": [
            {
                "creation_time": 300,
                "bot_name": "B",
                "query_id": "q",
                "usage_type": "API",
                "cost_points": 4,
            },
            {"creation_time": "soon", "bot_name": "B", "query_id": "bad", "cost_points": 1},
            "not an entry",
            {
                "creation_time": 200,
                "bot_name": "B",
                "query_id": "w",
                "usage_type": "Chat",
                "cost_points": 50,
            },
        ],
    }
    entries, more = parse_history(page)
    assert more is True and [e.query_id for e in entries] == ["q", "w"]
    assert api_points_since(entries, 0) == 4 and api_points_since(entries, 301) == 0
    assert parse_balance({"current_point_balance": 12}) == 12
    for body in ({}, [], {"current_point_balance": True}):
        with pytest.raises(ValueError):
            parse_balance(body)


def test_the_budget_and_the_usage_endpoint_come_from_the_user_only() -> None:
    problems: list[str] = []
    reader = SettingsReader(problems.append)
    secrets = reader.read_secrets(
        {"budget": {"maxPointsPerDay": 300}, "usageUrl": "http://h:1/usage/"}, environ={}
    )
    assert (secrets.max_points_per_day, secrets.usage_url) == (300, "http://h:1/usage/")
    env = {"POE_LSP_USAGE_URL": "http://env:2/usage/"}
    assert reader.read_secrets({"usageUrl": "http://h:1/usage/"}, environ=env).usage_url == (
        "http://env:2/usage/"
    )
    assert reader.read_secrets({}, environ={}).max_points_per_day is None
    assert reader.read_secrets({"budget": {"maxPointsPerDay": "lots"}}, environ={})
    assert problems and "budget.maxPointsPerDay" in problems[0]
    # A workspace's values are not settings at all; its confirmAbovePoints is.
    settings = reader.read(
        {}, {"budget": {"maxPointsPerDay": 1, "confirmAbovePoints": 40}, "usageUrl": "x"}
    )
    assert settings.confirm_above_points == 40
