"""transport "openai": Poe's OpenAI-compatible endpoint, streamed with the openai package."""

from __future__ import annotations

import json

import pytest

from poe_lsp.core.errors import ErrorKind, PoeError
from poe_lsp.core.settings import SettingsReader
from poe_lsp.poe.openai_compat import OpenAIClient

from conftest import MakeEditor
from editor import TEST_KEY
from fakepoe import FakePoe

SOURCE = "def add(a, b):\n    return a + b\n"


async def collect(client: OpenAIClient, bot: str, prompt: str = "hello there") -> str:
    return "".join([e.text async for e in client.stream(bot, prompt, app_title="t")])


@pytest.fixture
async def client(fake: FakePoe) -> OpenAIClient:
    return OpenAIClient(TEST_KEY, fake.openai_base_url, retry_base_delay=0.01)


async def test_streams_chat_completion_chunks(client: OpenAIClient, fake: FakePoe) -> None:
    assert await collect(client, "EchoBot", "a prompt of some length") == "a prompt of some length"
    [request] = fake.openai_requests
    assert request.bot == "EchoBot"
    assert request.messages == [{"role": "user", "content": "a prompt of some length"}]
    assert request.headers["authorization"] == f"Bearer {TEST_KEY}"
    assert request.headers["x-title"] == "t"
    assert "http-referer" in request.headers
    await client.aclose()


@pytest.mark.parametrize(
    ("model", "kind"),
    [
        ("Status401", ErrorKind.KEY_REJECTED),
        ("Status402", ErrorKind.OUT_OF_POINTS),
        ("Status403", ErrorKind.KEY_REJECTED),
        ("Status404", ErrorKind.UNKNOWN_BOT),
        ("Status500", ErrorKind.BOT_FAILED),
        ("FailsMidStreamBot", ErrorKind.BOT_FAILED_MID_ANSWER),
        ("DropMidStream", ErrorKind.BOT_FAILED_MID_ANSWER),
    ],
)
async def test_failures_map_to_the_same_named_kinds(
    client: OpenAIClient, model: str, kind: ErrorKind
) -> None:
    with pytest.raises(PoeError) as caught:
        await collect(client, model)
    assert caught.value.kind is kind
    assert TEST_KEY not in caught.value.message
    await client.aclose()


async def test_rate_limit_is_retried_as_retry_after_says(
    client: OpenAIClient, fake: FakePoe
) -> None:
    waits: list[float] = []
    client.max_tries = 2
    with pytest.raises(PoeError) as caught:
        async for _ in client.stream("Status429", "x", on_retry=lambda e, d: waits.append(d)):
            pass
    assert caught.value.kind is ErrorKind.RATE_LIMITED
    assert caught.value.retry_after == 1.0
    assert waits == [1.0]
    assert len(fake.openai_requests) == 2
    await client.aclose()


async def test_no_key_sends_nothing(fake: FakePoe) -> None:
    with pytest.raises(PoeError) as caught:
        await collect(OpenAIClient("", fake.openai_base_url), "EchoBot")
    assert caught.value.kind is ErrorKind.NO_KEY
    assert fake.openai_requests == []


async def test_unreachable_endpoint(fake: FakePoe) -> None:
    client = OpenAIClient(TEST_KEY, "http://127.0.0.1:9/v1", max_tries=1)
    with pytest.raises(PoeError) as caught:
        await collect(client, "EchoBot")
    assert caught.value.kind is ErrorKind.UNREACHABLE
    await client.aclose()


def test_transport_is_init_only() -> None:
    reader = SettingsReader(lambda _m: None)
    secrets = reader.read_secrets(
        {"transport": "openai", "openaiBaseUrl": "http://127.0.0.1:1/v1/"}, environ={}
    )
    assert (secrets.transport, secrets.openai_base_url) == ("openai", "http://127.0.0.1:1/v1")
    assert reader.read_secrets({}, environ={}).openai_base_url == "https://api.poe.com/v1"
    assert reader.read_secrets({"transport": "grpc"}, environ={}).transport == "poe"
    # The workspace cannot switch it (nor the endpoint): they are secrets-class keys.
    assert not hasattr(reader.read(None, {"transport": "openai"}), "transport")


async def test_server_uses_the_openai_endpoint_and_notes_ignored_parameters(
    make_editor: MakeEditor, fake: FakePoe
) -> None:
    editor = await make_editor(
        init_options={
            "bot": "EchoBot",
            "transport": "openai",
            "openaiBaseUrl": fake.openai_base_url,
            "botParameters": {"EchoBot": {"thinking_budget": 100}},
        },
        workspace={"transport": "poe"},
    )
    uri = editor.open("calc.py", SOURCE)
    for _ in range(2):
        done = await editor.run(
            "poe.explain",
            {
                "uri": uri,
                "range": editor.range_of(uri, "def add(a, b):"),
                "parameters": {"temperature_hint": 0.25},
            },
        )
        assert done["status"] == "done"
        assert "def add(a, b):" in done["text"]  # EchoBot streams the prompt back
    assert fake.requests == []  # nothing over the bot protocol
    assert len(fake.openai_requests) == 2
    # Neither the configured nor the command's parameters went out, under any name.
    for request in fake.openai_requests:
        sent = json.dumps(request.body)
        assert "thinking_budget" not in sent and "temperature_hint" not in sent, sent
        assert request.body["model"] == "EchoBot"
        assert [set(m) for m in request.body["messages"]] == [{"role", "content"}]
    notes = [m for m in editor.messages() if "does not support custom bot parameters" in m]
    assert len(notes) == 1


@pytest.mark.parametrize(
    ("bot", "sentence"),
    [
        ("Status401", "Poe rejected the API key."),
        ("Status402", "Your Poe account is out of points for Status402."),
    ],
)
async def test_server_maps_openai_errors_to_the_same_sentences(
    make_editor: MakeEditor, fake: FakePoe, bot: str, sentence: str
) -> None:
    editor = await make_editor(
        init_options={
            "bot": bot,
            "transport": "openai",
            "openaiBaseUrl": fake.openai_base_url,
        }
    )
    uri = editor.open("calc.py", SOURCE)
    done = await editor.run(
        "poe.explain", {"uri": uri, "range": editor.range_of(uri, "def add(a, b):")}
    )
    assert done["status"] == "failed"
    assert done["error"].startswith(sentence)
    assert len(fake.openai_requests) == 1  # not retried
    assert TEST_KEY not in editor.everything_said()
