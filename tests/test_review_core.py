"""core/review.py on its own: hunks from a line diff, and hunks that follow the document."""

from __future__ import annotations

from collections.abc import Mapping

from poe_lsp.core.review import ACCEPTED, DROPPED, Hunk, Proposal, ProposalStore, diff_hunks
from poe_lsp.core.textdoc import DocumentStore, Pos, Span

TEXT = "a = 1\nb = 2\nc = 3\nd = 4\ne = 5\n"
URI = "file:///w/x.py"


def hunks_of(text: str, old: str, new: str) -> list[tuple[str, str]]:
    """(old, new) of each hunk when ``old`` (a part of ``text``) becomes ``new``."""
    start = text.index(old)
    return [(o, n) for _, o, n in diff_hunks(text, Span(start, start + len(old)), new)]


def test_two_changes_with_an_unchanged_line_between_are_two_hunks() -> None:
    new = "a = 1\nB = 2\nc = 3\nD = 4\ne = 5\n"
    assert hunks_of(TEXT, TEXT, new) == [("b = 2\n", "B = 2\n"), ("d = 4\n", "D = 4\n")]


def test_adjacent_changed_lines_are_one_hunk_without_context() -> None:
    new = "a = 1\nB = 2\nC = 3\nd = 4\ne = 5\n"
    assert hunks_of(TEXT, TEXT, new) == [("b = 2\nc = 3\n", "B = 2\nC = 3\n")]


def test_a_pure_insertion_is_an_empty_span_at_a_line_start() -> None:
    new = "a = 1\nb = 2\nnew = 0\nc = 3\nd = 4\ne = 5\n"
    [(span, old, text)] = diff_hunks(TEXT, Span(0, len(TEXT)), new)
    assert span == Span(12, 12) and TEXT[:12].endswith("\n")
    assert (old, text) == ("", "new = 0\n")


def test_a_range_inside_a_line_gives_whole_lines() -> None:
    # The selection is "2\nc" (the end of one line, the start of the next).
    start = TEXT.index("2\nc")
    [(span, old, new)] = diff_hunks(TEXT, Span(start, start + 3), "22\nc")
    assert (span, old, new) == (Span(6, 12), "b = 2\n", "b = 22\n")


def test_a_range_at_the_end_without_a_final_newline() -> None:
    text = "x = 1\ny = 2"
    [(span, old, new)] = diff_hunks(text, Span(6, len(text)), "y = 3")
    assert (span, old, new) == (Span(6, 11), "y = 2", "y = 3")


def test_an_answer_without_a_final_newline_keeps_the_next_line_whole() -> None:
    # An insertion at a line start whose text does not end a line: the line it
    # runs into belongs to the hunk, so every hunk is whole lines.
    [(span, old, new)] = diff_hunks(TEXT, Span(6, 6), "# note ")
    assert (span, old, new) == (Span(6, 12), "b = 2\n", "# note b = 2\n")


def test_an_unchanged_answer_has_no_hunks() -> None:
    assert diff_hunks(TEXT, Span(6, 18), "b = 2\nc = 3\n") == []


def test_crlf_lines_stay_whole() -> None:
    text = "a\r\nb\r\nc\r\n"
    [(span, old, new)] = diff_hunks(text, Span(0, len(text)), "a\r\nB\r\nc\r\n")
    assert (span, old, new) == (Span(3, 6), "b\r\n", "B\r\n")


# -- following the document -------------------------------------------------------------


class Seen:
    """The store's observer: every update, as (job id, {hunk id: why})."""

    def __init__(self) -> None:
        self.updates: list[tuple[str, dict[int, str]]] = []

    def __call__(self, proposal: Proposal, gone: Mapping[int, str]) -> None:
        self.updates.append((proposal.job_id, dict(gone)))


def two_hunk_proposal() -> tuple[DocumentStore, ProposalStore, Proposal, Seen]:
    docs = DocumentStore()
    docs.open(URI, "python", 1, TEXT)
    store = ProposalStore(docs)
    seen = Seen()
    store.on_update = seen
    new = "a = 1\nB = 2\nc = 3\nD = 4\ne = 5\n"
    proposal = store.propose("job-1", URI, "Bot", "refactor", Span(0, len(TEXT)), new)
    return docs, store, proposal, seen


