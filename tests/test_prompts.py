"""Building prompts: templates, selection markers, the budget, and the context window."""

from __future__ import annotations

import dataclasses
import time
import tracemalloc

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from poe_lsp.core.actions import ACTIONS
from poe_lsp.core.context import Composed, compose_prompt
from poe_lsp.core.prompts import (
    DEFAULT_REFACTOR_INSTRUCTION,
    DEFAULT_TEMPLATES,
    SELECTION_END,
    SELECTION_START,
    PromptInput,
    PromptTooLarge,
    build_prompt,
    context_window,
    edit_output_hint,
    rendered_size,
)
from poe_lsp.core.settings import ActionSettings, Settings

BIG = 10**9


def make_input(
    selection: str = "return a + b\n",
    before: str = "def add(a, b):\n    ",
    after: str = "\nprint(add(1, 2))\n",
    **fields: str,
) -> PromptInput:
    values = {
        "action": "explain",
        "path": "src/calc.py",
        "language": "python",
        **fields,
    }
    return PromptInput(selection=selection, before=before, after=after, **values)


# -- templates ---------------------------------------------------------------------------


def test_every_action_has_a_default_template_naming_file_language_and_context() -> None:
    for action in ACTIONS:
        template = DEFAULT_TEMPLATES[action]
        assert "{path}" in template
        assert "{language}" in template
        assert "{context}" in template


def test_edit_templates_ask_for_one_fenced_block_and_nothing_else() -> None:
    for action in ("refactor", "fix", "document"):
        assert "ONE fenced code block" in DEFAULT_TEMPLATES[action]
    assert "ONE fenced code block" in edit_output_hint


def test_prompt_names_the_path_and_language() -> None:
    prompt = build_prompt(make_input(), None, BIG)
    assert "File: src/calc.py" in prompt
    assert "Language: python" in prompt
    assert "```python\n" in prompt


def test_mid_line_selection_is_marked_inside_its_line() -> None:
    inp = make_input(selection="a + b", before="def add(a, b):\n    return ", after="\n")
    prompt = build_prompt(inp, None, BIG)
    assert f"    return {SELECTION_START}a + b{SELECTION_END}\n" in prompt


def test_whole_line_selection_has_markers_on_their_own_lines() -> None:
    inp = make_input(selection="    return a + b\n", before="def add(a, b):\n", after="x = 1\n")
    prompt = build_prompt(inp, None, BIG)
    assert (
        f"def add(a, b):\n{SELECTION_START}\n    return a + b\n{SELECTION_END}\nx = 1\n```"
        in prompt
    )


def test_excerpt_gets_a_closing_newline_when_the_file_lacks_one() -> None:
    inp = make_input(selection="x", before="", after=" = 1")
    prompt = build_prompt(inp, None, BIG)
    assert f"```python\n{SELECTION_START}\nx{SELECTION_END} = 1\n```" in prompt


def test_excerpt_fence_is_longer_than_any_backtick_run_in_the_code() -> None:
    inp = make_input(selection="s = '````'\n", before="", after="", language="markdown")
    prompt = build_prompt(inp, None, BIG)
    assert "`````markdown\n" in prompt


def test_empty_selection_shows_the_file_without_markers() -> None:
    inp = make_input(
        action="ask", selection="", before="x = 1\ny = 2\n", after="", instruction="What?"
    )
    prompt = build_prompt(inp, None, BIG)
    assert "```python\nx = 1\ny = 2\n```" in prompt
    assert prompt.count(SELECTION_START) == 1  # only in the explanation of the markers
    assert "What?" in prompt


def test_refactor_without_instruction_uses_the_default_instruction() -> None:
    prompt = build_prompt(make_input(action="refactor"), None, BIG)
    assert f"Instruction: {DEFAULT_REFACTOR_INSTRUCTION}" in prompt


def test_refactor_instruction_is_included() -> None:
    inp = make_input(action="refactor", instruction="Use a lambda.")
    assert "Instruction: Use a lambda." in build_prompt(inp, None, BIG)


