"""A proposal recognises its acceptance the way real Neovim 0.11 reports it.

Neovim's incremental sync reports an applied edit as its own minimal diff:
inserting the line ``    # note`` before ``    return x`` arrives as a change
*after* the shared indent (``(7, 4)-(7, 12)`` → ``"# note\\n    return x"``),
not at the start of the line where the hunk is.  And it sends the first
change of an ``applyEdit`` at once, the rest 20 ms later, so "Accept all"
arrives as two ``didChange`` notifications.  The content changes below are
the ones Neovim 0.11.4 sent (its LSP log) when the plugin accepted this
proposal, the one tests/test_neovim_review.py makes.
"""

from __future__ import annotations

from poe_lsp.core.review import ProposalStore
from poe_lsp.core.textdoc import DocumentStore, Pos, Span
from test_neovim_review import REVIEWED, SAMPLE

BEFORE = SAMPLE
AFTER = REVIEWED + "\n"
URI = "file:///sample.py"
INSERTION = (Pos(7, 4), Pos(7, 12), "# A friendly greeting.\n    return x")
"""Neovim's report of inserting hunk 3's line before line 8."""


def proposed() -> tuple[DocumentStore, ProposalStore, list[dict[int, str]]]:
    documents = DocumentStore()
    documents.open(URI, "python", 0, BEFORE)
    proposals = ProposalStore(documents)
    gone: list[dict[int, str]] = []
    proposals.on_update = lambda _proposal, why: gone.append(dict(why))
    proposal = proposals.propose("job", URI, "Bot", "refactor", Span(0, len(BEFORE)), AFTER)
    assert [hunk.id for hunk in proposal] == [1, 2, 3]
    return documents, proposals, gone


def test_an_inserted_line_reported_after_its_indent_is_accepted() -> None:
    documents, proposals, gone = proposed()
    documents.change(URI, 1, [INSERTION], "utf-8")
    assert gone == [{3: "accepted"}]
    proposal = proposals.get("job")
    assert proposal is not None
    assert [hunk.id for hunk in proposal] == [1, 2]


def test_accept_all_split_over_two_did_changes_accepts_every_hunk() -> None:
    documents, proposals, gone = proposed()
    documents.change(URI, 1, [INSERTION], "utf-8")
    documents.change(
        URI,
        3,
        [
            (Pos(5, 14), Pos(6, 0), ": str) -> str:\n"),
            (Pos(1, 4), Pos(3, 0), "return a + b\n"),
        ],
        "utf-8",
    )
    assert documents.get(URI).text == AFTER  # type: ignore[union-attr]
    assert gone == [{3: "accepted"}, {1: "accepted", 2: "accepted"}]
    assert proposals.get("job") is None


def test_the_same_change_typed_next_to_an_insertion_hunk_is_not_taken_for_it() -> None:
    """Typing that leaves a different document does not accept anything."""
    documents, proposals, gone = proposed()
    documents.change(URI, 1, [(Pos(7, 4), Pos(7, 4), "# mine\n    ")], "utf-8")
    assert gone == []
    proposal = proposals.get("job")
    assert proposal is not None
    assert [hunk.id for hunk in proposal] == [1, 2, 3]
