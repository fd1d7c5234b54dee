import Foundation
import LawFitting
import ScalingLaws
import XCTest

/// The simulation that chose approach 2's default vertex method (docs/science.md, §Chinchilla
/// approaches; benchmarks/vertex): IsoFLOP sweeps drawn from a known Chinchilla surface with
/// multiplicative noise, each budget's ladder placed so the true optimum sits at a chosen fraction
/// of its span, and each method's a compared with the true β/(α+β).
///
/// The test runs a few replicates; `SCALELAB_VERTEX_STUDY=REPLICATES[,BOOTSTRAP]` runs the full
/// study and prints its table (`benchmarks/vertex/run.sh`).
final class VertexStudyTests: XCTestCase {
    /// One way of placing a ladder: the optimum's fraction of the span at the smallest and the
    /// largest budget (linear in log C between them).
    struct Placement {
        var name: String
        var first: Double
        var last: Double
    }

    /// One method's record over the replicates.
    struct Score {
        var estimates: [Double] = []
        var covered = 0
        var intervals = 0
        var failed = 0

        func bias(_ truth: Double) -> Double { estimates.reduce(0, +) / Double(max(estimates.count, 1)) - truth }
        func rmse(_ truth: Double) -> Double {
            (estimates.map { ($0 - truth) * ($0 - truth) }.reduce(0, +) / Double(max(estimates.count, 1))).squareRoot()
        }
    }

    static let surfaces: [(name: String, law: ChinchillaParameters)] = [
        ("Hoffmann", PublishedLaws.hoffmann2022),
        ("Epoch", PublishedLaws.epoch2024),
        ("alpha<beta", ChinchillaParameters(E: 1.8, A: 250, B: 3000, alpha: 0.25, beta: 0.42)),
    ]

    static let placements = [
        Placement(name: "centred", first: 0.5, last: 0.5),
        Placement(name: "1/4", first: 0.25, last: 0.25),
        Placement(name: "3/4", first: 0.75, last: 0.75),
        Placement(name: "1/4→3/4", first: 0.25, last: 0.75),
        Placement(name: "3/4→1/4", first: 0.75, last: 0.25),
    ]

    static let methods: [VertexMethod] = [.parabola, .window(5), .spline]

    /// One sweep: `budgets` budgets log-spaced over 1e18…1e21 FLOPs, `sizes` sizes per budget over
    /// `span` decades of N, C = 6ND, losses × exp(σ·z).
    static func sweep(_ law: ChinchillaParameters, placement: Placement, sizes: Int, span: Double = 1.2,
                      budgets: Int = 6, noise: Double, rng: inout SplitMix64) -> [IsoFLOPRun] {
        var runs: [IsoFLOPRun] = []
        for b in 0..<budgets {
            let t = Double(b) / Double(budgets - 1)
            let C = pow(10, 18 + 3 * t)
            let fraction = placement.first + (placement.last - placement.first) * t
            let lowest = log10(law.optimalParameters(compute: C)) - fraction * span
            for i in 0..<sizes {
                let N = pow(10, lowest + span * Double(i) / Double(sizes - 1)), D = C / (6 * N)
                runs.append(IsoFLOPRun(parameters: N, tokens: D, compute: C,
                                       loss: law.loss(parameters: N, tokens: D) * exp(noise * rng.nextGaussian())))
            }
        }
        return runs
    }

    /// Every method on `replicates` sweeps of one cell.
    static func cell(_ law: ChinchillaParameters, placement: Placement, sizes: Int, noise: Double, replicates: Int,
                     bootstrap: Int, seed: UInt64) -> [Score] {
        var scores = [Score](repeating: Score(), count: methods.count)
        for r in 0..<replicates {
            var rng = SplitMix64(seed: seed, stream: UInt64(r))
            let runs = sweep(law, placement: placement, sizes: sizes, noise: noise, rng: &rng)
            for (m, method) in methods.enumerated() {
                let fit = Approaches.isoFLOP(runs, vertex: method, bootstrap: bootstrap, seed: UInt64(r)).allocation
                guard let fit else { scores[m].failed += 1; continue }
                scores[m].estimates.append(fit.a)
                if let i = fit.aInterval {
                    scores[m].intervals += 1
                    if i[0] <= law.a && law.a <= i[1] { scores[m].covered += 1 }
                }
            }
        }
        return scores
    }

    /// Noise-free, centred ladders: every method recovers a closely on every surface.
    func testEveryMethodRecoversTheExponentOnCentredLadders() throws {
        for (name, law) in Self.surfaces {
            var rng = SplitMix64(seed: 1)
            let runs = Self.sweep(law, placement: Self.placements[0], sizes: 7, noise: 0, rng: &rng)
            for method in Self.methods {
                let iso = Approaches.isoFLOP(runs, vertex: method)
                XCTAssertEqual(iso.budgets.filter(\.used).count, 6, "\(name), \(method)")
                XCTAssertEqual(try XCTUnwrap(iso.exponent, "\(name), \(method)"), law.a, accuracy: 0.01, "\(name), \(method)")
            }
        }
    }

