"""Finished explanations per document, each following the edits made around it.

:mod:`poe_lsp.lsp.hover` answers ``textDocument/hover`` from this store; jobs
fill it.  Plain data: no LSP types.
"""

from __future__ import annotations

from .textdoc import DocumentStore, HoverRegion, Span

MAX_PER_DOCUMENT = 20
"""Explanations kept per document; the oldest go first."""


class HoverStore:
    """Explanations per document, each following the edits made around it."""

    def __init__(self, documents: DocumentStore) -> None:
        self._documents = documents
        self._regions: dict[str, list[HoverRegion]] = {}

    def follow(self, uri: str, span: Span) -> HoverRegion:
        """Start following a range whose explanation is being written."""
        region = HoverRegion(span, "")
        self._documents.track(uri, region)
        return region

    def keep(self, uri: str, region: HoverRegion, text: str) -> None:
        """The explanation is finished: offer it on hover."""
        if region.stale or not text.strip():
            self.drop(uri, region)
            return
        region.text = text
        regions = []
        for old in self._regions.get(uri, []):
            if old.stale:
                self._documents.untrack(uri, old)
            else:
                regions.append(old)
        regions.append(region)
        while len(regions) > MAX_PER_DOCUMENT:
            self._documents.untrack(uri, regions.pop(0))
        self._regions[uri] = regions

    def drop(self, uri: str, region: HoverRegion) -> None:
        """Stop following a region (its job failed or was cancelled)."""
        self._documents.untrack(uri, region)

    def at(self, uri: str, offset: int) -> HoverRegion | None:
        """The newest live explanation covering ``offset``."""
        regions = self._regions.get(uri)
        if not regions:
            return None
        live = [r for r in regions if not r.stale]
        for stale in (r for r in regions if r.stale):
            self._documents.untrack(uri, stale)
        if live:
            self._regions[uri] = live
        else:
            del self._regions[uri]
        for region in reversed(live):
            if region.covers(offset):
                return region
        return None

    def forget(self, uri: str) -> None:
        """The document closed."""
        for region in self._regions.pop(uri, []):
            self._documents.untrack(uri, region)

    def __len__(self) -> int:
        return sum(len(r) for r in self._regions.values())