def test_fix_includes_the_diagnostics() -> None:
    inp = make_input(action="fix", diagnostics="line 2: E501 line too long")
    assert "line 2: E501 line too long" in build_prompt(inp, None, BIG)


def test_custom_template_substitutes_only_known_names() -> None:
    template = "{foo} {language} {{path}} {selection} { selection }"
    prompt = build_prompt(make_input(selection="x"), template, BIG)
    assert prompt == "{foo} python {src/calc.py} x { selection }"


def test_substituted_values_are_not_scanned_again() -> None:
    inp = make_input(selection="d = {}  # {path} {selection}", before="", after="")
    prompt = build_prompt(inp, "<{selection}>", BIG)
    assert prompt == "<d = {}  # {path} {selection}>"


def test_blank_template_falls_back_to_the_default() -> None:
    inp = make_input()
    assert build_prompt(inp, "  ", BIG) == build_prompt(inp, None, BIG)


def test_unknown_action_without_template_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="unknown action"):
        build_prompt(make_input(action="sing"), None, BIG)


def test_non_ascii_text_is_kept_and_counted_in_code_points() -> None:
    selection = "naïve = '日本語 🎉'\n"
    inp = make_input(selection=selection, before="# 🎉\n", after="# ü\n")
    full = build_prompt(inp, None, BIG)
    assert selection in full
    assert build_prompt(inp, None, len(full)) == full


# -- the budget --------------------------------------------------------------------------


def test_prompt_that_fits_keeps_all_the_context() -> None:
    inp = make_input()
    full = build_prompt(inp, None, BIG)
    assert build_prompt(inp, None, len(full)) == full
    assert inp.before in full
    assert inp.after in full


def test_context_is_trimmed_by_whole_lines_from_the_far_ends() -> None:
    before = "".join(f"before {i}\n" for i in range(10))
    after = "".join(f"after {i}\n" for i in range(10))
    inp = make_input(selection="SEL\n", before=before, after=after)
    template = "[{before}]{selection}[{after}]"
    prompt = build_prompt(inp, template, len("[]SEL\n[]") + 3 * len("before 0\n"))
    assert prompt == "[before 8\nbefore 9\n]SEL\n[after 0\n]"


def test_trimming_alternates_between_the_two_sides() -> None:
    before = "".join(f"b{i}\n" for i in range(9))
    after = "".join(f"a{i}\n" for i in range(9))
    inp = make_input(selection="S\n", before=before, after=after)
    prompt = build_prompt(inp, "{before}{selection}{after}", len("S\n") + 6 * 3)
    assert prompt == "b6\nb7\nb8\nS\na0\na1\na2\n"


def test_a_side_that_no_longer_fits_leaves_the_room_to_the_other() -> None:
    before = "x" * 50 + "\nb\n"
    after = "a0\na1\na2\n"
    inp = make_input(selection="S\n", before=before, after=after)
    prompt = build_prompt(inp, "{before}{selection}{after}", len("b\nS\n") + 9)
    assert prompt == "b\nS\na0\na1\na2\n"


def test_selection_too_large_for_the_budget_is_refused_with_both_sizes() -> None:
    inp = make_input(selection="x" * 5000)
    with pytest.raises(PromptTooLarge) as caught:
        build_prompt(inp, None, 3000)
    error = caught.value
    assert error.selection_chars == 5000
    assert error.needed_chars > 5000
    assert error.budget == 3000
    assert "5,000" in error.message
    assert f"{error.needed_chars:,}" in error.message
    assert "Select less, or raise the context.maxChars setting" in error.message


def test_trimming_a_large_context_is_fast() -> None:
    line = "    value = compute(value, 42)  # some comment\n"
    inp = make_input(selection="x = 1\n", before=line * 20_000, after=line * 20_000)
    started = time.perf_counter()
    prompt = build_prompt(inp, None, 24_000)
    assert time.perf_counter() - started < 1.0
    assert len(prompt) <= 24_000


# -- a template cannot make the server build a huge string --------------------------------

