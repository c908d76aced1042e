"""Doc comments: finding the definition, and writing its doc in the language's idiom.

Each language has a fixture under ``tests/fixtures/docs/`` and the exact
document expected after every step of :data:`STEPS` (``steps.toml`` there) is
applied in turn (each step finds its target by a cursor in the *current* text,
so later steps also check that earlier edits left the tree readable).
"""

from __future__ import annotations

import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from poe_lsp.core import docs
from poe_lsp.core.docs.parsing import _parse

FIXTURES = Path(__file__).parent / "fixtures" / "docs"


@dataclass(frozen=True)
class Step:
    """Put the cursor on ``needle``, answer ``answer``."""

    needle: str
    kind: str
    name: str
    answer: str
    existing: str | None = None
    again: str = ""
    """Where to put the cursor in the documented file, if ``needle`` was the old doc."""


TABLE = tomllib.loads((FIXTURES / "steps.toml").read_text(encoding="utf-8"))
STEPS: dict[str, tuple[str, list[Step]]] = {
    language: (entry["fixture"], [Step(**step) for step in entry["steps"]])
    for language, entry in TABLE.items()
}
LANGUAGE_IDS: dict[str, str] = {language: entry["language_id"] for language, entry in TABLE.items()}


def run_steps(language: str) -> str:
    fixture, steps = STEPS[language]
    text = (FIXTURES / fixture).read_text(encoding="utf-8")
    for step in steps:
        target = docs.find_doc_target(text, LANGUAGE_IDS[language], text.index(step.needle))
        assert target is not None, step
        assert (target.kind, target.name, target.existing) == (
            step.kind,
            step.name,
            step.existing,
        ), step
        text = docs.apply_doc(text, target, step.answer)
    return text


@pytest.mark.parametrize("language", list(STEPS))
def test_each_language_documents_its_fixture_exactly(language: str) -> None:
    fixture, _ = STEPS[language]
    expected = (FIXTURES / f"{fixture}.expected").read_text(encoding="utf-8")
    assert run_steps(language) == expected


def test_documenting_twice_changes_nothing() -> None:
    for language, (fixture, steps) in STEPS.items():
        text = (FIXTURES / f"{fixture}.expected").read_text(encoding="utf-8")
        before = text
        for step in steps:
            cursor = text.index(step.again or step.needle)
            target = docs.find_doc_target(text, LANGUAGE_IDS[language], cursor)
            assert target is not None and target.existing, (language, step)
            text = docs.apply_doc(text, target, step.answer)
        assert text == before, language


# In each documented file: the doc comment, decorators or attributes, the header
# and the body of one definition all lead to it.
PROBES: dict[str, tuple[str, list[str]]] = {
    "python": ("diameter", ["The circle's diameter", "@property", "def diameter", "# twice"]),
    "javascript": ("scale", ["Scaled copy", "eslint-disable", "scale(k)", "new Circle"]),
    "typescript": ("scale", ["Returns a scaled copy", "@Memo", "scale(k: number)", "new Circle"]),
    "tsx": ("Badge", ["A badge.", "@param label", "export const Badge", "className"]),
    "go": ("Scale", ["Scale returns", "//go:noinline", "func (c *Circle)", "c.Radius * k"]),
    "rust": ("scale", ["Returns a scaled", "#[must_use]", "pub fn scale", "self.radius * k"]),
    "lua": ("M:scale", ["Scales the radius", "---@return", "function M:scale", "self.radius"]),
    "java": ("greet", ["Greets «name»", "@SuppressWarnings", "public String greet", "GREETING +"]),
    "c": ("greet", ["Writes a greeting", "int greet(", "snprintf"]),
    "cpp": ("diameter", ["The diameter.", "[[nodiscard]]", "T diameter", "2 * radius_"]),
}


@pytest.mark.parametrize("language", list(PROBES))
def test_cursor_on_doc_decorator_header_or_body_finds_the_same_definition(language: str) -> None:
    fixture, _ = STEPS[language]
    text = (FIXTURES / f"{fixture}.expected").read_text(encoding="utf-8")
    name, needles = PROBES[language]
    found = set()
    for needle in needles:
        at = text.index(needle)
        line_start = text.rfind("\n", 0, at) + 1
        for cursor in (at, line_start, at + len(needle)):
            target = docs.find_doc_target(text, LANGUAGE_IDS[language], cursor)
            assert target is not None and target.name == name, (needle, cursor, target)
            found.add(target)
    assert len(found) == 1
    (target,) = found
    assert target.existing
    # Offsets are str offsets even after non-ASCII text.
    assert target.definition[0] <= text.index(needles[-1]) < target.definition[1]
    replaced = text[target.replace[0] : target.replace[1]]
    assert target.existing.split("\n")[0] in replaced


