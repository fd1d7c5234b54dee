import Foundation
@testable import LawFitting
import ScalingLaws
import XCTest

/// Rolling back-tests (fit on the budgets up to k, predict k+1) and the forecast interval they
/// widen for the error of a law's form.
final class RollingBacktestTests: XCTestCase {
    /// Runs of an IsoFLOP ladder (5 sizes at each of `budgets` budgets 3e10–3e12 FLOPs apart
    /// evenly in log) with losses from `loss`, times exp(σ·z).
    func ladder(budgets: Int = 4, noise: Double = 0, seed: UInt64 = 1,
                loss: (Double, Double) -> Double) -> FitData {
        var rng = SplitMix64(seed: seed)
        var out: [Observation] = []
        for i in 0..<budgets {
            let C = 3e10 * pow(100, Double(i) / Double(budgets - 1))
            let nOpt = Self.truth.optimalParameters(compute: C)
            for j in 0..<5 {
                let N = nOpt * pow(10, -0.5 + 0.25 * Double(j)), D = C / (6 * N)
                out.append(Observation(parameters: N, tokens: D, compute: C * (1 + 1e-4 * Double(j)),
                                       loss: loss(N, D) * exp(noise * rng.nextGaussian())))
            }
        }
        return FitData(out)
    }

    /// The demo's own fit (README): steep exponents, E ≈ 1.5.
    static let truth = ChinchillaParameters(E: 1.495, A: 60.36, B: 5662, alpha: 0.5497, beta: 0.7341)

    /// Runs a few parts in 1e4 apart in C are one budget; each budget predicted once the budgets
    /// below it hold more points than the law has parameters.
    func testBudgetsAndStepsFollowTheLadder() throws {
        let data = ladder(budgets: 5) { Self.truth.loss(parameters: $0, tokens: $1) }
        let groups = RollingBacktest.budgets(data, for: ChinchillaLaw(), tolerance: 0.01)
        XCTAssertEqual(groups.map(\.count), [5, 5, 5, 5, 5])
        XCTAssertEqual(RollingBacktest.budgets(data, for: ChinchillaLaw(), tolerance: 0).count, 25, "no tolerance: every C its own")
        let result = try RollingBacktest.run(ChinchillaLaw(), data: data)
        XCTAssertEqual(result.steps.map(\.points), [10, 15, 20], "5 points do not fit 5 parameters")
        XCTAssertEqual(result.steps.map(\.runs), [5, 5, 5])
        for s in result.steps {
            XCTAssertEqual(s.distance, log(100.0) / 4, accuracy: 1e-3)
            XCTAssertLessThan(abs(s.meanLogError), 1e-4, "the right form on exact losses predicts the next budget")
        }
        // The right form widens nothing: the interval is the noise interval.
        let widened = try XCTUnwrap(result.formInterval([1.5, 1.6], compute: 1.2e13))
        XCTAssertEqual(widened[0], 1.5, accuracy: 1e-3)
        XCTAssertEqual(widened[1], 1.6, accuracy: 1e-3)
        XCTAssertThrowsError(try RollingBacktest.run(ChinchillaLaw(), data: data, tolerance: -1))
    }

    /// The widening, by hand: rates of +0.02 and −0.01 per unit of ln C, a forecast ln 4 beyond
    /// the ladder: the law may be 0.02·ln 4 too high and 0.01·ln 4 too low in log.
    func testTheIntervalWidensByEachRateTimesTheDistance() throws {
        let step = { (e: Double) in
            RollingBacktestResult.Step(fittedThrough: 1e11, compute: 1e11 * exp(1.0), points: 10, runs: 2, logErrors: [e, e])
        }
        let result = RollingBacktestResult(budgets: [1e10, 1e11, 1e12], steps: [step(0.02), step(-0.01)])
        let widened = try XCTUnwrap(result.formInterval([1.5, 1.6], compute: 4e12))
        XCTAssertEqual(widened[0], 1.5 * exp(-0.02 * log(4.0)), accuracy: 1e-12)
        XCTAssertEqual(widened[1], 1.6 * exp(0.01 * log(4.0)), accuracy: 1e-12)
        XCTAssertEqual(result.formInterval([1.5, 1.6], compute: 1e12), [1.5, 1.6], "no extrapolation, no widening")
        XCTAssertNil(RollingBacktestResult(budgets: [1e12], steps: []).formInterval([1.5, 1.6], compute: 4e12))
    }

