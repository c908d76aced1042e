"""The fake Poe's bot catalogue: ``GET /v1/models``, shaped like Poe's own.

Mounted by :class:`fakepoe.FakePoe` as ``fake.catalogue``.  The entries follow
Poe's ``listModels`` answer (``id``, ``object``, ``created`` in ms,
``description``, ``owned_by``, ``architecture`` with input and output
modalities; ``pricing`` on some, as a few third-party clients read it): a few
of the fake's own bots (so a job can run on a bot chosen from the catalogue),
two real names, and an image-only bot.  Tests may change :attr:`entries` or
set :attr:`status`; every request is recorded with its headers, so a test can
prove the key was never sent.
"""

from __future__ import annotations

import asyncio
import copy
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response


def _model(
    name: str,
    description: str,
    owner: str,
    inputs: list[str],
    outputs: list[str],
    pricing: dict[str, str] | None = None,
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": name,
        "object": "model",
        "created": 1_736_000_000_000,
        "description": description,
        "owned_by": owner,
        "permission": [],
        "root": name,
        "parent": None,
        "architecture": {"input_modalities": inputs, "output_modalities": outputs},
    }
    if pricing is not None:
        entry["pricing"] = pricing
    return entry


MODELS: list[dict[str, Any]] = [
    _model(
        "GPT-5",
        "OpenAI's flagship model for coding and reasoning.",
        "OpenAI",
        ["text", "image"],
        ["text"],
        {"prompt": "0.0000011", "completion": "0.0000090"},
    ),
    _model(
        "Claude-Sonnet-4.5",
        "Anthropic's model for agents and code, with extended thinking.",
        "Anthropic",
        ["text", "image"],
        ["text"],
        {"prompt": "0.0000026", "completion": "0.000013"},
    ),
    _model(
        "ExplainBot",
        "Explains code in plain Markdown (the fake Poe's explainer).",
        "poe-lsp tests",
        ["text"],
        ["text"],
    ),
    _model(
        "FencedCodeBot",
        "Rewrites code and answers it in a fenced block.",
        "poe-lsp tests",
        ["text"],
        ["text"],
    ),
    _model(
        "TwoChangesBot",
        "Proposes two small changes to any code it is given.",
        "poe-lsp tests",
        ["text"],
        ["text"],
    ),
    _model(
        "Imagen-4",
        "Google's text-to-image model: answers with an image only.",
        "Google",
        ["text"],
        ["image"],
    ),
]
"""What ``/v1/models`` lists until a test changes ``fake.catalogue.entries``."""


@dataclass(frozen=True)
class CatalogueRequest:
    """One ``GET /v1/models`` as the fake received it."""

    headers: dict[str, str]

    @property
    def authorization(self) -> str | None:
        """The Authorization header, if one was sent (it never should be)."""
        return self.headers.get("authorization")


class FakeCatalogue:
    """The ``/v1/models`` route and what it has seen."""

    def __init__(self, notify: Any) -> None:
        self._notify = notify
        self.entries: list[dict[str, Any]] = copy.deepcopy(MODELS)
        self.status: int | None = None
        """Set to an HTTP status (e.g. 503) to make every catalogue request fail with it."""
        self.requests: list[CatalogueRequest] = []
        self._arrived = asyncio.Event()
        self.hold: asyncio.Event | None = None
        """Set to an event to hold every catalogue answer until the test sets it."""

    async def wait_requests(self, count: int, timeout: float = 10.0) -> None:
        """Wait until ``count`` catalogue requests have arrived."""
        async with asyncio.timeout(timeout):
            while len(self.requests) < count:
                self._arrived.clear()
                await self._arrived.wait()

    def mount(self, app: Any) -> None:
        """Add the route to the fake's Starlette app."""
        app.add_route("/v1/models", self._endpoint, ["GET"])

    async def _endpoint(self, request: Request) -> Response:
        self.requests.append(CatalogueRequest({k.lower(): v for k, v in request.headers.items()}))
        self._notify()
        self._arrived.set()
        if self.hold is not None:
            await self.hold.wait()
        if self.status is not None:
            return JSONResponse({"error": {"message": "catalogue unavailable"}}, self.status)
        return JSONResponse({"object": "list", "data": self.entries})
