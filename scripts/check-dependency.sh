#!/usr/bin/env bash
# Proves that ScaleLab's libraries can be depended on the way Swift users depend on packages: by
# a version tag. Clones this repository's HEAD (committed state only) into a temporary folder,
# tags the clone 1.0.0 (after deleting its other tags, so `from: "1.0.0"` can only pick that
# commit), and creates a throwaway package that depends on it with
# `.package(url: "file:///…/ScaleLab", from: "1.0.0")` and imports ScalingLaws and LawFitting.
# Its main.swift is the Swift code blocks of the getting-started article
# (Sources/LawFitting/LawFitting.docc/GettingStarted.md), joined in order, followed by checks:
# the Chinchilla law fitted to points drawn from known constants must recover them, and the
# plans made with it must be consistent. Built and run in debug and in release.
#
# Fails (non-zero, with SwiftPM's message) if SwiftPM refuses the dependency, e.g. because a
# target has unsafeFlags again; if the article's code no longer compiles; or if a check fails.
#
#   bash scripts/check-dependency.sh                   # HEAD
#   SCALELAB_REF=<commit> bash scripts/check-dependency.sh   # another commit
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
ref=${SCALELAB_REF:-HEAD}
article="$root/Sources/LawFitting/LawFitting.docc/GettingStarted.md"
start=$SECONDS
say() { echo "check-dependency: $*"; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
[ -n "${KEEP:-}" ] && trap - EXIT && say "keeping $work"

commit=$(git -C "$root" rev-parse "$ref")
if [ "$ref" = HEAD ] && [ -n "$(git -C "$root" status --porcelain --untracked-files=no)" ]; then
    say "note: uncommitted changes are not checked (the clone is of HEAD, $commit)"
fi
git clone --quiet --no-checkout "$root" "$work/ScaleLab"
git -C "$work/ScaleLab" checkout --quiet --detach "$commit"
git -C "$work/ScaleLab" tag -l | xargs -r git -C "$work/ScaleLab" tag -d >/dev/null
git -C "$work/ScaleLab" tag 1.0.0
say "cloned ScaleLab $commit to $work/ScaleLab and tagged it 1.0.0"

mkdir -p "$work/Consumer/Sources/Consumer"
cat > "$work/Consumer/Package.swift" <<EOF
// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Consumer",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(url: "file://$work/ScaleLab", from: "1.0.0"),
    ],
    targets: [
        .executableTarget(
            name: "Consumer",
            dependencies: [
                .product(name: "ScalingLaws", package: "ScaleLab"),
                .product(name: "LawFitting", package: "ScaleLab"),
            ]
        ),
    ]
)
EOF

# The article's ```swift blocks (not the plain ``` Package.swift excerpt), from the cloned commit.
main="$work/Consumer/Sources/Consumer/main.swift"
if ! git -C "$work/ScaleLab" show "$commit:Sources/LawFitting/LawFitting.docc/GettingStarted.md" > "$work/article.md" 2>/dev/null; then
    # An older commit (SCALELAB_REF): the working tree's article, to see whether SwiftPM accepts that commit.
    say "note: $commit has no getting-started article; using the working tree's"
    cp "$article" "$work/article.md"
fi
awk '/^```swift[[:space:]]*$/ { inside = 1; next } /^```/ { if (inside) print ""; inside = 0; next } inside { print }' \
    "$work/article.md" > "$main"
blocks=$(grep -c '^```swift' "$work/article.md" || true)
[ "$blocks" -gt 0 ] || { say "FAIL: no swift code blocks in the article" >&2; exit 1; }
say "main.swift: the $blocks swift code blocks of ${article#"$root"/} ($(wc -l <"$main") lines), then the checks below"
cat >> "$main" <<'EOF'
// ---- Checks appended by scripts/check-dependency.sh ----
var failures = 0
@MainActor func check(_ what: String, _ ok: Bool) {
    print("check-dependency: \(ok ? "ok  " : "FAIL") \(what)")
    if !ok { failures += 1 }
}
func relative(_ x: Double, _ y: Double) -> Double { abs(x - y) / abs(y) }

