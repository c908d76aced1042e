"""The fake Poe itself: what tests, the demo and benchmarks rely on."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from fakepoe import FakePoe


@pytest.fixture
async def fake() -> AsyncIterator[FakePoe]:
    async with FakePoe() as server:
        yield server


def query(prompt: str, parameters: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "version": "1.2",
        "type": "query",
        "query": [{"role": "user", "content": prompt, "parameters": parameters or {}}],
        "user_id": "u",
        "conversation_id": "c",
        "message_id": "m",
    }


async def post(base_url: str, bot: str, body: dict[str, Any], key: str = "k") -> tuple[int, str]:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    async with httpx.AsyncClient(timeout=5) as http:
        try:
            async with http.stream("POST", base_url + bot, json=body, headers=headers) as r:
                text = ""
                with contextlib.suppress(httpx.RemoteProtocolError):
                    async for chunk in r.aiter_text():
                        text += chunk
                return r.status_code, text
        except httpx.RemoteProtocolError:
            return -1, ""


async def test_base_url_has_a_real_port_and_a_trailing_slash(fake: FakePoe) -> None:
    assert fake.base_url == f"http://127.0.0.1:{fake.port}/"
    assert fake.port > 0


async def test_every_listed_bot_is_served_and_records_its_query(fake: FakePoe) -> None:
    quick = {"stall": 0, "delay": 0, "count": 3, "chunks": 2}
    for bot in fake.bot_names:
        await post(fake.base_url, bot, query(f"to {bot}", quick))
    assert [r.bot for r in fake.requests] == fake.bot_names
    assert all(r.prompt == f"to {r.bot}" for r in fake.requests)
    assert all(r.parameters == quick for r in fake.requests)


async def test_status_routes_answer_their_status(fake: FakePoe) -> None:
    assert (await post(fake.base_url, "Status404", query("x")))[0] == 404
    async with httpx.AsyncClient() as http:
        r = await http.post(fake.base_url + "Status429", json=query("x"))
    assert (r.status_code, r.headers["retry-after"]) == (429, "1")


async def test_a_bearer_token_is_required_even_without_an_access_key(fake: FakePoe) -> None:
    status, _ = await post(fake.base_url, "EchoBot", query("x"), key="")
    assert status in (401, 403)
    assert fake.requests == []


async def test_headers_are_recorded_with_lower_case_names(fake: FakePoe) -> None:
    async with httpx.AsyncClient() as http:
        await http.post(
            fake.base_url + "EchoBot",
            json=query("x"),
            headers={"Authorization": "Bearer k", "X-Title": "t"},
        )
    request = await fake.wait_request("EchoBot")
    assert request.headers["x-title"] == "t"
    assert request.headers["authorization"] == "Bearer k"


async def test_reset_forgets_requests_and_rearms_the_once_bots(fake: FakePoe) -> None:
    assert (await post(fake.base_url, "FlakyOnceBot", query("x")))[0] == 500
    assert (await post(fake.base_url, "FlakyOnceBot", query("x")))[0] == 200
    fake.reset()
    assert fake.requests == []
    assert (await post(fake.base_url, "FlakyOnceBot", query("x")))[0] == 500


async def test_stopping_cuts_a_stalled_answer_and_the_bot_sees_it() -> None:
    async with FakePoe() as fake:
        task = asyncio.create_task(post(fake.base_url, "StallBot", query("x")))
        await fake.wait_request("StallBot")
    await fake.wait_disconnect("StallBot")
    await task


def test_command_line_prints_its_url_first_and_serves() -> None:
    proc = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("fakepoe.py")), "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:") and url.endswith("/")
        r = httpx.post(url + "EchoBot", json=query("ping"), headers={"Authorization": "Bearer k"})
        assert r.status_code == 200
        assert '"text": "ping"' in r.text
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) is not None
