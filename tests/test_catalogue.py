"""``poe.listBots``: Poe's catalogue merged with the configured bots, end to end.

Each test runs the real server over LSP with the fake Poe's ``/v1/models``
(tests/fakepoe_catalogue.py) and its own cache directory, and looks at what a
user's editor is answered: the list, the note when the catalogue is not
available, and what the fake received (never the key).
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import pytest
from pygls.exceptions import JsonRpcException

from conftest import MakeEditor
from editor import TEST_KEY, Editor
from fakepoe import FakePoe

DEAD_ENDPOINT = "http://127.0.0.1:9/v1"
"""Nothing listens there (port 9, discard): the catalogue is offline."""
FAKE_NAMES = [
    "GPT-5",
    "Claude-Sonnet-4.5",
    "ExplainBot",
    "FencedCodeBot",
    "TwoChangesBot",
    "Imagen-4",
]


@pytest.fixture
def cache_home(tmp_path: Path) -> Path:
    """The servers' XDG_CACHE_HOME; the catalogue is ``poe-lsp/catalogue.json`` in it."""
    return tmp_path / "cache"


@pytest.fixture
def start(make_editor: MakeEditor, cache_home: Path) -> Any:
    """An editor whose server keeps its cache in ``cache_home``."""

    async def make(**kwargs: Any) -> Editor:
        env = {"XDG_CACHE_HOME": str(cache_home), **kwargs.pop("env", {})}
        return await make_editor(env=env, **kwargs)

    return make


def cache_file(cache_home: Path) -> Path:
    return cache_home / "poe-lsp" / "catalogue.json"


def names(listed: list[dict[str, Any]]) -> list[str]:
    return [b["name"] for b in listed]


def assert_no_key_sent(fake: FakePoe, log_file: Path) -> None:
    assert fake.catalogue.requests, "the catalogue was never requested"
    assert [r.authorization for r in fake.catalogue.requests] == [None] * len(
        fake.catalogue.requests
    )
    assert all(TEST_KEY not in json.dumps(r.headers) for r in fake.catalogue.requests)
    assert TEST_KEY not in log_file.read_text(encoding="utf-8")


async def test_online_the_configured_bots_come_first_then_the_catalogue(
    start: Any, fake: FakePoe, cache_home: Path, log_file: Path
) -> None:
    editor = await start(init_options={"actions": {"refactor": {"bot": "FencedCodeBot"}}})
    listed = await editor.command("poe.listBots", {})
    assert names(listed) == [
        "GPT-5",
        "FencedCodeBot",
        "Claude-Sonnet-4.5",
        "ExplainBot",
        "TwoChangesBot",
        "Imagen-4",
    ]
    gpt5, coder, claude = listed[0], listed[1], listed[2]
    assert gpt5["configured"] is True and gpt5["actions"] == ["explain", "document", "fix", "ask"]
    assert gpt5["description"] == "OpenAI's flagship model for coding and reasoning."
    assert gpt5["ownedBy"] == "OpenAI"
    assert coder["configured"] is True and coder["actions"] == ["refactor"]
    assert claude == {
        "name": "Claude-Sonnet-4.5",
        "description": "Anthropic's model for agents and code, with extended thinking.",
        "ownedBy": "Anthropic",
        "inputModalities": ["text", "image"],
        "outputModalities": ["text"],
        "actions": [],
        "configured": False,
    }
    assert listed[-1]["outputModalities"] == ["image"]
    # Pricing is kept for cost estimates, not sent to the editor.
    assert all("pricing" not in b for b in listed)
    assert len(fake.catalogue.requests) == 1
    assert fake.catalogue.requests[0].headers["x-title"] == "poe-lsp"
    assert_no_key_sent(fake, log_file)
    cached = json.loads(cache_file(cache_home).read_text(encoding="utf-8"))
    record = cached["endpoints"][fake.openai_base_url]
    assert [b["name"] for b in record["bots"]] == FAKE_NAMES
    assert record["bots"][0]["pricing"] == {"prompt": "0.0000011", "completion": "0.0000090"}
    assert editor.messages() == []


