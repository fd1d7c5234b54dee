import Foundation
@testable import LawFitting
import ScalingLaws
import XCTest

/// The fast multi-start (screening the starts, then polishing the best) finds the optimum that
/// running every start of the grid to the end finds, for every law `fit --law all` compares.
final class ScreeningTests: XCTestCase {
    /// Every start run to the end at the strict tolerances, on every point: the reference.
    static var exhaustive: FitOptions {
        var o = FitOptions()
        o.screeningTolerance = nil
        o.screeningIterations = nil
        o.screeningSample = nil
        return o
    }

    /// 48 points from Muennighoff et al.'s C4 law (so that every form applies, data-constrained
    /// included): N × D × repetitions of U, with C = 6·N·D and 1% log-normal noise.
    static func dataConstrainedPoints() -> [Observation] {
        let law = Law(DataConstrainedLaw(), parameters: Published.muennighoffC4)
        var rng = SplitMix64(seed: 13)
        var out: [Observation] = []
        for N in [1e8, 3e8, 1e9, 3e9] {
            for D in [2e9, 8e9, 3e10, 1e11] {
                for repetitions in [1.0, 3, 10] {
                    let U = D / repetitions
                    let L = law(LawInput(N: N, D: D, C: 6 * N * D, U: U)) * exp(0.01 * rng.nextGaussian())
                    out.append(Observation(parameters: N, tokens: D, compute: 6 * N * D, uniqueTokens: U, loss: L))
                }
            }
        }
        return out
    }

    /// For each law of the comparison, on all points and on the back-test's training points:
    /// the default fit's objective equals the exhaustive fit's to 1e-6 relative, with no more
    /// objective evaluations (fewer where starts are dropped early: bnsl, kaplan-nd).
    func testScreenedFitsFindTheExhaustiveOptimumForEveryComparedLaw() throws {
        let data = FitData(Self.dataConstrainedPoints())
        let forms = Comparison.applicable(to: data)
        XCTAssertEqual(forms.map(\.identifier), LawForms.all.map(\.identifier), "every law is compared")
        let holdout = 5
        for form in forms {
            let train = data.subset(Backtest.split(data, holdout: holdout, for: form).train)
            for (what, points) in [("all points", data), ("back-test", train)] {
                let fast = try LawFitter.fit(form, to: points)
                let reference = try LawFitter.fit(form, to: points, options: Self.exhaustive)
                let label = "\(form.identifier), \(what): \(fast.law.named) vs \(reference.law.named)"
                XCTAssertEqual(fast.objective, reference.objective, accuracy: 1e-6 * reference.objective + 1e-12, label)
                XCTAssertEqual(fast.starts, reference.starts, label)
                XCTAssertLessThanOrEqual(fast.evaluations, reference.evaluations, label)
                XCTAssertEqual(reference.rejectedStarts, 0, label)
                if form.defaultObjective == .leastSquares, fast.starts > 40 {
                    XCTAssertGreaterThan(fast.rejectedStarts, 0, "\(label): hopeless starts are dropped early")
                    XCTAssertLessThan(fast.evaluations, reference.evaluations, label)
                }
            }
        }
    }

    /// Least-squares laws stop every start after `screeningIterations` iterations and polish
    /// the best `spreadCount`; with fewer starts than that, or with the option off, every start
    /// runs to the end.
    func testScreeningIterationsApplyToLevenbergMarquardtWithManyStarts() {
        var options = FitOptions()
        options.screeningIterations = 7
        XCTAssertEqual(options.screening(starts: 100).levenbergMarquardt.maxIterations, 7)
        XCTAssertTrue(options.screens(starts: 100, kind: .leastSquares))
        XCTAssertEqual(options.screening(starts: 10).levenbergMarquardt.maxIterations, options.levenbergMarquardt.maxIterations)
        XCTAssertFalse(options.screens(starts: 10, kind: .leastSquares))
        options.screeningIterations = nil
        XCTAssertFalse(options.screens(starts: 100, kind: .leastSquares))
        XCTAssertEqual(options.screening(starts: 100).levenbergMarquardt.maxIterations, options.levenbergMarquardt.maxIterations)
    }
}
