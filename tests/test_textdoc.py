"""Documents, position encodings, and ranges that follow edits (poe_lsp.core.textdoc)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from poe_lsp.core.textdoc import (
    Document,
    DocumentStore,
    Encoding,
    HoverRegion,
    Pos,
    RangeTracker,
    Span,
    minimal_change,
)

ENCODINGS: list[Encoding] = ["utf-8", "utf-16", "utf-32"]
URI = "file:///work/sample.py"

# "naïve 日本語 🎉!": ï is 2 UTF-8 bytes, each CJK char 3, 🎉 is 4 bytes / 2 UTF-16 units.
NAIVE = "naïve 日本語 🎉!"
# offset -> (utf-8, utf-16, utf-32) character on line 0
NAIVE_COLUMNS = {
    0: (0, 0, 0),
    3: (4, 3, 3),
    6: (7, 6, 6),
    9: (16, 9, 9),
    10: (17, 10, 10),
    11: (21, 12, 11),
    12: (22, 13, 12),
}


def doc_of(text: str) -> Document:
    return Document(URI, "python", 1, text)


# ---------------------------------------------------------------- reference model


def units(ch: str, encoding: Encoding) -> int:
    if encoding == "utf-8":
        return len(ch.encode("utf-8"))
    if encoding == "utf-16":
        return len(ch.encode("utf-16-le")) // 2
    return 1


def brute_force_positions(text: str, encoding: Encoding) -> dict[int, Pos]:
    """Every offset that has a position of its own (not between \\r and \\n), by scanning."""
    positions: dict[int, Pos] = {}
    line, column, i = 0, 0, 0
    while i < len(text):
        positions[i] = Pos(line, column)
        if text[i] == "\r" and i + 1 < len(text) and text[i + 1] == "\n":
            i += 2
            line, column = line + 1, 0
        elif text[i] in "\r\n":
            i += 1
            line, column = line + 1, 0
        else:
            column += units(text[i], encoding)
            i += 1
    positions[len(text)] = Pos(line, column)
    return positions


fragments = st.sampled_from(
    ["a", "b", " ", "ï", "é", "日", "語", "🎉", "𝄞", "\t", "\n", "\r", "\r\n"]
)
documents = st.one_of(
    st.lists(fragments, max_size=40).map("".join),
    st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=40),
)
encodings = st.sampled_from(ENCODINGS)


# ---------------------------------------------------------------- positions


@pytest.mark.parametrize("offset", sorted(NAIVE_COLUMNS))
@pytest.mark.parametrize("index", [0, 1, 2], ids=ENCODINGS)
def test_offset_at_counts_code_units_of_the_encoding(offset: int, index: int) -> None:
    encoding = ENCODINGS[index]
    column = NAIVE_COLUMNS[offset][index]
    assert doc_of(NAIVE).offset_at(Pos(0, column), encoding) == offset


@pytest.mark.parametrize("offset", sorted(NAIVE_COLUMNS))
@pytest.mark.parametrize("index", [0, 1, 2], ids=ENCODINGS)
def test_pos_at_gives_code_units_of_the_encoding(offset: int, index: int) -> None:
    encoding = ENCODINGS[index]
    column = NAIVE_COLUMNS[offset][index]
    assert doc_of(NAIVE).pos_at(offset, encoding) == Pos(0, column)


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_every_offset_round_trips_through_a_position(encoding: Encoding) -> None:
    doc = doc_of(f"{NAIVE}\r\n{NAIVE}\r{NAIVE}\n")
    for offset in range(len(doc.text) + 1):
        if doc.text[offset - 1 : offset + 1] == "\r\n":
            continue
        assert doc.offset_at(doc.pos_at(offset, encoding), encoding) == offset


def test_position_inside_a_surrogate_pair_clamps_to_the_character_start() -> None:
    assert doc_of(NAIVE).offset_at(Pos(0, 11), "utf-16") == 10


@pytest.mark.parametrize("character", [18, 19, 20])
def test_position_inside_a_multibyte_character_clamps_to_its_start(character: int) -> None:
    assert doc_of(NAIVE).offset_at(Pos(0, character), "utf-8") == 10


def test_position_inside_a_two_byte_character_clamps_to_its_start() -> None:
    assert doc_of(NAIVE).offset_at(Pos(0, 3), "utf-8") == 2


def test_crlf_ends_a_line_once() -> None:
    doc = doc_of("ab\r\ncd\r\n")
    assert doc.line_count() == 3
    assert doc.offset_at(Pos(1, 1), "utf-16") == 5
    assert doc.pos_at(4, "utf-16") == Pos(1, 0)


def test_lone_cr_ends_a_line() -> None:
    doc = doc_of("ab\rcd\ref")
    assert doc.line_count() == 3
    assert doc.line_text(1) == "cd"
    assert doc.offset_at(Pos(2, 1), "utf-8") == 7


def test_cr_then_lf_on_separate_lines_is_not_mistaken_for_crlf() -> None:
    doc = doc_of("a\n\rb")
    assert doc.line_count() == 3
    assert doc.line_text(1) == ""
    assert doc.offset_at(Pos(2, 0), "utf-16") == 3


def test_offset_between_cr_and_lf_maps_to_the_line_end() -> None:
    assert doc_of("ab\r\ncd").pos_at(3, "utf-16") == Pos(0, 2)


def test_final_line_break_starts_an_empty_last_line() -> None:
    doc = doc_of("a\nb\n")
    assert doc.line_count() == 3
    assert doc.line_start(2) == 4
    assert doc.line_text(2) == ""


def test_line_past_the_end_clamps_to_the_end_of_the_document() -> None:
    doc = doc_of("ab\ncd")
    assert doc.offset_at(Pos(7, 0), "utf-16") == 5
    assert doc.line_start(9) == 5


def test_character_past_the_line_end_clamps_before_the_line_break() -> None:
    doc = doc_of("ab\r\ncd")
    assert doc.offset_at(Pos(0, 99), "utf-16") == 2


def test_offset_past_the_end_clamps_to_the_last_position() -> None:
    assert doc_of("ab\ncd").pos_at(99, "utf-8") == Pos(1, 2)


@pytest.mark.parametrize("pos", [Pos(-1, 0), Pos(0, -1)])
def test_negative_position_raises_value_error(pos: Pos) -> None:
    with pytest.raises(ValueError):
        doc_of("abc").offset_at(pos, "utf-16")


def test_negative_offset_raises_value_error() -> None:
    with pytest.raises(ValueError):
        doc_of("abc").pos_at(-1, "utf-16")


def test_unknown_encoding_raises_value_error() -> None:
    with pytest.raises(ValueError):
        doc_of("abc").offset_at(Pos(0, 0), "utf-7")  # type: ignore[arg-type]


@given(text=documents, encoding=encodings)
def test_positions_agree_with_a_brute_force_scan(text: str, encoding: Encoding) -> None:
    doc = doc_of(text)
    for offset, pos in brute_force_positions(text, encoding).items():
        assert doc.pos_at(offset, encoding) == pos
        assert doc.offset_at(pos, encoding) == offset


# ---------------------------------------------------------------- validation


def test_validate_pos_accepts_a_position_inside_the_document() -> None:
    assert doc_of(NAIVE).validate_pos(Pos(0, 13), "utf-16") is None


def test_validate_pos_accepts_the_start_of_the_line_after_the_last() -> None:
    assert doc_of("ab\ncd").validate_pos(Pos(2, 0), "utf-16") is None


def test_validate_pos_reports_a_line_past_the_end() -> None:
    problem = doc_of("ab\ncd").validate_pos(Pos(5, 0), "utf-16")
    assert problem is not None
    assert "past the end of the document" in problem
    assert "\n" not in problem


def test_validate_pos_reports_a_character_past_the_line_end() -> None:
    problem = doc_of(NAIVE).validate_pos(Pos(0, 14), "utf-16")
    assert problem is not None
    assert "13 utf-16 code units" in problem


def test_validate_pos_reports_negative_numbers() -> None:
    assert doc_of("ab").validate_pos(Pos(0, -1), "utf-16") is not None


def test_validate_range_reports_a_reversed_range() -> None:
    problem = doc_of("abc").validate_range(Pos(0, 2), Pos(0, 1), "utf-16")
    assert problem is not None
    assert "before it starts" in problem


# ---------------------------------------------------------------- changes


def test_apply_change_returns_the_replaced_span_in_pre_change_offsets() -> None:
    doc = doc_of("hello 🎉 world")
    replaced = doc.apply_change(Pos(0, 9), Pos(0, 14), "there", "utf-16")
    assert replaced == Span(8, 13)
    assert doc.text == "hello 🎉 there"


def test_full_replacement_returns_the_whole_old_span() -> None:
    doc = doc_of("old text")
    assert doc.apply_change(None, None, "new", "utf-16") == Span(0, 8)
    assert doc.text == "new"


def test_apply_change_refreshes_cached_line_starts() -> None:
    doc = doc_of("a\nb\nc")
    assert doc.offset_at(Pos(2, 0), "utf-16") == 4
    doc.apply_change(Pos(0, 0), Pos(0, 0), "x\ny\n", "utf-16")
    assert doc.line_count() == 5
    assert doc.offset_at(Pos(2, 0), "utf-16") == 4
    assert doc.offset_at(Pos(4, 0), "utf-16") == 8


def test_apply_change_puts_a_reversed_range_in_order() -> None:
    doc = doc_of("abcd")
    assert doc.apply_change(Pos(0, 3), Pos(0, 1), "", "utf-16") == Span(1, 3)
    assert doc.text == "ad"


@settings(max_examples=300)
@given(data=st.data(), text=documents, encoding=encodings)
def test_apply_change_matches_a_reference_splice(
    data: st.DataObject, text: str, encoding: Encoding
) -> None:
    positions = brute_force_positions(text, encoding)
    offsets = sorted(positions)
    a = data.draw(st.sampled_from(offsets))
    b = data.draw(st.sampled_from([o for o in offsets if o >= a]))
    new_text = data.draw(documents)
    doc = doc_of(text)
    doc.pos_at(0, encoding)  # fill the line cache so the change must invalidate it
    replaced = doc.apply_change(positions[a], positions[b], new_text, encoding)
    expected = text[:a] + new_text + text[b:]
    assert replaced == Span(a, b)
    assert doc.text == expected
    assert (
        doc.pos_at(len(expected), encoding)
        == brute_force_positions(expected, encoding)[len(expected)]
    )


def test_many_conversions_on_a_twenty_thousand_line_document() -> None:
    # A sanity check that the line cache is used; no timing is asserted.
    doc = doc_of("".join(f"line {i} naïve 🎉 text\n" for i in range(20_000)))
    for i in range(10_000):
        line = (i * 7919) % 20_000
        offset = doc.offset_at(Pos(line, 12), "utf-16")
        assert doc.pos_at(offset, "utf-16") == Pos(line, 12)


# ---------------------------------------------------------------- spans


def test_spans_that_share_text_overlap() -> None:
    assert Span(2, 5).overlaps(Span(4, 9))


def test_spans_that_only_touch_do_not_overlap() -> None:
    assert not Span(2, 5).overlaps(Span(5, 9))


def test_an_empty_span_strictly_inside_another_overlaps_it() -> None:
    assert Span(3, 3).overlaps(Span(2, 5))
    assert Span(2, 5).overlaps(Span(3, 3))
    assert not Span(2, 2).overlaps(Span(2, 5))


def test_a_reversed_span_is_rejected() -> None:
    with pytest.raises(ValueError):
        Span(3, 2)


def test_minimal_change_finds_the_differing_middle() -> None:
    assert minimal_change("xx\nfoo\n", "xx\nfoo\nfoo\n") == (Span(7, 7), "foo\n")
    assert minimal_change("abc", "abc") == (Span(3, 3), "")
    assert minimal_change("abXc", "abYYc") == (Span(2, 3), "YY")


# ---------------------------------------------------------------- store


class Recorder:
    def __init__(self) -> None:
        self.changes: list[tuple[Span, str, str]] = []
        self.closed = False

    def on_change(self, replaced: Span, new_text: str, doc_after: str) -> None:
        self.changes.append((replaced, new_text, doc_after))

    def on_close(self) -> None:
        self.closed = True


def test_store_returns_open_documents_and_forgets_closed_ones() -> None:
    store = DocumentStore()
    doc = store.open(URI, "python", 3, "text")
    assert store.get(URI) is doc
    store.close(URI)
    assert store.get(URI) is None


def test_change_applies_content_changes_in_order_and_sets_the_version() -> None:
    store = DocumentStore()
    store.open(URI, "python", 1, "abc")
    store.change(URI, 2, [(Pos(0, 3), Pos(0, 3), "d"), (Pos(0, 0), Pos(0, 1), "A")], "utf-16")
    doc = store.get(URI)
    assert doc is not None
    assert (doc.text, doc.version) == ("Abcd", 2)


def test_trackers_see_each_change_with_the_document_after_that_change() -> None:
    store = DocumentStore()
    store.open(URI, "python", 1, "abc")
    recorder = Recorder()
    store.track(URI, recorder)
    store.change(URI, 2, [(Pos(0, 3), Pos(0, 3), "d"), (Pos(0, 0), Pos(0, 1), "A")], "utf-16")
    assert recorder.changes == [(Span(3, 3), "d", "abcd"), (Span(0, 1), "A", "Abcd")]


def test_trackers_see_a_full_text_change_as_its_minimal_difference() -> None:
    store = DocumentStore()
    store.open(URI, "python", 1, "one two three")
    recorder = Recorder()
    store.track(URI, recorder)
    store.change(URI, 2, [(None, None, "one 2 three")], "utf-16")
    assert recorder.changes == [(Span(4, 7), "2", "one 2 three")]


def test_untracked_listeners_hear_nothing_more() -> None:
    store = DocumentStore()
    store.open(URI, "python", 1, "abc")
    recorder = Recorder()
    store.track(URI, recorder)
    store.untrack(URI, recorder)
    store.change(URI, 2, [(Pos(0, 0), Pos(0, 0), "x")], "utf-16")
    store.close(URI)
    assert recorder.changes == []
    assert not recorder.closed


def test_closing_a_document_notifies_its_trackers() -> None:
    store = DocumentStore()
    store.open(URI, "python", 1, "abc")
    tracker = RangeTracker(Span(0, 3), "abc")
    store.track(URI, tracker)
    store.close(URI)
    assert tracker.closed


def test_a_failing_tracker_does_not_stop_the_document_staying_in_sync() -> None:
    store = DocumentStore()
    store.open(URI, "python", 1, "abc")
    tracker = RangeTracker(Span(0, 3), "abc")

    def explode() -> None:
        raise RuntimeError("owner bug")

    tracker.on_update = explode
    recorder = Recorder()
    store.track(URI, tracker)
    store.track(URI, recorder)
    store.change(URI, 2, [(Pos(0, 3), Pos(0, 3), "d")], "utf-16")
    doc = store.get(URI)
    assert doc is not None
    assert doc.text == "abcd"
    assert len(recorder.changes) == 1


def test_a_change_to_a_document_that_is_not_open_is_ignored() -> None:
    DocumentStore().change(URI, 2, [(None, None, "x")], "utf-16")


def test_tracking_a_document_that_is_not_open_raises_key_error() -> None:
    with pytest.raises(KeyError):
        DocumentStore().track(URI, Recorder())


# ---------------------------------------------------------------- range tracker


def tracked(text: str, start: int, end: int) -> tuple[DocumentStore, Document, RangeTracker]:
    store = DocumentStore()
    doc = store.open(URI, "python", 1, text)
    tracker = RangeTracker(Span(start, end), text[start:end])
    store.track(URI, tracker)
    return store, doc, tracker


def edit(store: DocumentStore, doc: Document, a: int, b: int, new_text: str) -> None:
    """What a client sends for replacing doc.text[a:b], in UTF-16 positions."""
    start, end = doc.pos_at(a, "utf-16"), doc.pos_at(b, "utf-16")
    store.change(doc.uri, doc.version + 1, [(start, end, new_text)], "utf-16")


def test_own_edit_sent_verbatim_is_recognised() -> None:
    store, doc, tracker = tracked("def f():\n    return 1\n", 13, 21)
    tracker.expect(doc.text, "return 42")
    edit(store, doc, 13, 21, "return 42")
    assert not tracker.pending
    assert not tracker.conflict
    assert tracker.span == Span(13, 22)
    assert tracker.current_text(doc.text) == "return 42" == tracker.written_text


def test_own_edit_as_a_minimal_diff_starting_outside_the_span_is_recognised() -> None:
    store, doc, tracker = tracked("xx\nfoo\n", 3, 6)
    expected = tracker.expect(doc.text, "foo\nfoo")
    assert expected == "xx\nfoo\nfoo\n"
    edit(store, doc, 7, 7, "foo\n")  # what a minimal-diff client reports
    assert not tracker.conflict
    assert tracker.span == Span(3, 10)
    assert tracker.current_text(doc.text) == "foo\nfoo"


@pytest.mark.parametrize(
    ("text", "span", "edited", "moved"),
    [
        pytest.param("aa bbb cc", Span(3, 6), (0, 1, "XYZ"), Span(5, 8), id="typing before"),
        pytest.param("aa bbb cc", Span(3, 6), (0, 3, ""), Span(0, 3), id="deleting before"),
        pytest.param(
            "aa bbb cc", Span(3, 6), (3, 3, "#"), Span(4, 7), id="insertion at the start is before"
        ),
        pytest.param("aa bbb cc", Span(3, 6), (8, 9, "see"), Span(3, 6), id="typing after"),
        pytest.param(
            "aa bbb cc", Span(3, 6), (6, 6, "!"), Span(3, 6), id="insertion at the end is after"
        ),
        pytest.param(
            "ab", Span(1, 1), (1, 1, "xyz"), Span(4, 4), id="insertion at an empty span is before"
        ),
    ],
)
def test_an_edit_outside_the_span_moves_it_with_its_text(
    text: str, span: Span, edited: tuple[int, int, str], moved: Span
) -> None:
    store, doc, tracker = tracked(text, span.start, span.end)
    edit(store, doc, *edited)
    assert tracker.span == moved
    assert tracker.current_text(doc.text) == text[span.start : span.end]
    assert not tracker.conflict


@pytest.mark.parametrize(
    "edited",
    [
        pytest.param((4, 4, "x"), id="typing inside"),
        pytest.param((1, 4, ""), id="straddling the start"),
        pytest.param((5, 8, "Q"), id="straddling the end"),
    ],
)
def test_an_edit_touching_the_span_text_is_a_conflict(edited: tuple[int, int, str]) -> None:
    store, doc, tracker = tracked("aa bbb cc", 3, 6)
    edit(store, doc, *edited)
    assert tracker.conflict


def test_typing_inside_the_span_widens_it() -> None:
    store, doc, tracker = tracked("aa bbb cc", 3, 6)
    edit(store, doc, 4, 4, "x")
    assert tracker.span == Span(3, 7)


def test_a_user_edit_arriving_before_our_pending_edit_drops_it() -> None:
    store, doc, tracker = tracked("aa bbb cc", 3, 6)
    tracker.expect(doc.text, "BBB")
    edit(store, doc, 0, 0, "#")
    assert not tracker.pending
    assert tracker.dropped_pending == 1
    assert tracker.span == Span(4, 7)
    assert not tracker.conflict


def test_a_new_expectation_replaces_the_pending_one() -> None:
    store, doc, tracker = tracked("aa bbb cc", 3, 6)
    tracker.expect(doc.text, "one")
    tracker.expect(doc.text, "second")
    edit(store, doc, 3, 6, "second")
    assert tracker.current_text(doc.text) == "second"
    assert not tracker.conflict


def test_cancel_pending_forgets_our_edit() -> None:
    store, doc, tracker = tracked("aa bbb cc", 3, 6)
    tracker.expect(doc.text, "BBB")
    tracker.cancel_pending()
    assert not tracker.pending
    edit(store, doc, 3, 6, "BBB")  # the same text, now typed by someone else
    assert tracker.conflict


def test_our_edit_and_a_user_edit_batched_in_one_did_change() -> None:
    store, doc, tracker = tracked("aa bbb cc", 3, 6)
    tracker.expect(doc.text, "BBBB")
    ours = (doc.pos_at(3, "utf-16"), doc.pos_at(6, "utf-16"), "BBBB")
    users = (Pos(0, 0), Pos(0, 0), "🎉")
    store.change(URI, 2, [ours, users], "utf-16")
    assert doc.text == "🎉aa BBBB cc"
    assert not tracker.conflict
    assert tracker.dropped_pending == 0
    assert tracker.current_text(doc.text) == "BBBB"


def test_every_change_bumps_the_version_and_calls_on_update() -> None:
    store, doc, tracker = tracked("aa bbb cc", 3, 6)
    woken: list[int] = []
    tracker.on_update = lambda: woken.append(tracker.version)
    edit(store, doc, 0, 0, "x")
    edit(store, doc, 10, 10, "y")
    assert woken == [1, 2]


def test_closing_the_document_closes_the_tracker_and_wakes_the_owner() -> None:
    store, _doc, tracker = tracked("aa bbb cc", 3, 6)
    woken: list[bool] = []
    tracker.on_update = lambda: woken.append(tracker.closed)
    store.close(URI)
    assert woken == [True]


def test_expected_text_is_the_original_until_we_write() -> None:
    store, doc, tracker = tracked("aa bbb cc", 3, 6)
    assert tracker.expected_text == "bbb"
    tracker.expect(doc.text, "B")
    edit(store, doc, 3, 6, "B")
    assert tracker.expected_text == "B"


# ---------------------------------------------------------------- simulated client

# No "\r": real clients never address the middle of a "\r\n", and a "\r" we
# write next to a user's "\n" would make such a position.
safe_text = st.lists(
    st.sampled_from(["a", "b", " ", "é", "日", "🎉", "\n", "x\n"]), max_size=6
).map("".join)


def client_sends(
    store: DocumentStore, doc: Document, new_doc: str, style: str, encoding: Encoding
) -> None:
    """Send the change turning doc.text into new_doc the way a client of ``style`` would."""
    if style == "full":
        store.change(doc.uri, doc.version + 1, [(None, None, new_doc)], encoding)
        return
    old = doc.text
    prefix = 0
    while prefix < min(len(old), len(new_doc)) and old[prefix] == new_doc[prefix]:
        prefix += 1
    suffix = 0
    while (
        suffix < min(len(old), len(new_doc)) - prefix
        and old[len(old) - 1 - suffix] == new_doc[len(new_doc) - 1 - suffix]
    ):
        suffix += 1
    start, end = doc.pos_at(prefix, encoding), doc.pos_at(len(old) - suffix, encoding)
    inserted = new_doc[prefix : len(new_doc) - suffix]
    store.change(doc.uri, doc.version + 1, [(start, end, inserted)], encoding)


def client_replaces(
    store: DocumentStore, doc: Document, a: int, b: int, text: str, encoding: Encoding
) -> None:
    start, end = doc.pos_at(a, encoding), doc.pos_at(b, encoding)
    store.change(doc.uri, doc.version + 1, [(start, end, text)], encoding)


@settings(max_examples=300)
@given(data=st.data(), encoding=encodings)
def test_tracked_range_holds_our_text_and_the_rest_holds_the_users(
    data: st.DataObject, encoding: Encoding
) -> None:
    # The model: the document is prefix + mid + suffix, where mid is the text
    # we last wrote (or the original) and prefix/suffix are what the user made.
    prefix, mid, suffix = data.draw(safe_text), data.draw(safe_text), data.draw(safe_text)
    store, doc, tracker = tracked(prefix + mid + suffix, len(prefix), len(prefix + mid))

    def user_edits_outside() -> None:
        nonlocal prefix, suffix
        text = data.draw(safe_text)
        if data.draw(st.booleans()):
            a = data.draw(st.integers(0, len(prefix)))
            b = data.draw(st.integers(a, len(prefix)))
            client_replaces(store, doc, a, b, text, encoding)
            prefix = prefix[:a] + text + prefix[b:]
        else:
            a = data.draw(st.integers(0, len(suffix)))
            b = data.draw(st.integers(a, len(suffix)))
            base = len(prefix) + len(mid)
            client_replaces(store, doc, base + a, base + b, text, encoding)
            if not mid and a == b == 0:
                prefix += text  # an insertion at an empty range counts as before it
            else:
                suffix = suffix[:a] + text + suffix[b:]

    for _ in range(data.draw(st.integers(1, 8))):
        action = data.draw(
            st.sampled_from(["ours", "ours", "user outside", "user first", "user inside"])
        )
        if action == "ours":
            new = data.draw(safe_text)
            expected = tracker.expect(doc.text, new)
            assert expected == prefix + new + suffix
            client_sends(
                store,
                doc,
                expected,
                data.draw(st.sampled_from(["as is", "diff", "full"])),
                encoding,
            )
            mid = new
            assert not tracker.pending
        elif action == "user outside":
            user_edits_outside()
        elif action == "user first":
            new = data.draw(safe_text)
            expected = tracker.expect(doc.text, new)
            dropped = tracker.dropped_pending
            user_edits_outside()
            if doc.text == expected:
                # The user typed exactly what we were about to write: the
                # documents are indistinguishable, so the tracker takes it as ours.
                prefix, mid, suffix = (
                    expected[: tracker.span.start],
                    new,
                    expected[tracker.span.end :],
                )
            else:
                assert tracker.dropped_pending == dropped + 1
            assert not tracker.pending
        else:
            if not mid:
                continue
            a = data.draw(st.integers(0, len(mid)))
            b = data.draw(st.integers(a, len(mid)))
            text = data.draw(safe_text)
            if a == b and (a in (0, len(mid)) or not text):
                continue  # at a boundary (outside) or no change at all
            client_replaces(store, doc, len(prefix) + a, len(prefix) + b, text, encoding)
            assert tracker.conflict
            return
        assert not tracker.conflict
        assert doc.text[: tracker.span.start] == prefix
        assert tracker.current_text(doc.text) == mid == tracker.expected_text
        assert doc.text[tracker.span.end :] == suffix


# ---------------------------------------------------------------- hover regions


def hovered() -> tuple[DocumentStore, Document, HoverRegion]:
    """``aa bbb cc``, with an explanation of ``bbb`` shown on hover."""
    store = DocumentStore()
    doc = store.open(URI, "python", 1, "aa bbb cc")
    region = HoverRegion(Span(3, 6), "Explains bbb.")
    store.track(URI, region)
    return store, doc, region


def test_hover_region_follows_edits_before_it() -> None:
    store, doc, region = hovered()
    edit(store, doc, 0, 0, "++")
    assert region.span == Span(5, 8)
    assert region.covers(8)
    assert not region.covers(4)


def test_hover_region_goes_stale_when_its_text_changes() -> None:
    store, doc, region = hovered()
    edit(store, doc, 4, 5, "X")
    assert region.stale
    assert not region.covers(4)


def test_hover_region_goes_stale_when_the_document_closes() -> None:
    store, _doc, region = hovered()
    store.close(URI)
    assert region.stale
