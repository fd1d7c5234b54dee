#!/usr/bin/env bash
# Builds the DocC documentation of every library target (swift-docc-plugin's
# `swift package generate-documentation`) and fails on any warning: an unresolved symbol link in a
# catalog or a doc comment, a documented parameter that does not exist, a malformed topic group, …
# The warnings are printed; the archives land in .build/plugins/Swift-DocC/outputs/<Target>.doccarchive.
#
#   bash scripts/check-docs.sh                  # all library targets
#   TARGETS="LawFitting" bash scripts/check-docs.sh
set -euo pipefail
cd "$(dirname "$0")/.."
TARGETS=${TARGETS:-"ScalingLaws LawFitting Trainer Lab Report Analysis Studies"}
start=$SECONDS
log=$(mktemp)
trap 'rm -f "$log"' EXIT
args=()
for t in $TARGETS; do args+=(--target "$t"); done
echo "check-docs: swift package generate-documentation ${args[*]} ..."
status=0
swift package generate-documentation "${args[@]}" >"$log" 2>&1 || status=$?
if [ $status -ne 0 ]; then
    cat "$log" >&2
    echo "check-docs: FAIL: generate-documentation exited with status $status" >&2
    exit 1
fi
# Each diagnostic is a "warning:" line, followed by DocC's context lines (source excerpt, notes).
if grep -qi "warning:" "$log"; then
    grep -i -A6 "warning:" "$log" >&2
    echo "check-docs: FAIL: $(grep -ci "warning:" "$log") documentation warning(s) above" >&2
    exit 1
fi
for t in $TARGETS; do
    archive=".build/plugins/Swift-DocC/outputs/$t.doccarchive"
    [ -d "$archive" ] || { cat "$log" >&2; echo "check-docs: FAIL: no $archive" >&2; exit 1; }
done
echo "check-docs: ok: $TARGETS documented with no warnings in $((SECONDS - start)) s (.build/plugins/Swift-DocC/outputs/)"
