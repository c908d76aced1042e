"""The built-in local demo bot that ``poe-lsp demo`` uses when no API key is set.

It is a real ``fastapi_poe.PoeBot`` served over HTTP on 127.0.0.1, so the
server under demonstration talks to it exactly as it talks to Poe.  Its
answers are written for the bundled sample (``demo_files/inventory.py``); it
tells the action from the prompt (the edit prompts ask for one fenced code
block, the document prompt for a doc comment) and streams the answer in small
chunks so that the streaming can be seen.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from types import TracebackType

import fastapi_poe as fp

from poe_lsp.cli.loopback import LoopbackServer, make_bot_app
from poe_lsp.core.prompts import SELECTION_END, SELECTION_START

DEMO_BOT = "DemoBot"
DEMO_KEY = "demo-placeholder-key"
"""Sent as the bearer token to the local demo bot; it is no Poe key."""

SAMPLE_FUNCTION = "def top_products("
"""How the bot recognises the bundled sample in a prompt."""

CHUNK = 10
"""Characters per streamed chunk."""
DELAY = 0.01
"""Seconds between two chunks: the explanation (about 1,100 characters) streams in about 1.2 s."""

EXPLANATION = """\
### `top_products(orders, n)`

Returns the `n` best-selling products by revenue, as a list of `(sku, total)` \
pairs, highest total first.

**How it works**

1. **Totals per product.** One pass over `orders` adds `qty * unit_price` to a \
running total per `sku` in the dict `totals`; the `if`/`else` creates the entry \
the first time a SKU appears.
2. **Ranking.** The dict is copied into a list of `(sku, total)` tuples and \
sorted by total, descending. Python's sort is stable, so products with equal \
totals keep the order in which they first appeared.
3. **Top n.** The last loop keeps the first `n` entries.

**Worth noticing**

- The last loop visits every product just to keep `n` of them; a slice says the \
same thing. Mind a negative `n`: the loop returns `[]`, `ranked[:n]` would not.
- Money is summed as `float`, so totals can pick up rounding errors \
(`0.1 + 0.2 != 0.3`); use `decimal.Decimal` or integer cents if exact amounts matter.
- An order without `"sku"`, `"qty"` or `"unit_price"` raises `KeyError`; no \
orders give `[]`.
- Cost: O(m + k log k) for m orders and k distinct products.
"""

REFACTOR = """\
Here is a tighter version with the same behaviour:

```python
def top_products(orders, n):
    totals = {}
    for order in orders:
        sku = order["sku"]
        totals[sku] = totals.get(sku, 0) + order["qty"] * order["unit_price"]
    ranked = sorted(totals.items(), key=lambda pair: pair[1], reverse=True)
    return ranked[: max(n, 0)]
```

`dict.get` replaces the `if`/`else`, `sorted(totals.items(), ...)` builds the \
ranking in one step, and the slice replaces the counting loop (`max(n, 0)` keeps \
the old result, `[]`, for a negative `n`).
"""

DOCSTRING = '''\
```python
"""Return the ``n`` products with the highest revenue, best first.

Args:
    orders: Dicts with the keys ``"sku"``, ``"qty"`` and ``"unit_price"``.
    n: How many products to return; zero or less gives ``[]``.

Returns:
    ``(sku, total)`` tuples sorted by total, highest first; ties keep the
    order in which the products first appear.
"""
```
'''

UNKNOWN = (
    "The built-in demo bot only knows the sample file of `poe-lsp demo`. "
    "Set `POE_API_KEY` to ask a real Poe bot about your own code."
)


def classify(prompt: str) -> str:
    """The action a prompt asks for: ``explain``, ``refactor`` or ``document``."""
    lowered = prompt.lower()
    if "documentation comment" in lowered or "doc comment" in lowered:
        return "document"
    if "fenced code block" in lowered:
        return "refactor"
    return "explain"


def selection_of(prompt: str) -> str | None:
    """The selection a prompt carries between its markers, if it has one."""
    # The instructions name the markers first; the selection is the last pair.
    start = prompt.rfind(SELECTION_START)
    end = prompt.find(SELECTION_END, start + 1)
    if start < 0 or end < 0:
        return None
    return prompt[start + len(SELECTION_START) : end].strip("\n")


def generic_answer(prompt: str) -> str:
    """An answer about code the demo bot does not know: honest about being a demo.

    A refactor gives the selection back unchanged (so trying a client never
    damages a file), an explanation describes its shape, a doc comment says
    it came from the demo bot.
    """
    selection = selection_of(prompt)
    if selection is None:
        return UNKNOWN
    action = classify(prompt)
    if action == "refactor":
        return f"The demo bot returns the selection unchanged:\n\n```\n{selection}\n```\n"
    lines = selection.splitlines() or [""]
    if action == "document":
        return "Documentation written by the local demo bot of poe-lsp (not a real answer)."
    first = lines[0].strip()[:80]
    return f"### The selection ({len(lines)} lines)\n\nIt begins with `{first}`.\n\n{UNKNOWN}\n"


def answer_for(prompt: str) -> str:
    """The demo bot's whole answer to ``prompt``."""
    if SAMPLE_FUNCTION not in prompt:
        return generic_answer(prompt)
    return {"explain": EXPLANATION, "refactor": REFACTOR, "document": DOCSTRING}[classify(prompt)]


class DemoBot(fp.PoeBot):
    """Answers the demo's prompts about the bundled sample, in small chunks."""

    def __init__(self, *, chunk: int = CHUNK, delay: float = DELAY) -> None:
        super().__init__(
            path=f"/{DEMO_BOT}", access_key=DEMO_KEY, should_insert_attachment_messages=False
        )
        self.chunk = chunk
        self.delay = delay

    async def get_response(self, request: fp.QueryRequest) -> AsyncIterator[fp.PartialResponse]:
        users = [m for m in request.query if m.role == "user"]
        text = answer_for(users[-1].content if users else "")
        for i in range(0, len(text), self.chunk):
            if i:
                await asyncio.sleep(self.delay)
            yield fp.PartialResponse(text=text[i : i + self.chunk])


class DemoPoe:
    """Serves :class:`DemoBot` on a free port of 127.0.0.1 while the ``async with`` lasts."""

    def __init__(self, bot: DemoBot | None = None, port: int = 0) -> None:
        self.bot = bot or DemoBot()
        self.port = port
        self._loopback: LoopbackServer | None = None

    @property
    def base_url(self) -> str:
        """The bot-protocol base (trailing slash included)."""
        return f"http://127.0.0.1:{self.port}/"

    async def __aenter__(self) -> DemoPoe:
        app = make_bot_app([self.bot])
        self._loopback = LoopbackServer(app, port=self.port, name="local demo bot")
        self.port = await self._loopback.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._loopback is not None:
            await self._loopback.stop()
            self._loopback = None


async def serve_forever(port: int) -> int:
    """``poe-lsp demo --serve PORT``: serve the demo bot until interrupted.

    For trying an editor client without a key: point the client's bot
    endpoint at the printed URL and use the bot ``DemoBot`` (any key works).
    """
    async with DemoPoe(port=port) as poe:
        print(f"The local demo bot {DEMO_BOT} answers at {poe.base_url}{DEMO_BOT}", flush=True)
        print(
            f"Point your editor at it: POE_LSP_BASE_URL={poe.base_url} "
            f"POE_API_KEY={DEMO_KEY} and bot {DEMO_BOT}. Ctrl+C stops it.",
            flush=True,
        )
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.Event().wait()
    return 0
