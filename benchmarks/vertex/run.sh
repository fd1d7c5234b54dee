#!/usr/bin/env bash
# The simulation study behind approach 2's default vertex method (docs/science.md,
# §Chinchilla approaches): IsoFLOP sweeps drawn from known Chinchilla surfaces, each method's
# estimate of a against the true β/(α+β). Runs VertexStudyTests.testFullStudy through the
# library with more replicates than the test suite does, and prints a Markdown table.
#
#   bash benchmarks/vertex/run.sh [REPLICATES [BOOTSTRAP [CONFIGURATION]]]
#
# REPLICATES sweeps per cell (default 200), BOOTSTRAP resamples per sweep for the interval
# coverage (default 0: no coverage), CONFIGURATION debug or release (default release).
# SCALELAB_VERTEX_STUDY_SIZES=7 and SCALELAB_VERTEX_STUDY_NOISE=0.01 restrict the cells (the
# defaults are 5,7,9 sizes and 0.003,0.01 noise). The published numbers: 200 0 (bias, RMSE) and,
# for coverage, 30 40 with SIZES=7 NOISE=0.01 (benchmarks/README.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
replicates=${1:-200}
bootstrap=${2:-0}
configuration=${3:-release}
SCALELAB_VERTEX_STUDY="$replicates,$bootstrap" swift test -c "$configuration" \
    --filter VertexStudyTests/testFullStudy 2>&1 | grep -E '^\||^overall|error|failed'
