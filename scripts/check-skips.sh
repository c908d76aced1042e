#!/usr/bin/env bash
# Refuses, under CI, every switch that skips tests on purpose:
#   bash scripts/check-skips.sh
# A POE_LSP_SKIP_* variable (such as POE_LSP_SKIP_VSCODE=1) lets a developer
# without the tools skip a part of the suite, and the run still passes; in CI
# (CI=true or CI=1) that would hide a part that was never run, so it fails here.
# Outside CI it only says what will be skipped. Called first by scripts/test.sh.
set -euo pipefail

switches="$(compgen -e | grep '^POE_LSP_SKIP_' || true)"
if [[ -z "$switches" ]]; then
    echo "no skip switch is set"
    exit 0
fi
set_ones="$(for name in $switches; do printf '%s=%s ' "$name" "${!name}"; done)"
case "${CI:-}" in
    [Tt][Rr][Uu][Ee] | 1)
        echo "CI=${CI}: refusing to skip tests on purpose (${set_ones% }); unset it and install what the tests need." >&2
        exit 1
        ;;
esac
echo "skipping on purpose: ${set_ones% } (refused when CI=true)"
