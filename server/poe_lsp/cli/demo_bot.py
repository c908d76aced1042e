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
from collections.abc import AsyncIterator
from types import TracebackType

import fastapi_poe as fp

from poe_lsp.cli.loopback import LoopbackServer, make_bot_app

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


def answer_for(prompt: str) -> str:
    """The demo bot's whole answer to ``prompt``."""
    if SAMPLE_FUNCTION not in prompt:
        return UNKNOWN
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

    def __init__(self, bot: DemoBot | None = None) -> None:
        self.bot = bot or DemoBot()
        self.port = 0
        self._loopback: LoopbackServer | None = None

    @property
    def base_url(self) -> str:
        """The bot-protocol base (trailing slash included)."""
        return f"http://127.0.0.1:{self.port}/"

    async def __aenter__(self) -> DemoPoe:
        app = make_bot_app([self.bot])
        self._loopback = LoopbackServer(app, name="local demo bot")
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
