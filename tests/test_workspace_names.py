"""Which names a selection uses, which definitions they bring, and how they fit the budget."""

from __future__ import annotations

from pathlib import Path

from poe_lsp.core.docs.names import CALL, METHOD, OTHER, ROOT, used_names
from poe_lsp.core.symbols import SECTION_TITLE, ContextBlock, add_context, pick_definitions
from poe_lsp.core.workspace_index import Symbol, WorkspaceIndex

PYTHON = """from utils.geometry import circle_area
import shapes


def report(r: Circle):
    total = circle_area(r) + shapes.perimeter(r) + r.scale(2) + helper(r)
    return total
"""


def selection_of(text: str, needle: str) -> tuple[int, int]:
    start = text.index(needle)
    return start, start + len(needle)


def ranks(text: str, language: str, needle: str) -> dict[str, tuple[int, str | None]]:
    return {
        n.name: (n.rank, n.module) for n in used_names(text, language, *selection_of(text, needle))
    }


def test_calls_and_imported_names_come_first_then_roots_methods_and_the_rest() -> None:
    line = PYTHON[PYTHON.index("    total") : PYTHON.index("    return")]
    got = ranks(PYTHON, "python", line)
    assert got["circle_area"] == (CALL, "utils/geometry")
    assert got["helper"] == (CALL, None)
    # A function of an imported module counts as surely as a direct call.
    assert got["perimeter"] == (CALL, "shapes")
    assert got["r"] == (ROOT, None)
    assert got["scale"] == (METHOD, None)
    assert got["total"] == (OTHER, None)
    names = [n.name for n in used_names(PYTHON, "python", *selection_of(PYTHON, line))]
    assert names.index("helper") < names.index("r") < names.index("scale") < names.index("total")


def test_javascript_imports_calls_and_constructors() -> None:
    js = (
        "import { area } from './lib/geo.js';\n"
        "function g(x) { return area(x) + x.len() + new Shape(1); }\n"
    )
    got = ranks(js, "javascript", "return area(x) + x.len() + new Shape(1);")
    assert got["area"] == (CALL, "lib/geo")
    assert got["Shape"] == (CALL, None)
    assert got["len"] == (METHOD, None)


def test_go_and_rust_calls() -> None:
    go = 'package m\nimport "example.com/geo"\nfunc f() int { return geo.Area(2) + local(1) }\n'
    got = ranks(go, "go", "return geo.Area(2) + local(1)")
    assert got["Area"][0] == CALL and got["local"] == (CALL, None)
    rust = "use crate::geo::area;\nfn f() -> i32 { area(1) + Shape::new().size() }\n"
    got = ranks(rust, "rust", "area(1) + Shape::new().size()")
    assert got["area"][0] == CALL
    assert got["size"] == (METHOD, None)


def symbol(name: str, path: str, line: int = 1, text: str = "def x(): ...") -> Symbol:
    return Symbol(name, "function", path, Path(path).name, line, "python", text, None, text)


def test_definitions_come_from_other_files_only_and_the_imported_file_first() -> None:
    table = {
        "circle_area": [
            symbol("circle_area", "/ws/app.py"),
            symbol("circle_area", "/ws/other/geometry.py"),
            symbol("circle_area", "/ws/utils/geometry.py"),
        ],
        "scale": [symbol("scale", f"/ws/m{i}.py") for i in range(5)],
    }
    names = used_names(PYTHON, "python", *selection_of(PYTHON, PYTHON[PYTHON.index("    total") :]))
    picked = pick_definitions(names, lambda n: table.get(n, []), "/ws/app.py")
    paths = [s.path for s in picked]
    assert "/ws/app.py" not in paths
    assert paths[0] == "/ws/utils/geometry.py"
    # A method name defined in many places is too ambiguous to send.
    assert not any(p.startswith("/ws/m") for p in paths)


def test_a_definition_the_client_already_sent_is_not_repeated() -> None:
    table = {"circle_area": [symbol("circle_area", "/ws/utils/geometry.py", line=4)]}
    names = used_names(PYTHON, "python", *selection_of(PYTHON, "circle_area(r)"))
    given = ContextBlock(
        "utils/geometry.py, lines 3–6", "…", "python", "/ws/utils/geometry.py", (3, 6)
    )
    assert pick_definitions(names, lambda n: table.get(n, []), "/ws/app.py", covered=[given]) == []


def test_context_goes_before_the_suffix_and_never_over_the_budget() -> None:
    prompt, suffix = "LOCAL PROMPT" + "\n\nSUFFIX", "\n\nSUFFIX"
    blocks = [
        ContextBlock(f"f{i}.py, line 1", f"def f{i}():\n    return {i}\n", "python")
        for i in range(50)
    ]
    for budget in (len(prompt), len(prompt) + 60, len(prompt) + 400, 100_000):
        out = add_context(prompt, suffix, blocks, budget)
        assert len(out) <= budget
        assert out.startswith("LOCAL PROMPT") and out.endswith(suffix)
    roomy = add_context(prompt, suffix, blocks, 100_000)
    assert SECTION_TITLE.strip() in roomy
    assert roomy.index("From f0.py, line 1:\n```python\ndef f0():") < roomy.index("SUFFIX")


def test_the_index_keeps_short_definitions_whole_and_long_ones_by_signature(tmp_path: Path) -> None:
    body = "".join(f"    x{i} = {i}\n" for i in range(400))
    (tmp_path / "lib.py").write_text(
        'def short(a):\n    """Short."""\n    return a\n\n\ndef long(b):\n    """Long one."""\n'
        + body
    )
    index = WorkspaceIndex([tmp_path])
    index.build()
    (short,) = index.lookup("short")
    (long,) = index.lookup("long")
    assert short.text == 'def short(a):\n    """Short."""\n    return a'
    assert (long.text, long.signature, long.doc, long.line) == (
        None,
        "def long(b):",
        "Long one.",
        6,
    )
    (tmp_path / "lib.py").write_text("def renamed():\n    pass\n")
    assert index.update(tmp_path / "lib.py")
    assert index.lookup("short") == [] and len(index.lookup("renamed")) == 1