async def test_a_second_server_answers_from_the_disk_cache_without_asking_poe(
    start: Any, fake: FakePoe, log_file: Path
) -> None:
    first = await start()
    online = await first.command("poe.listBots", {})
    # The endpoint is down now; a fresh cache is used as it is, with no request at all.
    fake.catalogue.status = 503
    second = await start()
    assert await second.command("poe.listBots", {}) == online
    assert len(fake.catalogue.requests) == 1
    assert second.messages() == []
    assert_no_key_sent(fake, log_file)


async def test_offline_without_a_cache_lists_the_configured_bots_with_a_note(
    start: Any, cache_home: Path
) -> None:
    editor = await start(
        init_options={"allowedBots": ["ExplainBot"]},
        env={"POE_LSP_OPENAI_BASE_URL": DEAD_ENDPOINT},
    )
    listed = await editor.command("poe.listBots", {})
    assert listed == [
        {
            "name": "GPT-5",
            "actions": ["explain", "refactor", "document", "fix", "ask"],
            "configured": True,
        },
        {"name": "ExplainBot", "actions": [], "configured": True},
    ]
    (note,) = editor.messages()
    assert "catalogue is not available" in note and "bots your settings name" in note
    assert "\n" not in note
    # Told once, not on every call (Neovim asks on each completion).
    assert await editor.command("poe.listBots", {}) == listed
    assert len(editor.messages()) == 1
    assert not cache_file(cache_home).exists()


async def test_refresh_true_fetches_again_and_a_failed_refresh_keeps_the_cache(
    start: Any, fake: FakePoe, log_file: Path
) -> None:
    editor = await start()
    await editor.command("poe.listBots", {})
    fake.catalogue.entries.append({"id": "Brand-New-Bot", "description": "Just released."})
    assert "Brand-New-Bot" not in names(await editor.command("poe.listBots", {}))
    assert len(fake.catalogue.requests) == 1
    listed = await editor.command("poe.listBots", {"refresh": True})
    assert names(listed)[-1] == "Brand-New-Bot"
    assert listed[-1] == {
        "name": "Brand-New-Bot",
        "description": "Just released.",
        "actions": [],
        "configured": False,
    }
    assert len(fake.catalogue.requests) == 2
    fake.catalogue.status = 500
    assert await editor.command("poe.listBots", {"refresh": True}) == listed
    (note,) = editor.messages()
    assert "HTTP 500" in note and "listing the copy cached less than a minute ago" in note
    assert_no_key_sent(fake, log_file)


def write_stale_cache(cache_home: Path, endpoint: str, bots: list[dict[str, Any]]) -> None:
    path = cache_file(cache_home)
    path.parent.mkdir(parents=True)
    two_days_ago = time.time() - 2 * 86400
    record = {"fetchedAt": two_days_ago, "bots": bots}
    path.write_text(json.dumps({"format": 1, "endpoints": {endpoint: record}}), encoding="utf-8")


async def test_a_stale_cache_is_answered_at_once_and_refreshed_in_the_background(
    start: Any, fake: FakePoe, cache_home: Path
) -> None:
    write_stale_cache(cache_home, fake.openai_base_url, [{"name": "Retired-Bot"}])
    # Held: the stale answer cannot depend on the fetch.
    fake.catalogue.hold = asyncio.Event()
    editor = await start()
    listed = await editor.command("poe.listBots", {})
    assert names(listed) == ["GPT-5", "Retired-Bot"]
    await fake.catalogue.wait_requests(1)
    fake.catalogue.hold.set()

    async def refreshed() -> list[dict[str, Any]]:
        while True:
            listed = await editor.command("poe.listBots", {})
            if "Retired-Bot" not in names(listed):
                return listed
            await asyncio.sleep(0.05)

    listed = await asyncio.wait_for(refreshed(), 10)
    assert names(listed) == FAKE_NAMES
    assert len(fake.catalogue.requests) == 1
    cached = json.loads(cache_file(cache_home).read_text(encoding="utf-8"))
    assert time.time() - cached["endpoints"][fake.openai_base_url]["fetchedAt"] < 3600
    assert editor.messages() == []