def test_a_selection_picks_the_innermost_definition_holding_all_of_it() -> None:
    text = (FIXTURES / "sample.py").read_text(encoding="utf-8")
    inside = text.index("return 2 * self.radius")
    target = docs.find_doc_target(text, "python", inside, inside + 10)
    assert target is not None and target.name == "diameter"
    across = docs.find_doc_target(text, "python", inside, text.index("Old doc"))
    assert across is not None and across.name == "Circle"
    whole = text.index("    @property")
    end = text.index("\n\n", whole) + 1
    target = docs.find_doc_target(text, "python", whole, end)
    assert target is not None and target.name == "diameter"


def test_no_target_outside_definitions_or_in_unsupported_languages() -> None:
    text = (FIXTURES / "sample.py").read_text(encoding="utf-8")
    assert docs.find_doc_target(text, "python", text.index("GREETING =")) is None
    assert docs.find_doc_target(text, "python", 0) is None
    assert docs.find_doc_target(text, "haskell", text.index("math.pi")) is None
    assert docs.find_doc_target(text, "plaintext", text.index("math.pi")) is None
    assert not docs.supported("haskell") and not docs.supported("plaintext")
    assert all(docs.supported(lang) for lang in LANGUAGE_IDS.values())
    assert docs.supported("javascriptreact") and docs.supported("typescriptreact")
    assert docs.find_doc_target("", "python", 0) is None
    go = (FIXTURES / "sample.go").read_text(encoding="utf-8")
    assert docs.find_doc_target(go, "go", go.index("greeting is used")) is None


def python_target(source: str, needle: str = "return") -> docs.DocTarget:
    target = docs.find_doc_target(source, "python", source.index(needle))
    assert target is not None
    return target


AREA_PY = "def area(r):\n    return 3.14 * r * r\n"


@pytest.mark.parametrize(
    "answer",
    [
        "Compute the area.",
        "```\nCompute the area.\n```",
        '```python\n"""Compute the area."""\n```',
        'Here is the docstring:\n\n```python\ndef area(r):\n    """Compute the area."""\n'
        "    return 3.14 * r * r\n```\n\nThis docstring is short and clear.",
        "def area(r):\n    Compute the area.",
        "/**\n * Compute the area.\n */",
        "/// Compute the area.",
        "// Compute the area.",
        "--- Compute the area.",
        "'''Compute the area.'''",
        '  """\n  Compute the area.\n  """  ',
        'Sure! Here\'s a docstring for `area`:\n\n"""Compute the area."""',
    ],
)
def test_bot_answers_are_normalised_to_the_plain_doc(answer: str) -> None:
    target = python_target(AREA_PY)
    assert docs.doc_text(answer, target) == "Compute the area."
    assert docs.apply_doc(AREA_PY, target, answer) == (
        'def area(r):\n    """Compute the area."""\n    return 3.14 * r * r\n'
    )


def test_prose_around_a_fenced_comment_block_is_dropped_in_comment_languages() -> None:
    source = "fn area(r: f64) -> f64 {\n    r * r\n}\n"
    target = docs.find_doc_target(source, "rust", source.index("r * r"))
    assert target is not None
    answer = (
        "Certainly. Here is the documentation.\n\n```rust\n/**\n * Squares `r`.\n *\n"
        " * Never negative.\n */\nfn area(r: f64) -> f64 {\n```\n\nLet me know if you need more."
    )
    assert docs.render_doc(answer, target) == "/// Squares `r`.\n///\n/// Never negative.\n"


def test_a_fenced_example_inside_the_doc_is_kept() -> None:
    source = "fn area(r: f64) -> f64 {\n    r * r\n}\n"
    target = docs.find_doc_target(source, "rust", 0)
    assert target is not None
    answer = "Squares `r`.\n\n```\nassert_eq!(area(2.0), 4.0);\n```"
    assert docs.render_doc(answer, target) == (
        "/// Squares `r`.\n///\n/// ```\n/// assert_eq!(area(2.0), 4.0);\n/// ```\n"
    )


def test_blank_answers_render_nothing() -> None:
    target = python_target(AREA_PY)
    for answer in ("", "  \n\t\n", "```\n```", '""""""', "/** */"):
        assert docs.render_doc(answer, target) == ""
        assert docs.apply_doc(AREA_PY, target, answer) == AREA_PY