    /// A form Chinchilla's cannot express: a third, slowly decaying term `c/C^γ`. The back-tests
    /// measure errors well beyond the noise, and the widened interval at 4× the ladder holds both
    /// the bootstrap interval and the true loss there.
    func testAWrongFormIsSeenByTheBacktestsAndWidensTheInterval() throws {
        let truth = Self.truth
        let loss = { (N: Double, D: Double) in truth.loss(parameters: N, tokens: D) - 0.9 + 2.0 * pow(6 * N * D, -0.03) }
        let data = ladder(noise: 0.003, seed: 3, loss: loss)
        let result = try RollingBacktest.run(ChinchillaLaw(), data: data)
        XCTAssertEqual(result.steps.count, 2)
        XCTAssertGreaterThan(result.steps.map { abs($0.meanLogError) }.max()!, 0.002, "\(result.steps.map(\.logErrors))")

        let fit = try LawFitter.fit(ChinchillaLaw(), to: data)
        let boot = try Bootstrap.run(fit, data: data, options: BootstrapOptions(samples: 100, seed: 1))
        let C = 4 * result.largestBudget
        let (N, D) = (truth.optimalParameters(compute: C), truth.optimalTokens(compute: C))
        let noise = try XCTUnwrap(BootstrapResult.percentileInterval(
            boot.samples.map { ChinchillaParameters($0).loss(parameters: N, tokens: D) }, level: 0.9))
        let widened = try XCTUnwrap(result.formInterval(noise, compute: C))
        XCTAssertTrue(widened[0] <= noise[0] && noise[1] <= widened[1], "\(widened) holds \(noise)")
        XCTAssertGreaterThan(widened[1] - widened[0], noise[1] - noise[0])
        XCTAssertTrue(widened[0] <= loss(N, D) && loss(N, D) <= widened[1], "\(widened) holds \(loss(N, D))")
    }

    /// Approach 3's coarse grid: every axis thinned to its ends and middle, over the same box.
    func testTheCoarseGridThinsEveryAxisToThreeValues() throws {
        let coarse = try FitOptions().coarseStartPoints(for: ChinchillaLaw())
        XCTAssertEqual(try FitOptions().startPoints(for: ChinchillaLaw()).count, 4_500)
        XCTAssertEqual(coarse.count, 243)
        XCTAssertEqual(Set(coarse.map { $0[0] }), [-1, 0, 1], "log E")
        XCTAssertEqual(Set(coarse.map { $0[1] }), [0, 10, 25], "log A")
        XCTAssertEqual(Set(coarse.map { $0[3] }), [0, 1, 2], "alpha")
        var options = FitOptions()
        options.grid = ["alpha": [0.3, 0.4]]
        XCTAssertEqual(Set(try options.coarseStartPoints(for: ChinchillaLaw()).map { $0[3] }), [0.3, 0.4], "short axes stay")
    }

    /// Warm back-tests (each step after the first from the step before's best starts and the
    /// coarse grid) predict
    /// what the full 4,500-start grid predicts, step by step, on noisy ladders of the right form
    /// and of a form Chinchilla's cannot express, with 4 and 6 budgets: the shortcut finds the
    /// same optimum of every truncated ladder, at a fraction of the starts.
    func testWarmBacktestsMatchTheFullGrid() throws {
        let truth = Self.truth
        let right = { (N: Double, D: Double) in truth.loss(parameters: N, tokens: D) }
        let wrong = { (N: Double, D: Double) in truth.loss(parameters: N, tokens: D) - 0.9 + 2.0 * pow(6 * N * D, -0.03) }
        var worst = 0.0, steps = 0
        for (budgets, loss) in [(4, right), (6, right), (4, wrong), (6, wrong)] {
            for seed in UInt64(1)...2 {
                let data = ladder(budgets: budgets, noise: 0.02, seed: seed, loss: loss)
                let full = try RollingBacktest.run(ChinchillaLaw(), data: data)
                let warm = try RollingBacktest.run(ChinchillaLaw(), data: data, warmStarts: true)
                XCTAssertEqual(warm.steps.map(\.points), full.steps.map(\.points))
                for (w, f) in zip(warm.steps, full.steps) {
                    let gap = zip(w.logErrors, f.logErrors).map { abs($0 - $1) }.max()!
                    worst = max(worst, gap)
                    steps += 1
                    XCTAssertLessThan(gap, 1e-3, "\(budgets) budgets, seed \(seed), fitted through \(f.fittedThrough)")
                }
            }
        }
        XCTAssertEqual(steps, 2 * (2 + 4 + 2 + 4))
        print("warm against full-grid back-tests: \(steps) steps, largest difference of a log error \(worst)")
        let fit = try LawFitter.fit(ChinchillaLaw(), to: ladder(budgets: 4) { right($0, $1) })
        XCTAssertThrowsError(try RollingBacktest.warmStarts(KaplanJointLaw(), from: fit, options: FitOptions()), "a warm start from another law")
    }
}