async def test_a_slow_catalogue_does_not_hold_list_bots(start: Any, fake: FakePoe) -> None:
    fake.catalogue.hold = asyncio.Event()
    editor = await start()
    listed = await editor.command("poe.listBots", {})
    assert names(listed) == ["GPT-5"]
    (note,) = editor.messages()
    assert "did not answer within 3 s" in note
    fake.catalogue.hold.set()
    # The fetch went on: a later call has the catalogue, with no second request.

    async def arrived() -> list[dict[str, Any]]:
        while True:
            listed = await editor.command("poe.listBots", {})
            if len(listed) > 1:
                return listed
            await asyncio.sleep(0.05)

    assert names(await asyncio.wait_for(arrived(), 10)) == FAKE_NAMES
    assert len(fake.catalogue.requests) == 1


@pytest.mark.parametrize(
    "content",
    [
        "{not json",
        json.dumps({"format": 1, "endpoints": {"ENDPOINT": {"fetchedAt": "x", "bots": 3}}}),
        json.dumps({"format": 1, "endpoints": {"ENDPOINT": {"fetchedAt": 1e18, "bots": [7]}}}),
        "\x00\xff" * 100,
    ],
    ids=["not-json", "wrong-types", "future-and-junk-entries", "binary"],
)
async def test_a_corrupt_cache_is_ignored_and_replaced(
    start: Any, fake: FakePoe, cache_home: Path, content: str
) -> None:
    path = cache_file(cache_home)
    path.parent.mkdir(parents=True)
    path.write_text(content.replace("ENDPOINT", fake.openai_base_url), encoding="utf-8")
    editor = await start()
    listed = await editor.command("poe.listBots", {})
    if "1e+18" in content:
        # Well-formed, no usable bot, fetched "in the future": stale, so answered as it
        # is (the configured bots) and refreshed in the background.
        assert names(listed) == ["GPT-5"]
        await fake.catalogue.wait_requests(1)
        return
    assert names(listed) == FAKE_NAMES
    cached = json.loads(path.read_text(encoding="utf-8"))
    assert list(cached["endpoints"]) == [fake.openai_base_url]
    assert editor.messages() == []


async def test_a_workspace_cannot_point_the_catalogue_elsewhere(start: Any, fake: FakePoe) -> None:
    editor = await start(
        workspace={
            "openaiBaseUrl": DEAD_ENDPOINT,
            "openai_base_url": DEAD_ENDPOINT,
            "usageUrl": DEAD_ENDPOINT,
        }
    )
    assert names(await editor.command("poe.listBots", {})) == FAKE_NAMES
    assert len(fake.catalogue.requests) == 1


async def test_a_job_on_a_bot_that_answers_only_images_is_refused(
    start: Any, fake: FakePoe
) -> None:
    editor = await start()
    await editor.command("poe.listBots", {})
    uri = editor.open("calc.py", "def add(a, b):\n    return a + b\n")
    selection = editor.range_of(uri, "return a + b")
    with pytest.raises(JsonRpcException) as caught:
        await editor.command("poe.explain", {"uri": uri, "range": selection, "bot": "Imagen-4"})
    assert caught.value.code == -32602
    assert "Imagen-4 answers with image only, not text" in caught.value.message
    assert fake.requests == []
    # A text bot from the catalogue runs.
    job = await editor.start("poe.explain", {"uri": uri, "range": selection, "bot": "ExplainBot"})
    assert (await editor.done(job))["status"] == "done"


async def test_a_configured_image_bot_is_refused_from_the_disk_cache_alone(
    start: Any, fake: FakePoe
) -> None:
    first = await start()
    await first.command("poe.listBots", {})
    editor = await start(init_options={"bot": "Imagen-4"})
    uri = editor.open("calc.py", "def add(a, b):\n    return a + b\n")
    with pytest.raises(JsonRpcException) as caught:
        await editor.command("poe.explain", {"uri": uri, "range": editor.range_of(uri, "a + b")})
    assert "choose a bot whose output includes text" in caught.value.message
    assert fake.requests == []
    assert len(fake.catalogue.requests) == 1


async def test_refresh_must_be_a_boolean(start: Any) -> None:
    editor = await start()
    with pytest.raises(JsonRpcException) as caught:
        await editor.command("poe.listBots", {"refresh": "yes"})
    assert caught.value.code == -32602
    assert "'refresh' must be true or false" in caught.value.message