// The fitted constants against the ones the points were drawn from (0.2% noise on 25 points
// pins the exponents and E tightly; A and B trade off with the exponents, so looser).
let tolerance: [String: Double] = ["E": 0.01, "A": 0.25, "B": 0.25, "alpha": 0.03, "beta": 0.03]
for name in ["E", "A", "B", "alpha", "beta"] {
    let got = fit.law[name]!, want = law[name]!
    check("recovered \(name) = \(got), true \(want): error \(relative(got, want)) ≤ \(tolerance[name]!)",
          relative(got, want) <= tolerance[name]!)
}
check("the best start converged (\(fit.status.rawValue)), \(fit.convergedStarts) of \(fit.starts) starts",
      fit.status.isConverged)
check("allocation exponent a = \(fitted.a) within 0.01 of the true \(truth.a)", abs(fitted.a - truth.a) <= 0.01)
for name in ["alpha", "beta"] {
    let interval = intervals[name] ?? []
    check("90% bootstrap interval of \(name) \(interval) is finite and brackets the fit",
          interval.count == 2 && interval[0].isFinite && interval[1].isFinite
              && interval[0] <= fit.law[name]! && fit.law[name]! <= interval[1])
}
check("bootstrap refitted \(bootstrap.samples.count) of 40 resamples", bootstrap.samples.count >= 38)
let truePlan = try truth.computeOptimalPlan(compute: budget)
check("plan at C = \(budget): 6·N·D = C", relative(6 * plan.parameters * plan.tokens, budget) < 1e-9)
check("fitted N_opt \(plan.parameters) within 10% of the true law's \(truePlan.parameters)",
      relative(plan.parameters, truePlan.parameters) <= 0.1)
check("fitted plan's loss \(plan.loss) within 0.5% of the true law's \(truePlan.loss)",
      relative(plan.loss, truePlan.loss) <= 0.005)
check("minimumCompute(targetLoss: 2.2) reaches loss \(cheapest.loss)", abs(cheapest.loss - 2.2) < 1e-9)
check("Planner's compute-optimal plan equals computeOptimalPlan", report.computeOptimal == plan)
check("the inference-aware plan exists and costs no more lifetime FLOPs",
      (report.inferenceAware?.totalComputeRatio ?? 2) <= 1 + 1e-12)
if failures > 0 {
    print("check-dependency: \(failures) check(s) failed")
    exit(1)
}
EOF

cd "$work/Consumer"
log="$work/swiftpm.log"
for config in debug release; do
    t0=$SECONDS
    say "swift build -c $config (resolving ScaleLab 1.0.0 from the tagged clone) ..."
    if ! swift build -c "$config" >"$log" 2>&1; then
        cat "$log" >&2
        say "FAIL: SwiftPM could not build a package that depends on ScaleLab by version ($config)." >&2
        grep -qi "unsafe" "$log" && say "(a target of ScaleLab uses unsafeFlags, which SwiftPM refuses in a versioned dependency)" >&2
        exit 1
    fi
    if [ "$config" = debug ]; then
        say "resolved: scalelab $(grep -A8 '"identity" : "scalelab"' Package.resolved | grep -o '"version" : "[^"]*"' || echo '(version not found in Package.resolved)')"
    fi
    t1=$SECONDS
    say "running the article's code and the checks ($config build, built in $((t1 - t0)) s):"
    if ! "$(swift build -c "$config" --show-bin-path)/Consumer" > "$work/run.log" 2>&1; then
        sed 's/^/    /' "$work/run.log"
        say "FAIL ($config): see above" >&2
        exit 1
    fi
    if [ "$config" = debug ]; then
        say "the article's output:"
        grep -v '^check-dependency:' "$work/run.log" | sed 's/^/    /'
        say "the checks:"
    fi
    grep '^check-dependency:' "$work/run.log" | sed 's/^check-dependency: /    /'
    say "$config: all checks passed (run $((SECONDS - t1)) s)"
done
say "ok: ScaleLab $commit works as a versioned dependency (debug and release), in $((SECONDS - start)) s"