def test_python_docstrings_keep_backslashes_and_quotes_intact() -> None:
    target = python_target(AREA_PY)
    for answer in ["Match \\d+ digits.", 'Say "hi"', 'Quote """ inside.', "Ends with \\"]:
        text = docs.apply_doc(AREA_PY, target, answer)
        again = python_target(text)
        assert again.existing == docs.doc_text(answer, target)
        compile(text, "<doc>", "exec")


def test_crlf_documents_get_crlf_docs() -> None:
    source = "class A:\r\n    def m(self):\r\n        return 1\r\n"
    target = python_target(source)
    answer = "Return one.\n\nAlways."
    assert docs.apply_doc(source, target, answer) == (
        'class A:\r\n    def m(self):\r\n        """Return one.\r\n\r\n        Always.\r\n'
        '        """\r\n        return 1\r\n'
    )
    js = "class A {\r\n  m() {\r\n    return 1;\r\n  }\r\n}\r\n"
    target = docs.find_doc_target(js, "javascript", js.index("return"))
    assert target is not None
    assert docs.apply_doc(js, target, "One.\nAlways.") == (
        "class A {\r\n  /**\r\n   * One.\r\n   * Always.\r\n   */\r\n  m() {\r\n    return 1;"
        "\r\n  }\r\n}\r\n"
    )


def test_go_docs_start_with_the_name() -> None:
    source = "package p\n\nfunc (p *T) Len() int {\n\treturn 0\n}\n"
    target = docs.find_doc_target(source, "go", source.index("return"))
    assert target is not None
    assert docs.render_doc("Returns the length.", target) == "// Len returns the length.\n"
    assert docs.render_doc("Len is always 0.", target) == "// Len is always 0.\n"
    assert docs.render_doc("HTTP length.", target) == "// Len HTTP length.\n"


@pytest.mark.parametrize(
    ("source", "style"),
    [
        ('def f(x):\n    """Do.\n\n    Args:\n        x: a thing.\n    """\n', "google"),
        ('def f(x):\n    """Do.\n\n    Returns:\n        A thing.\n    """\n', "google"),
        (
            'def f(x):\n    """Do.\n\n    Parameters\n    ----------\n    x : int\n    """\n',
            "numpy",
        ),
        ('def f(x):\n    """Do.\n\n    :param x: a thing.\n    :returns: y\n    """\n', "rest"),
        ('def f(x):\n    """Do something."""\n', None),
        ("", None),
    ],
)
def test_python_docstring_style_is_detected(source: str, style: str | None) -> None:
    assert docs.python_docstring_style(source) == style


def test_the_target_carries_the_files_docstring_style() -> None:
    source = (
        'def f(x):\n    """Do.\n\n    :param x: a thing.\n    """\n\n\ndef g(y):\n    return y\n'
    )
    target = python_target(source, "return y")
    assert target.style == "rest"
    assert target.signature == "def g(y):"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("python", "import math\nfrom dataclasses import dataclass"),
        ("javascript", 'import { pi } from "./math.js";'),
        ("go", 'package geometry\nimport (\n\t"fmt"\n\t"math"\n)'),
        ("rust", "use std::fmt;"),
        ("java", "package geo;\nimport java.util.List;"),
        ("c", "#include <math.h>\n#include <stdio.h>"),
        ("cpp", "#include <string>"),
    ],
)
def test_header_context_lists_package_and_imports(language: str, expected: str) -> None:
    fixture, _ = STEPS[language]
    text = (FIXTURES / fixture).read_text(encoding="utf-8")
    assert docs.header_context(text, LANGUAGE_IDS[language], 10_000) == expected
    assert len(docs.header_context(text, LANGUAGE_IDS[language], 12)) <= 12


def test_header_context_for_lua_requires() -> None:
    text = 'local json = require("json")\nlocal x = 1\n\nlocal function f() end\n'
    assert docs.header_context(text, "lua", 1000) == 'local json = require("json")'
    assert docs.header_context(text, "haskell", 1000) == ""


def test_enclosing_definition_is_the_smallest_span_around_the_selection() -> None:
    text = (FIXTURES / "sample.py").read_text(encoding="utf-8")
    at = text.index("# twice")
    start, end = docs.enclosing_definition(text, "python", at, at + 3) or (0, 0)
    assert text[start:end].startswith("@property\n    def diameter(self):")
    assert text[start:end].endswith("return 2 * self.radius")
    start, end = docs.enclosing_definition(text, "python", at, text.index("Old doc")) or (0, 0)
    assert text[start:end].startswith("@dataclass(frozen=True)\nclass Circle:")
    assert docs.enclosing_definition(text, "python", 0, 5) is None
    assert docs.enclosing_definition(text, "plaintext", at, at) is None