BIG_FILE = "value = compute(value, 42)  # one line of a large file\n" * 10_000
"""About 540 KB: a template repeating {context} 400 times would render it 400 times."""


@pytest.mark.parametrize("whole_file", [True, False], ids=["whole-file", "selection"])
def test_a_template_repeating_context_never_builds_the_prompt_it_would_trim(
    whole_file: bool,
) -> None:
    # Settings built directly: this is the bound that holds even for a template
    # that reached the prompt builder without the settings' own checks.
    settings = Settings(
        actions={"ask": ActionSettings(prompt="{context}" * 400)},
        lines_before=10**6,
        lines_after=10**6,
    )
    start = BIG_FILE.index("\n", len(BIG_FILE) // 2) + 1

    def compose(settings: Settings) -> Composed:
        return compose_prompt(
            settings,
            action="ask",
            text=BIG_FILE,
            language="python",
            path="big.py",
            start=start,
            end=start + 10,
            whole_file=whole_file,
            instruction="why?",
        )

    # Parsers and caches load once, with the built-in template, before measuring.
    compose(dataclasses.replace(settings, actions={}))
    tracemalloc.start()
    try:
        composed = compose(settings)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(composed.prompt) <= settings.max_chars
    assert composed.trimmed
    # A few copies of the file at most, never one per placeholder (400 of them).
    assert peak < 10 * len(BIG_FILE), f"peak {peak:,} bytes for a {len(BIG_FILE):,}-byte file"


def test_a_selection_over_budget_is_refused_without_rendering_it_per_placeholder() -> None:
    inp = make_input(selection="x = 1\n" * 40_000)  # 240 KB
    tracemalloc.start()
    try:
        with pytest.raises(PromptTooLarge) as caught:
            build_prompt(inp, "{context}" * 400, 24_000)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert caught.value.needed_chars > 400 * len(inp.selection)
    assert peak < 4 * len(inp.selection), f"peak {peak:,} bytes"


def test_the_rendered_size_is_measured_exactly_without_building() -> None:
    inp = make_input(instruction="tidy {selection}", diagnostics="E1")
    template = "{path}|{context}|{selection}x{before}{after}{instruction}{diagnostics}{context}"
    assert rendered_size(inp, template) == len(build_prompt(inp, template, BIG))
    for action in ACTIONS:
        assert rendered_size(inp, None) == len(build_prompt(inp, None, BIG)), action


text_lines = st.lists(
    st.text(alphabet="ab 🎉{}`\r\t", max_size=12).map(lambda s: s.replace("\r", "\r\n")),
    max_size=8,
)


@st.composite
def inputs(draw: st.DrawFn) -> PromptInput:
    before_lines = draw(text_lines)
    after_lines = draw(text_lines)
    before = "\n".join(before_lines) + draw(st.sampled_from(["", "\n"]))
    after = "\n".join(after_lines)
    return PromptInput(
        action=draw(st.sampled_from(ACTIONS)),
        selection=draw(st.text(alphabet="xy\n{}", max_size=20)),
        before=before,
        after=after,
        path="a.py",
        language="python",
        instruction=draw(st.text(max_size=10)),
    )


@settings(max_examples=300)
@given(inputs(), st.integers(min_value=0, max_value=2000))
def test_default_prompts_never_exceed_the_budget_and_keep_the_selection(
    inp: PromptInput, extra: int
) -> None:
    full = build_prompt(inp, None, BIG)
    budget = len(full) - extra
    try:
        prompt = build_prompt(inp, None, budget)
    except PromptTooLarge as error:
        assert error.needed_chars > budget
        return
    assert len(prompt) <= budget
    marked = inp.selection + SELECTION_END if inp.selection else ""
    assert marked in prompt
    if extra == 0:
        assert prompt == full
    else:
        assert prompt != full


@settings(max_examples=300)
@given(inputs(), st.integers(min_value=0, max_value=200))
def test_kept_context_is_the_nearest_whole_lines_and_as_much_as_fits(
    inp: PromptInput, room: int
) -> None:
    template = "{before}\x00{selection}\x00{after}"
    budget = len(inp.selection) + 2 + room
    before, selection, after = build_prompt(inp, template, budget).split("\x00")
    assert selection == inp.selection
    assert inp.before.endswith(before)
    assert inp.after.startswith(after)
    cut_before = len(inp.before) - len(before)
    assert before == "" or cut_before == 0 or inp.before[cut_before - 1] == "\n"
    assert after in ("", inp.after) or after.endswith("\n")
    used = len(before) + len(after) + len(selection) + 2
    if cut_before:
        next_line = inp.before[inp.before.rfind("\n", 0, cut_before - 1) + 1 : cut_before]
        assert used + len(next_line) > budget
    if after != inp.after:
        rest = inp.after[len(after) :]
        next_line = rest[: rest.find("\n") + 1] if "\n" in rest else rest
        assert used + len(next_line) > budget


# -- context_window ----------------------------------------------------------------------

DOC = "l0\nl1\nl2\nl3\nl4\nl5\nl6\n"


def test_window_takes_lines_before_and_after_a_line_selection() -> None:
    start = DOC.index("l3")
    end = DOC.index("l4")
    assert context_window(DOC, start, end, 2, 2) == ("l1\nl2\n", "l4\nl5\n")


def test_window_around_a_mid_line_selection_includes_the_rest_of_its_lines() -> None:
    start = DOC.index("l3") + 1
    assert context_window(DOC, start, start + 1, 1, 1) == ("l2\nl", "\nl4\n")


def test_window_with_zero_lines_keeps_only_the_selection_lines() -> None:
    start = DOC.index("l3") + 1
    assert context_window(DOC, start, start + 1, 0, 0) == ("l", "\n")


def test_window_stops_at_the_document_edges() -> None:
    assert context_window(DOC, 0, 3, 10, 100) == ("", DOC[3:])


def test_window_handles_a_document_without_trailing_newline() -> None:
    text = "a\nb\nc"
    assert context_window(text, 2, 3, 5, 5) == ("a\n", "\nc")
    assert context_window(text, 4, 5, 1, 1) == ("b\n", "")


def test_window_handles_crlf_line_endings() -> None:
    text = "a\r\nb\r\nc\r\nd\r\n"
    start = text.index("c")
    assert context_window(text, start, start + 3, 1, 1) == ("b\r\n", "d\r\n")


def test_window_around_an_empty_selection_counts_its_line() -> None:
    start = DOC.index("l3")
    assert context_window(DOC, start, start, 1, 1) == ("l2\n", "l3\nl4\n")


def reference_window(text: str, start: int, end: int, nb: int, na: int) -> tuple[str, str]:
    """Split into lines; a position belongs to the line whose span holds it."""
    starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]
    if starts[-1] == len(text) and text:
        starts.pop()  # no line starts at the very end of a newline-terminated text
        starts.append(len(text))  # except an empty last line, where the cursor can be
    ends = [*starts[1:], len(text)]

    def line_of(pos: int) -> int:
        return max(i for i, s in enumerate(starts) if s <= pos)

    first = line_of(start)
    last = line_of(end - 1) if end > start else line_of(start)
    lo = starts[max(first - nb, 0)]
    hi = ends[min(last + na, len(starts) - 1)]
    return text[lo:start], text[end:hi]


@settings(max_examples=300)
@given(
    st.text(alphabet="ab\n", max_size=40),
    st.data(),
    st.integers(0, 4),
    st.integers(0, 4),
)
def test_window_matches_a_line_splitting_reference(
    text: str, data: st.DataObject, nb: int, na: int
) -> None:
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    assert context_window(text, start, end, nb, na) == reference_window(text, start, end, nb, na)


def test_window_is_fast_on_a_large_document() -> None:
    text = "".join(f"line {i} of a long document\n" for i in range(20_000))
    start = text.index("line 10000 ")
    started = time.perf_counter()
    for _ in range(200):
        before, after = context_window(text, start, start + 10, 40, 20)
    assert time.perf_counter() - started < 1.0
    assert before.startswith("line 9960 ")
    assert after.endswith("line 10020 of a long document\n")
