"""Benchmarks of poe-lsp (``python -m bench``; see README "Performance")."""

import sys
from pathlib import Path

# The fake Poe is test support (tests/fakepoe.py), not part of the package:
# the benchmarks reach it, and the scripted editor, from the repository.
_TESTS = str(Path(__file__).resolve().parent.parent / "tests")
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)