def edit(docs: DocumentStore, start: int, end: int, text: str, version: int = 2) -> None:
    doc = docs.get(URI)
    assert doc is not None
    a, b = doc.pos_at(start, "utf-16"), doc.pos_at(end, "utf-16")
    docs.change(URI, version, [(a, b, text)], "utf-16")


def test_typing_above_moves_the_hunks() -> None:
    docs, _, proposal, seen = two_hunk_proposal()
    edit(docs, 0, 0, "# top\n")
    assert [(h.id, h.span) for h in proposal] == [(1, Span(12, 18)), (2, Span(24, 30))]
    assert seen.updates == [("job-1", {})]


def test_typing_inside_a_hunk_drops_only_that_hunk() -> None:
    docs, store, proposal, seen = two_hunk_proposal()
    edit(docs, 7, 7, "x")  # "b = 2" -> "bx = 2"
    assert [h.id for h in proposal] == [2]
    assert seen.updates == [("job-1", {1: DROPPED})]
    assert store.get("job-1") is proposal


def test_typing_at_the_start_of_a_hunk_line_drops_it() -> None:
    docs, _, proposal, _ = two_hunk_proposal()
    edit(docs, 6, 6, "x")  # "b = 2" -> "xb = 2": the insertion touches the line
    assert [h.id for h in proposal] == [2]


def test_a_new_line_inserted_right_above_a_hunk_only_moves_it() -> None:
    docs, _, proposal, _ = two_hunk_proposal()
    edit(docs, 6, 6, "z = 0\n")
    assert [(h.id, h.span) for h in proposal] == [(1, Span(12, 18)), (2, Span(24, 30))]


def test_the_exact_acceptance_of_a_hunk_is_recognised_as_accepted() -> None:
    docs, _, proposal, seen = two_hunk_proposal()
    edit(docs, 6, 12, "B = 2\n")
    assert [h.id for h in proposal] == [2]
    assert seen.updates == [("job-1", {1: ACCEPTED})]


def test_an_acceptance_reported_as_a_minimal_diff_is_recognised() -> None:
    docs, _, proposal, seen = two_hunk_proposal()
    edit(docs, 18, 19, "D")  # Neovim reports only the changed character
    assert [h.id for h in proposal] == [1]
    assert seen.updates == [("job-1", {2: ACCEPTED})]


def test_accept_all_as_several_changes_in_one_batch_is_recognised() -> None:
    docs, store, proposal, seen = two_hunk_proposal()
    # Bottom-up, as VS Code reports one edit with two text edits.
    changes: list[tuple[Pos | None, Pos | None, str]] = [
        (Pos(3, 0), Pos(4, 0), "D = 4\n"),
        (Pos(1, 0), Pos(2, 0), "B = 2\n"),
    ]
    docs.change(URI, 2, changes, "utf-16")
    assert len(proposal) == 0
    assert seen.updates == [("job-1", {1: ACCEPTED, 2: ACCEPTED})]
    assert store.get("job-1") is None
    assert docs.listener_count() == 0


def test_closing_the_document_drops_the_proposal() -> None:
    docs, store, proposal, seen = two_hunk_proposal()
    docs.close(URI)
    assert len(proposal) == 0 and store.get("job-1") is None
    assert seen.updates == [("job-1", {1: DROPPED, 2: DROPPED})]


def test_a_new_job_on_an_overlapping_range_replaces_the_proposal() -> None:
    _, store, proposal, seen = two_hunk_proposal()
    store.replace_overlapping(URI, Span(20, 22))
    assert len(proposal) == 0 and store.get("job-1") is None
    assert seen.updates == [("job-1", {1: DROPPED, 2: DROPPED})]


def test_summaries_say_what_a_hunk_does() -> None:
    text = "a\nb\nc\n"
    got = [
        diff_hunks(text, Span(0, 6), new)
        for new in ("a\nB\nC\nD\nc\n", "a\nc\n", "a\nx\nb\nc\n", "a\nB\nc\n")
    ]
    summaries = [Hunk(1, *found[0]).summary() for found in got]
    assert summaries == [
        "replace 1 line with 3",
        "delete 1 line",
        "insert 1 line",
        "change 1 line",
    ]
