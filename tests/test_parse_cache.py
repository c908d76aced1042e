"""Reparsing after an edit (docs.parsing._parse) and line starts (textdoc.line_starts) agree
with the plain, slow way of computing them."""

from __future__ import annotations

import random

from poe_lsp.core import docs
from poe_lsp.core.docs.parsing import _parse, _parser
from poe_lsp.core.textdoc import _LINE_BREAK, line_starts

SOURCE = "".join(
    f"def f{i}(x):\n    '''Double.'''\n    return x * {i}\n\n\nclass C{i}:\n    pass\n\n"
    for i in range(200)
)


def _fresh_sexp(text: str) -> str:
    return str(_parser("python").parse(text.encode()).root_node)


def test_a_tree_reparsed_after_edits_equals_a_fresh_parse() -> None:
    rng = random.Random(3)
    text = SOURCE
    _parse(text, "python")
    for _ in range(30):
        at = rng.randrange(len(text))
        cut = rng.randrange(0, 12)
        insert = rng.choice(["", "x", "\n", "def g(:\n", "é", "    return 1\n", '"""'])
        text = text[:at] + insert + text[at + cut :]
        _, tree = _parse(text, "python")
        assert str(tree.root_node) == _fresh_sexp(text)


def test_another_document_of_the_same_language_parses_correctly() -> None:
    _parse(SOURCE, "python")
    other = "import os\n\n\ndef main():\n    return os.getcwd()\n"
    _, tree = _parse(other, "python")
    assert str(tree.root_node) == _fresh_sexp(other)
    target = docs.find_doc_target(other, "python", other.index("return"))
    assert target is not None and target.name == "main"


def test_has_doc_target_agrees_with_find_doc_target() -> None:
    for offset in range(0, len(SOURCE[:2000]), 7):
        found = docs.find_doc_target(SOURCE, "python", offset) is not None
        assert docs.has_doc_target(SOURCE, "python", offset) is found


def test_line_starts_match_the_line_break_rule() -> None:
    rng = random.Random(5)
    for _ in range(2000):
        text = "".join(rng.choice(["a", "\n", "\r", "\r\n", "é", "\n\n"]) for _ in range(20))
        slow = [0, *(m.end() for m in _LINE_BREAK.finditer(text))]
        assert line_starts(text) == slow
