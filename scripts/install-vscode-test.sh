#!/usr/bin/env bash
# Installs what the VS Code extension's build and end-to-end tests need, on
# Debian 12 as root (CI) or as a user who already has the apt packages:
#   bash scripts/install-vscode-test.sh
# Idempotent: every step checks first and does nothing when already done.
#
#   - apt: build tools and headers for code-server's native modules, ripgrep,
#     chromium (the browser that connects to code-server);
#   - clients/vscode/node_modules (npm ci, from the committed package-lock.json);
#   - clients/vscode/.test-tools/: code-server and puppeteer-core (gitignored).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
EXT="$(pwd)/clients/vscode"
TOOLS="$EXT/.test-tools"
CODE_SERVER_VERSION="4.100.3"    # VS Code 1.100.3; newer code-server needs Node 24
PUPPETEER_VERSION="24.10.0"
RIPGREP_VERSION="1.15.11"        # the @vscode/ripgrep that code-server 4.100.3 pulls in

node -e 'process.exit(Number(Number(process.versions.node.split(".")[0]) < 20))' || {
    echo "Node 20 or newer is needed; node is $(node --version 2>&1)." >&2
    exit 1
}

# -- apt packages ------------------------------------------------------------------
APT_PACKAGES=(build-essential pkg-config libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev ripgrep chromium)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
    if [[ $(id -u) -ne 0 ]]; then
        echo "Missing apt packages: ${missing[*]}; run this script as root or install them." >&2
        exit 1
    fi
    echo "apt-get install ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# -- the extension's own dependencies ---------------------------------------------------
if [[ ! -d "$EXT/node_modules" || "$EXT/package-lock.json" -nt "$EXT/node_modules/.package-lock.json" ]]; then
    echo "npm ci in clients/vscode"
    (cd "$EXT" && npm ci --no-audit --no-fund)
fi

# -- code-server and puppeteer-core in .test-tools ---------------------------------------
if [[ ! -x "$TOOLS/node_modules/.bin/code-server" ]] \
    || [[ "$(node -p "require('$TOOLS/node_modules/code-server/package.json').version" 2>/dev/null)" != "$CODE_SERVER_VERSION" ]] \
    || [[ ! -d "$TOOLS/node_modules/puppeteer-core" ]]; then
    # @vscode/ripgrep downloads rg from GitHub in its postinstall unless its
    # cache already holds the archive: give it Debian's rg instead.
    cache="${TMPDIR:-/tmp}/vscode-ripgrep-cache-$RIPGREP_VERSION"
    archive="$cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
    if [[ ! -s "$archive" ]]; then
        mkdir -p "$cache"
        tar -czf "$archive" -C /usr/bin rg
    fi
    mkdir -p "$TOOLS"
    [[ -f "$TOOLS/package.json" ]] || echo '{"name": "poe-lsp-vscode-test-tools", "private": true}' >"$TOOLS/package.json"
    echo "npm install code-server@$CODE_SERVER_VERSION puppeteer-core@$PUPPETEER_VERSION into $TOOLS (about 90 s the first time)"
    (cd "$TOOLS" && npm_config_unsafe_perm=true npm_config_yes=true \
        npm install --no-audit --no-fund "code-server@$CODE_SERVER_VERSION" "puppeteer-core@$PUPPETEER_VERSION")
fi

# (Not `code-server --version`: that writes ~/.config/code-server/config.yaml.)
echo "code-server $(node -p "require('$TOOLS/node_modules/code-server/package.json').version"), puppeteer-core $(node -p "require('$TOOLS/node_modules/puppeteer-core/package.json').version")"
echo "VS Code test tools are ready in $TOOLS"
