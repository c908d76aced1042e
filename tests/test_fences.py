"""Turning a bot's Markdown answer into code, and fitting that code to the selection."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from poe_lsp.core.fences import extract_code, fit_to_selection

# -- extract_code: fenced answers --------------------------------------------------------


def test_first_fenced_block_is_the_code_and_prose_is_dropped() -> None:
    answer = "Here is the code:\n```python\ndef f():\n    return 1\n```\nIt returns 1.\n"
    assert extract_code(answer, final=True) == "def f():\n    return 1\n"


def test_only_the_first_of_several_blocks_is_used() -> None:
    answer = "```\none\n```\nor\n```\ntwo\n```\n"
    assert extract_code(answer, final=True) == "one\n"


def test_tilde_fence_is_recognised() -> None:
    assert extract_code("~~~js\nlet x = 1;\n~~~\n", final=True) == "let x = 1;\n"


def test_longer_fence_keeps_shorter_fences_inside_as_code() -> None:
    answer = "````markdown\n```py\nx\n```\n````\n"
    assert extract_code(answer, final=True) == "```py\nx\n```\n"


def test_other_fence_character_does_not_close_the_block() -> None:
    assert extract_code("~~~\na\n```\nb\n~~~\n", final=True) == "a\n```\nb\n"


def test_closing_fence_may_have_trailing_blanks_but_no_info() -> None:
    answer = "```\na\n```js\nb\n```  \nafter\n"
    assert extract_code(answer, final=True) == "a\n```js\nb\n"


def test_backticks_inside_the_info_string_do_not_open_a_block() -> None:
    answer = "```not`a fence```\nx = 1\ny = 2\n"
    assert extract_code(answer, final=True) == answer


def test_indented_fence_has_its_indentation_removed_from_the_code() -> None:
    answer = "1. Change it:\n   ```python\n   if x:\n       y()\n   ```\n"
    assert extract_code(answer, final=True) == "if x:\n    y()\n"


def test_crlf_answer_keeps_crlf_in_the_code() -> None:
    answer = "Here:\r\n```py\r\na = 1\r\nb = 2\r\n```\r\n"
    assert extract_code(answer, final=True) == "a = 1\r\nb = 2\r\n"


def test_closing_fence_without_final_newline_ends_the_block() -> None:
    assert extract_code("```\nx\n```", final=True) == "x\n"


def test_unclosed_block_at_the_end_of_the_answer_is_taken_whole() -> None:
    assert extract_code("Sure:\n```py\nx = 1\ny = 2", final=True) == "x = 1\ny = 2"


def test_non_ascii_code_survives() -> None:
    answer = "```py\nnaïve = '日本語 🎉'\n```\n"
    assert extract_code(answer, final=True) == "naïve = '日本語 🎉'\n"


# -- extract_code: streaming -------------------------------------------------------------


def test_streaming_open_block_returns_complete_lines_and_the_partial_line() -> None:
    assert extract_code("Here:\n```py\nx = 1\ny = ", final=False) == "x = 1\ny = "


def test_streaming_holds_back_a_partial_line_that_may_close_the_block() -> None:
    assert extract_code("```py\nx = 1\n``", final=False) == "x = 1\n"
    assert extract_code("```py\nx = 1\n  ```", final=False) == "x = 1\n"


def test_streaming_holds_back_a_blank_partial_line() -> None:
    assert extract_code("```py\nx = 1\n   ", final=False) == "x = 1\n"


def test_streaming_writes_a_partial_line_that_cannot_close_the_block() -> None:
    assert extract_code("```js\nlet s = 1;\n`hel", final=False) == "let s = 1;\n`hel"


def test_streaming_waits_while_the_opening_fence_line_is_incomplete() -> None:
    assert extract_code("Here is the code:\n```pyt", final=False) is None


def test_streaming_block_just_opened_is_empty_code() -> None:
    assert extract_code("Here is the code:\n```python\n", final=False) == ""


def test_streaming_after_the_block_closed_ignores_the_rest() -> None:
    answer = "```\nx\n```\nNow some prose that goes on and on"
    assert extract_code(answer, final=False) == "x\n"


# -- extract_code: no fence --------------------------------------------------------------


def test_final_answer_without_fence_is_all_code_without_outer_blank_lines() -> None:
    assert extract_code("\n\nx = 1\ny = 2\n\n  \n", final=True) == "x = 1\ny = 2\n"


def test_final_blank_answer_is_empty_code() -> None:
    assert extract_code(" \n\n", final=True) == ""


def test_streaming_waits_after_prose_announcing_code() -> None:
    for first in (
        "Here is the refactored code:",
        "Here's a cleaner version",
        "Sure! I can help with that.",
        "Certainly, here it is",
        "The following uses a comprehension",
        "This code now handles empty input.",
        "I rewrote the loop, and it is shorter",
        "Refactored version:",
    ):
        assert extract_code(f"{first}\nsecond line\nthird line\n", final=False) is None, first


def test_streaming_waits_while_the_answer_is_short() -> None:
    assert extract_code("x = 1\n", final=False) is None
    assert extract_code("x = 1\ny", final=False) is None


def test_streaming_raw_code_is_written_once_two_lines_look_like_code() -> None:
    assert extract_code("def f(x):\n    return x\n", final=False) == "def f(x):\n    return x\n"
    assert extract_code("x = 1\ny = 2\nz = ", final=False) == "x = 1\ny = 2\nz = "


def test_streaming_raw_code_holds_back_a_line_that_may_open_a_fence() -> None:
    assert extract_code("x = 1\ny = 2\n``", final=False) == "x = 1\ny = 2\n"


def test_streaming_raw_code_holds_back_trailing_blank_lines() -> None:
    assert extract_code("x = 1\ny = 2\n\n\n", final=False) == "x = 1\ny = 2\n"


# -- extract_code: the streaming prefix property ------------------------------------------

code_line = st.text(alphabet="ab `~#:\t日🎉", max_size=10).filter(
    lambda line: line.strip(" \t").strip("`") != "" and line.strip(" \t").strip("~") != ""
)
prose_intro = st.sampled_from(
    [
        "",
        "Here is the code:\n",
        "Sure! Here's the refactored version:\n\n",
        "Certainly.\nThe following keeps the behaviour:\n",
        "I rewrote the loop so that it is clearer.\n\n",
    ]
)
prose_outro = st.sampled_from(["", "\n", "This is faster.\n", "\nNote:\n```\nnot this\n```\n"])


@st.composite
def fenced_answers(draw: st.DrawFn) -> str:
    char = draw(st.sampled_from("`~"))
    fence = char * draw(st.integers(3, 5))
    indent = draw(st.sampled_from(["", "  "]))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    lines = draw(st.lists(code_line, max_size=6))
    body = "".join(indent + line + newline for line in lines)
    info = draw(st.sampled_from(["", "python", " js"]))
    closing = indent + fence + draw(st.sampled_from(["", newline]))
    return (
        draw(prose_intro) + f"{indent}{fence}{info}{newline}" + body + closing + draw(prose_outro)
    )


@settings(max_examples=400)
@given(fenced_answers(), st.data())
def test_every_streaming_result_is_a_prefix_of_the_final_code(
    answer: str, data: st.DataObject
) -> None:
    final = extract_code(answer, final=True)
    assert final is not None
    cuts = data.draw(st.lists(st.integers(0, len(answer)), max_size=12).map(sorted))
    for cut in [*cuts, len(answer)]:
        partial = extract_code(answer[:cut], final=False)
        if partial is not None:
            assert final.startswith(partial), (answer[:cut], partial, final)


# -- fit_to_selection --------------------------------------------------------------------


def test_selection_ending_with_newline_gets_exactly_one() -> None:
    assert fit_to_selection("x = 1\n\n\n", "y = 2\n", "") == "x = 1\n"
    assert fit_to_selection("x = 1", "y = 2\n", "") == "x = 1\n"


def test_selection_without_final_newline_gets_none() -> None:
    assert fit_to_selection("foo(1)\n\n", "bar(2)", "x = ") == "foo(1)"


def test_the_codes_own_leading_blank_lines_add_no_line() -> None:
    # A fenced block that opens with a blank line gave the document one more.
    assert fit_to_selection("\n\ndef g():\n    pass\n", "def f():\n    pass\n", "") == (
        "def g():\n    pass\n"
    )


def test_blank_lines_around_the_selected_code_stay_as_they_were() -> None:
    selection = "\ndef f():\n    pass\n\n"
    assert fit_to_selection("def g():\n    pass\n", selection, "") == "\ndef g():\n    pass\n\n"


def test_a_selection_reaching_into_the_next_line_keeps_its_indentation() -> None:
    assert fit_to_selection("x = 2\n", "x = 1\n    ", "") == "x = 2\n    "


def test_a_selection_starting_at_the_end_of_a_line_keeps_that_line_break() -> None:
    assert fit_to_selection("y = 2\n", "\ny = 1", "x = 0") == "\ny = 2"


def test_trailing_whitespace_only_lines_are_dropped() -> None:
    assert fit_to_selection("x = 1  \n   \n", "y\n", "") == "x = 1  \n"


def test_blank_code_becomes_an_empty_replacement() -> None:
    assert fit_to_selection(" \n\n", "y = 2\n", "") == ""


def test_unindented_code_is_indented_like_the_selection() -> None:
    selection = "    def g():\n        pass\n"
    code = "def f():\n    return 1\n\n# done\n"
    assert fit_to_selection(code, selection, "") == "    def f():\n        return 1\n\n    # done\n"


def test_first_line_is_not_indented_again_when_the_line_prefix_indents_it() -> None:
    selection = "def g():\n        pass\n"
    assert (
        fit_to_selection("def f():\n    return 1", selection, "    ")
        == "def f():\n        return 1\n"
    )


def test_first_line_gets_the_indentation_the_prefix_lacks() -> None:
    selection = "  def g():\n        pass\n"
    assert fit_to_selection("def f():\n    return 1", selection, "  ") == (
        "  def f():\n        return 1\n"
    )


def test_first_line_copy_of_the_line_prefix_is_removed() -> None:
    selection = "x = 1\n    y = 2\n"
    assert fit_to_selection("    a = 1\n    b = 2\n", selection, "    ") == "a = 1\n    b = 2\n"


def test_code_continuing_a_line_keeps_its_first_line_as_is() -> None:
    selection = "foo(\n        a,\n    )"
    code = "bar(\n    a,\n)"
    assert fit_to_selection(code, selection, "    x = ") == "bar(\n        a,\n    )"


def test_already_indented_code_is_left_alone() -> None:
    selection = "    a = 1\n    b = 2\n"
    assert fit_to_selection("    c = 3\n", selection, "") == "    c = 3\n"


def test_selection_at_column_zero_leaves_code_unindented() -> None:
    assert fit_to_selection("def f():\n    pass\n", "x = 1\n", "") == "def f():\n    pass\n"


def test_crlf_selection_gets_crlf_code() -> None:
    assert fit_to_selection("a\nb\n", "x\r\ny\r\n", "") == "a\r\nb\r\n"
    assert fit_to_selection("a\r\nb\r\n", "x\ny\n", "") == "a\nb\n"


def test_tab_indentation_is_reproduced() -> None:
    assert fit_to_selection("if x:\n\ty()\n", "\tpass\n", "") == "\tif x:\n\t\ty()\n"


def test_non_ascii_code_is_fitted() -> None:
    assert fit_to_selection("naïve = '日本語 🎉'\n", "  x\n", "") == "  naïve = '日本語 🎉'\n"


def test_streaming_fit_keeps_trailing_newlines_and_holds_back_blank_partial_lines() -> None:
    assert fit_to_selection("a\nb\n", "x", "", final=False) == "a\nb\n"
    assert fit_to_selection("a\n  ", "  x\n", "", final=False) == "  a\n"


selection_texts = st.sampled_from(
    [
        "x = 1\n",
        "    x = 1\n    y = 2\n",
        "x = 1\n        y = 2\n",
        "\tx\r\n\ty\r\n",
        "foo(1)",
        "  日本語\n",
    ]
)
line_prefixes = st.sampled_from(["", "    ", "  ", "z = "])
code_text = st.text(alphabet="ab \t🎉", max_size=8).map(lambda s: s.lstrip(" \t"))


@st.composite
def streamed_code(draw: st.DrawFn) -> str:
    """Code as bots write it: the first line unindented, later lines at any depth."""
    first = draw(code_text.filter(bool))
    rest = draw(st.lists(st.tuples(st.sampled_from(["", "    ", "\t"]), code_text), max_size=5))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    end = draw(st.sampled_from(["", newline, newline * 2]))
    return newline.join([first, *(indent + text for indent, text in rest)]) + end


@settings(max_examples=400)
@given(streamed_code(), selection_texts, line_prefixes, st.data())
def test_fitting_a_prefix_gives_a_prefix_of_the_fitted_code(
    code: str, selection: str, prefix: str, data: st.DataObject
) -> None:
    whole = fit_to_selection(code, selection, prefix, final=False)
    final = fit_to_selection(code, selection, prefix, final=True)
    cut = data.draw(st.integers(0, len(code)))
    part = fit_to_selection(code[:cut], selection, prefix, final=False)
    assert whole.startswith(part)
    newline = "\r\n" if "\r\n" in selection else "\n"
    assert whole.rstrip("\r\n \t").startswith(final.rstrip("\r\n \t"))
    assert final.endswith(newline) == (selection.endswith("\n") and bool(code.strip()))
