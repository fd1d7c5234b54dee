#!/usr/bin/env bash
# Installs the Debian packages ScaleLab needs when they are missing. Safe to run repeatedly.
#   libopenblas-dev: the training engine's matrix products (cblas_sgemm).
set -euo pipefail
packages=(libopenblas-dev)
missing=()
for p in "${packages[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "ensure-deps: installing ${missing[*]}" >&2
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
