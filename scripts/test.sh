#!/usr/bin/env bash
# Runs every test of poe-lsp on a fresh machine (Debian 12, Python 3.11+):
#   bash scripts/test.sh [extra pytest arguments]
# It creates .venv in the repository if it is missing, installs the package
# with its test dependencies, then lints, type-checks and runs the test suite.
# Works from any directory; exits non-zero at the first failing step.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$(pwd)"
VENV="$ROOT/.venv"
BIN="$VENV/bin"
CURRENT="start-up"

step() {
    CURRENT="$1"
    printf '\n==> %s\n' "$1"
}

on_error() {
    printf '\nFAILED: %s\n' "$CURRENT" >&2
}
trap on_error ERR

# -- 0. Nothing skipped on purpose in CI -----------------------------------------

step "Skip switches (POE_LSP_SKIP_*; refused when CI=true)"
bash "$ROOT/scripts/check-skips.sh"

# -- 1. Python environment -------------------------------------------------------

step "Python environment ($VENV)"
if [[ ! -x "$BIN/python" ]]; then
    python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
        echo "poe-lsp needs Python 3.11 or newer; python3 is $(python3 --version 2>&1)." >&2
        false
    }
    python3 -m venv "$VENV"
    echo "created"
else
    echo "exists"
fi
"$BIN/python" --version

step "Install poe-lsp with its test dependencies (pip install -e .[test])"
"$BIN/python" -m pip install --quiet --disable-pip-version-check --no-input -e ".[test]"
"$BIN/poe-lsp" --version

# -- 2. Static checks ------------------------------------------------------------

step "Lint: ruff check"
"$BIN/ruff" check server tests bench

step "Format: ruff format --check"
"$BIN/ruff" format --check server tests bench

step "Types: mypy (strict, configured in pyproject.toml)"
"$BIN/mypy"

step "Layers: lint-imports (the import-linter contracts in pyproject.toml)"
(cd "$ROOT" && PATH="$BIN:$PATH" "$BIN/lint-imports" --no-cache)

# -- 3. Tests --------------------------------------------------------------------

step "Editors for the client tests: Neovim 0.11.4, Emacs + eglot + lsp-mode, Vim + ALE (scripts/install-editors.sh)"
bash "$ROOT/scripts/install-editors.sh" "$VENV"

step "VS Code extension: tools, tsc --strict, unit tests (scripts/install-vscode-test.sh)"
bash "$ROOT/scripts/install-vscode-test.sh"
(cd "$ROOT/clients/vscode" && npx --no-install tsc -p . --noEmit && npm run --silent test:unit)

step "Tests: pytest (-rs: the reason for every skip is printed)"
status=0
"$BIN/pytest" -q -rs -p no:cacheprovider "$@" || status=$?
if [[ $status -eq 5 ]]; then
    echo "pytest collected no tests, which counts as a failure." >&2
    CURRENT="pytest (no tests collected)"
    false
elif [[ $status -ne 0 ]]; then
    CURRENT="pytest (exit status $status)"
    false
fi

trap - ERR
printf '\nAll checks passed.\n'
