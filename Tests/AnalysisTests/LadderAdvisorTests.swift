import Foundation
import LawFitting
import ScalingLaws
import XCTest

@testable import Analysis

/// `ladder suggest` (`LadderAdvisor`): the suggestion's invariants, and its expected shrinkage
/// checked by simulation: ladders drawn again and again from a known law, fitted with and without
/// the suggested run, the forecast's spread measured.
final class LadderAdvisorTests: XCTestCase {
    /// The truth: a Chinchilla law at the scale of our byte-level ladders.
    static let truth = ChinchillaParameters(E: 1.2, A: 40, B: 120, alpha: 0.34, beta: 0.30)
    /// Noise on ln L: 1%, about what our ladders' fits leave.
    static let sigma = 0.01
    /// The target budget: 30× the ladder's largest.
    static let target = 1e14

    /// An IsoFLOP ladder like the demo's: 4 budgets from 1e11 to 3e12 FLOPs, 5 sizes each from
    /// the truth's N_opt / √10 to N_opt · √10, plus `extra` runs; each loss with fresh noise.
    static func ladder(seed: UInt64, extra: [(N: Double, D: Double)] = []) -> [Observation] {
        var rng = SplitMix64(seed: seed)
        var design: [(N: Double, D: Double)] = []
        for C in [1e11, 3e11, 1e12, 3e12] {
            let optimal = truth.optimalParameters(compute: C)
            for e in [-0.5, -0.25, 0, 0.25, 0.5] {
                let N = optimal * pow(10, e)
                design.append((N, C / (6 * N)))
            }
        }
        return (design + extra).map { p in
            Observation(parameters: p.N, tokens: p.D, loss: truth.loss(parameters: p.N, tokens: p.D) * exp(sigma * rng.nextGaussian()))
        }
    }

    /// The forecast a fit of `runs` makes at the target: the compute-optimal loss.
    static func forecast(_ runs: [Observation]) throws -> Double {
        let c = ChinchillaParameters(try LawFitter.fit(ChinchillaLaw(), to: FitData(runs)).parameters)
        let N = c.optimalParameters(compute: target)
        return c.loss(parameters: N, tokens: target / (6 * N))
    }

    static func suggestion(seed: UInt64) throws -> LadderSuggestion {
        let runs = ladder(seed: seed)
        let data = FitData(runs)
        let fit = try LawFitter.fit(ChinchillaLaw(), to: data)
        let refits = try Bootstrap.run(fit, data: data, options: BootstrapOptions(samples: 100, seed: seed))
        return try LadderAdvisor.suggest(fit: ChinchillaParameters(fit.parameters), refits: refits.samples, measurements: runs,
                                         budget: target)
    }

    func testTheSuggestionIsRankedAndEveryCandidateNarrowsTheInterval() throws {
        let s = try Self.suggestion(seed: 1)
        XCTAssertEqual(s.budget, Self.target)
        XCTAssertTrue(s.interval[0] < s.forecast && s.forecast < s.interval[1], "\(s.interval) around \(s.forecast)")
        XCTAssertEqual(s.runs, 20)
        XCTAssertEqual(s.refits, 100)
        XCTAssertEqual(s.residualSigma, Self.sigma, accuracy: 0.5 * Self.sigma, "the fit's residual σ is the noise's")
        XCTAssertFalse(s.candidates.isEmpty)
        XCTAssertEqual(s.candidates.map(\.shrinkagePerPetaFLOP), s.candidates.map(\.shrinkagePerPetaFLOP).sorted(by: >))
        for c in s.candidates {
            XCTAssertTrue(c.shrinkage >= 0 && c.shrinkage < 1, "\(c)")
            XCTAssertLessThanOrEqual(c.widthAfter, s.width)
            XCTAssertLessThanOrEqual(c.compute, 10 * 3e12 * 1.0001, "no candidate beyond 10× the ladder")
            XCTAssertEqual(6 * c.parameters * c.tokens, c.compute, accuracy: 1e-6 * c.compute)
        }
        XCTAssertEqual(s.largestShrinkage.shrinkage, s.candidates.map(\.shrinkage).max())
        // A run beyond the ladder, near the target's allocation, tells the most about the forecast.
        XCTAssertGreaterThan(s.largestShrinkage.compute, 3e12)
    }

    /// The expected shrinkage against the measured one: over 60 fresh ladders, the spread of the
    /// forecast with the suggested run added against without it. Measured (seed 1, release): the
    /// best run per FLOP (N 1.9e5, D 2e5) expected 0.203, measured 0.264; the largest shrinkage (N
    /// 2.4e5, D 2.1e7) expected 0.443, measured 0.514: the approximation is a little conservative.
    func testTheExpectedShrinkageMatchesSimulation() throws {
        let s = try Self.suggestion(seed: 1)
        func spread(_ extra: [(N: Double, D: Double)]) throws -> Double {
            let f = try (0..<60).map { try Self.forecast(Self.ladder(seed: 1000 + UInt64($0), extra: extra)) }
            let m = f.reduce(0, +) / Double(f.count)
            return (f.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(f.count - 1)).squareRoot()
        }
        let without = try spread([])
        var lines: [String] = []
        for c in [s.best, s.largestShrinkage] {
            let with = try spread([(c.parameters, c.tokens)])
            let measured = 1 - with / without
            lines.append(String(format: "N %.3g D %.3g C %.3g: expected shrinkage %.3f, measured %.3f", c.parameters, c.tokens, c.compute,
                                c.shrinkage, measured))
            XCTAssertEqual(measured, c.shrinkage, accuracy: 0.15, lines.last!)
        }
        print("ladder suggest, simulated: forecast spread without the run \(without); " + lines.joined(separator: "; "))
    }

    func testBadInputIsRefusedWithWhatToDo() throws {
        let runs = Self.ladder(seed: 2)
        let fit = Self.truth
        let refits = (0..<30).map { _ in fit.vector }
        XCTAssertThrowsError(try LadderAdvisor.suggest(fit: fit, refits: refits, measurements: Array(runs.prefix(4)), budget: 1e14)) {
            XCTAssertTrue("\($0)".contains("at least 6 finished runs"), "\($0)")
        }
        XCTAssertThrowsError(try LadderAdvisor.suggest(fit: fit, refits: Array(refits.prefix(5)), measurements: runs, budget: 1e14)) {
            XCTAssertTrue("\($0)".contains("--bootstrap"), "\($0)")
        }
        XCTAssertThrowsError(try LadderAdvisor.suggest(fit: fit, refits: refits, measurements: runs, budget: -1)) {
            XCTAssertTrue("\($0)".contains("--budget"), "\($0)")
        }
        // Refits that all agree: no interval to shrink.
        XCTAssertThrowsError(try LadderAdvisor.suggest(fit: fit, refits: refits, measurements: runs, budget: 1e14)) {
            XCTAssertTrue("\($0)".contains("no width"), "\($0)")
        }
    }
}
