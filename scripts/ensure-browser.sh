#!/usr/bin/env bash
# Installs Debian's headless-capable Chromium when no Chromium is on PATH, for the report's
# browser test (Tests/ReportTests/BrowserTests.swift). Opt-in: `make test` does not need it
# unless SCALELAB_REQUIRE_BROWSER is set. Safe to run repeatedly.
set -euo pipefail
for name in chromium chromium-browser google-chrome google-chrome-stable; do
    if command -v "$name" >/dev/null 2>&1; then exit 0; fi
done
echo "ensure-browser: installing chromium" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