def test_rust_doc_between_attributes_is_replaced_in_place() -> None:
    source = "#[derive(Debug)]\n/// Old.\n#[repr(C)]\npub struct P {\n    x: i32,\n}\n"
    target = docs.find_doc_target(source, "rust", source.index("x: i32"))
    assert target is not None and target.existing == "Old."
    assert target.definition[0] == 0
    assert docs.apply_doc(source, target, "A point.") == source.replace("Old.", "A point.")


def test_importing_docs_does_not_load_grammars() -> None:
    import subprocess
    import sys

    code = (
        "import sys, poe_lsp.core.docs; "
        "print(any(m.startswith('tree_sitter') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_20000_line_file_is_parsed_quickly() -> None:
    block = (
        "class Shape{i}:\n    def area(self, r):\n        return 3.14 * r * r  # «π»\n\n"
        "    def name(self):\n        return 'shape'\n\n\n"
    )
    text = "".join(block.format(i=i) for i in range(2500))
    assert text.count("\n") == 20000
    cursor = text.index("return 'shape'", len(text) // 2)
    begin = time.perf_counter()
    target = docs.find_doc_target(text, "python", cursor)
    elapsed = time.perf_counter() - begin
    assert target is not None and target.name == "name"
    assert elapsed < 2.0


# ---------------------------------------------------------------------------- properties

PIECES = [
    "```",
    "```python\n",
    '"""',
    "'''",
    "/**",
    "*/",
    " * ",
    "///",
    "//",
    "---",
    "--",
    "#",
    "@param x",
    "def area(r):",
    "\\",
    '"',
    "\r\n",
    "\n",
    "\n\n",
    "    ",
    "\t",
    "«ça»",
    "🎉",
    "中文",
    "\u00a0",
]
ALPHABET = "abcXYZ 019 .,:;()[]{}<>\"'`/*-#!@\\|~_=+?\néçü«»—🎉🌍中\u3000"
ANSWERS = st.lists(
    st.one_of(st.sampled_from(PIECES), st.text(alphabet=ALPHABET, max_size=12)), max_size=14
).map("".join)
TEXTS = {
    (language, name): (FIXTURES / name).read_text(encoding="utf-8")
    for language, (fixture, _) in STEPS.items()
    for name in (fixture, f"{fixture}.expected")
}


def has_syntax_error(text: str, language: str) -> bool:
    return _parse(text, language)[1].root_node.has_error


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), answer=ANSWERS)
def test_applying_a_doc_only_touches_the_doc_and_is_found_again(
    data: st.DataObject, answer: str
) -> None:
    language, name = data.draw(st.sampled_from(sorted(TEXTS)))
    text = TEXTS[language, name]
    language_id = LANGUAGE_IDS[language]
    cursor = data.draw(st.integers(0, len(text)))
    target = docs.find_doc_target(text, language_id, cursor)
    if target is None:
        return
    start, end = target.replace
    rendered = docs.render_doc(answer, target)
    result = docs.apply_doc(text, target, answer)
    if not rendered:
        assert result == text
        return
    assert result[:start] == text[:start]
    assert result[start + len(rendered) :] == text[end:]
    if target.placement == "above":
        assert start == 0 or text[start - 1] == "\n"
        assert rendered.endswith("\n")
        assert all(line.strip() for line in rendered.splitlines())
    assert not has_syntax_error(result, language)
    # The new doc is found where it was written, and documenting again changes nothing.
    shift = len(rendered) - (end - start)
    definition = target.definition[0] + (shift if target.definition[0] >= end else 0)
    again = docs.find_doc_target(result, language_id, definition)
    assert again is not None
    assert (again.name, again.kind) == (target.name, target.kind)
    assert again.existing == docs.doc_text(answer, target)
    if target.placement == "above":
        assert again.replace == (start, start + len(rendered))
    else:  # the docstring statement, without the indentation and line break around it
        assert again.placement == "docstring"
        assert result[again.replace[0] : again.replace[1]] == rendered.strip()
    assert docs.apply_doc(result, again, answer) == result


def test_a_python_definition_without_a_body_yet_gets_one_docstring_line() -> None:
    source = "class A:\n    def m(self):\n"
    target = python_target(source, "def m")
    assert target.placement == "new-body"
    assert docs.apply_doc(source, target, "Do it.") == (
        'class A:\n    def m(self):\n        """Do it."""\n'
    )