    /// The direction of the parabola's bias off-centre, noise-free. Along an IsoFLOP, loss − E is
    /// the same shape in log N at every budget (two exponentials whose ratio at the optimum is
    /// β/α), only scaled; a parabola's vertex is pulled towards the side the ladder reaches further
    /// into, so with the optimum at 1/4 of the span it lies above the vertex with the optimum at
    /// 3/4. The same placement at every budget shifts every vertex alike and leaves a exact; a
    /// placement drifting from 1/4 to 3/4 pulls the small budgets' vertices up and the large ones'
    /// down, so a is underestimated, and the reverse drift overestimates it, on both a surface with
    /// α > β and one with α < β. (Noise-free the bias is ~0.001–0.002: small beside a 1% noise's.)
    func testOffCentreBiasDirection() throws {
        for law in [PublishedLaws.hoffmann2022, Self.surfaces[2].law] {
            var rng = SplitMix64(seed: 1)
            func analysis(_ p: Placement) -> IsoFLOPAnalysis {
                Approaches.isoFLOP(Self.sweep(law, placement: p, sizes: 7, noise: 0, rng: &rng))
            }
            func offset(_ p: Placement) throws -> Double {
                let v = try XCTUnwrap(analysis(p).parabolas.first?.optimalParameters)
                return log10(v) - log10(law.optimalParameters(compute: 1e18))
            }
            XCTAssertGreaterThan(try offset(Self.placements[1]) - offset(Self.placements[2]), 0.001, "\(law)")
            XCTAssertEqual(try XCTUnwrap(analysis(Self.placements[1]).exponent), law.a, accuracy: 1e-9, "same placement everywhere")
            XCTAssertLessThan(try XCTUnwrap(analysis(Self.placements[3]).exponent) - law.a, -0.0005, "\(law)")
            XCTAssertGreaterThan(try XCTUnwrap(analysis(Self.placements[4]).exponent) - law.a, 0.0005, "\(law)")
        }
    }

    /// A few replicates of the study with 1% noise: every method's estimate is unbiased to within
    /// its own spread on centred ladders (a sanity check; the comparison is the benchmark's).
    func testStudyCellIsSane() {
        let scores = Self.cell(PublishedLaws.epoch2024, placement: Self.placements[0], sizes: 7, noise: 0.01,
                               replicates: 8, bootstrap: 0, seed: 7)
        for (method, s) in zip(Self.methods, scores) {
            XCTAssertEqual(s.failed, 0, "\(method)")
            XCTAssertLessThan(abs(s.bias(PublishedLaws.epoch2024.a)), 3 * s.rmse(PublishedLaws.epoch2024.a) / 8.0.squareRoot() + 0.01, "\(method)")
        }
    }

    /// The full study with `SCALELAB_VERTEX_STUDY=REPLICATES[,BOOTSTRAP]` (benchmarks/vertex/run.sh):
    /// prints a Markdown table of bias, RMSE and coverage. Without it, the same code on a
    /// two-replicate slice (7 sizes, 1% noise), so that the table the benchmark prints is tested.
    func testFullStudy() throws {
        let environment = ProcessInfo.processInfo.environment
        let asked = environment["SCALELAB_VERTEX_STUDY"]
        let parts = (asked ?? "2,0").split(separator: ",").compactMap { Int($0) }
        let replicates = parts.first ?? 100, bootstrap = parts.count > 1 ? parts[1] : 0
        // Optional subsets: SCALELAB_VERTEX_STUDY_SIZES=7, SCALELAB_VERTEX_STUDY_NOISE=0.01.
        let sizeList = environment["SCALELAB_VERTEX_STUDY_SIZES"].map { $0.split(separator: ",").compactMap { Int($0) } }
            ?? (asked == nil ? [7] : [5, 7, 9])
        let noiseList = environment["SCALELAB_VERTEX_STUDY_NOISE"].map { $0.split(separator: ",").compactMap { Double($0) } }
            ?? (asked == nil ? [0.01] : [0.003, 0.01])
        var lines = ["| surface | sizes | noise | optimum at | method | bias | RMSE | coverage (90%) | failed |",
                     "|---|---:|---:|---|---|---:|---:|---:|---:|"]
        var totals = [Double](repeating: 0, count: Self.methods.count), cells = 0
        for (name, law) in Self.surfaces {
            for sizes in sizeList {
                for noise in noiseList {
                    for placement in Self.placements {
                        let scores = Self.cell(law, placement: placement, sizes: sizes, noise: noise,
                                               replicates: replicates, bootstrap: bootstrap, seed: 2026)
                        cells += 1
                        for (m, s) in scores.enumerated() {
                            totals[m] += s.rmse(law.a) * s.rmse(law.a)
                            let coverage = s.intervals == 0 ? "-" : String(format: "%.0f%%", 100 * Double(s.covered) / Double(s.intervals))
                            lines.append(String(format: "| %@ | %d | %.1f%% | %@ | %@ | %+.4f | %.4f | %@ | %d |",
                                                name, sizes, noise * 100, placement.name, Self.methods[m].description,
                                                s.bias(law.a), s.rmse(law.a), coverage, s.failed))
                        }
                    }
                }
            }
        }
        for (m, method) in Self.methods.enumerated() {
            lines.append("overall RMS of RMSE, \(method): " + String(format: "%.4f", (totals[m] / Double(cells)).squareRoot()))
        }
        print(lines.joined(separator: "\n"))
        XCTAssertEqual(lines.count, 2 + cells * Self.methods.count + Self.methods.count, "a row per cell and method, a total per method")
        XCTAssertTrue(totals.allSatisfy { $0.isFinite && $0 >= 0 }, "every method's RMSE is a number: \(totals)")
    }
}
