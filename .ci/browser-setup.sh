#!/usr/bin/env bash
# Installs what the browser tests (internal/web/browsertest) need from
# Debian's packages: Chromium, and CJK fonts so Chinese pages render (and
# screenshots show text, not boxes). Idempotent and quiet: it does nothing
# when both are there. The tests skip, saying why, when Chromium is missing.
set -euo pipefail

pkgs=(chromium fonts-noto-cjk)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "browser-setup: $(chromium --version 2>/dev/null || echo chromium) and fonts-noto-cjk already installed"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "browser-setup: need root (or sudo) to install ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "browser-setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >/dev/null
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "browser-setup: $(chromium --version 2>/dev/null || echo 'chromium installed')"
