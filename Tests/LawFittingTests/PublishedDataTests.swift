import Foundation
@testable import LawFitting
import ScalingLaws
import XCTest

/// Known answers from published data (docs/science.md, §Known answers).
final class PublishedDataTests: XCTestCase {
    /// Muennighoff et al. 2023: the published constants reproduce the README's two losses.
    func testDataConstrainedLawReproducesPublishedLosses() {
        let law = Law(DataConstrainedLaw(), parameters: Published.muennighoffC4)
        XCTAssertEqual(law(LawInput(N: 6.34e9, D: 242e9, U: 25e9)), 2.2256440889984477, accuracy: 1e-9)
        XCTAssertEqual(law(LawInput(N: 8.67e9, D: 178e9, U: 25e9)), 2.2269634075087867, accuracy: 1e-9)
    }

    /// …and their summed-Huber objective on the 182 runs of the fit is 0.0158259.
    func testDataConstrainedObjectiveAtPublishedConstants() throws {
        let data = FitData(try Fixtures.datablations182())
        XCTAssertEqual(data.count, 182)
        let formula = DataConstrainedLaw()
        let theta = zip(formula.parameters, Published.muennighoffC4).map { $0.fitting($1) }
        var objective = LogSpaceObjective(formula: formula, data: data, delta: 1e-3)
        var g = [Double](repeating: 0, count: 7)
        XCTAssertEqual(objective.huberObjective(theta, gradient: &g), 0.0158259, accuracy: 5e-8)
    }

    /// Muennighoff et al. fit in stages: E, A, B, α = β first, then the decay constants R_D*, R_N*.
    /// Refitting R_D*, R_N* on the 182 runs with the others at their published values finds the
    /// objective nearly flat in them: the refit (≈ 47, 2.3) improves the objective by only ~0.1%,
    /// so the published decay constants sit in the same valley, not at a sharp optimum.
    func testDataConstrainedDecayRefitFindsAFlatValley() throws {
        let data = FitData(try Fixtures.datablations182())
        let c = Published.muennighoffC4
        let staged = try XCTUnwrap(FixedParameters(DataConstrainedLaw(),
            fixed: ["E": c[0], "A": c[1], "B": c[2], "alpha": c[3], "beta": c[4]]))
        let fit = try LawFitter.fit(staged, to: data)
        let p = fit.parameters
        print("data-constrained staged refit on 182 runs: \(fit.law.named), objective \(fit.objective)")
        XCTAssertLessThanOrEqual(fit.objective, 0.0158259 + 1e-7, fit.message)
        XCTAssertGreaterThan(fit.objective, 0.0158259 * 0.995, "the valley is flat: \(p)")
        XCTAssertTrue((5...100).contains(p[0]), "R_D* \(p)")
        XCTAssertTrue((1...20).contains(p[1]), "R_N* \(p)")
    }

    /// A free joint refit of all seven constants finds a lower objective than the staged published
    /// fit (the published constants are not the joint optimum); record that it does not get worse.
    func testDataConstrainedJointRefitIsNoWorseThanPublished() throws {
        let data = FitData(try Fixtures.datablations182())
        var options = FitOptions()
        options.grid = ["log_E": [0, 0.5, 1], "log_A": [4, 8], "log_B": [4, 8], "alpha": [0.2, 0.5],
                        "log_R_D_star": [log(5), log(20)], "log_R_N_star": [log(5), log(20)]]
        let formula = DataConstrainedLaw(tiedExponents: true)
        let fit = try LawFitter.fit(formula, to: data, options: options)
        print("data-constrained (tied) joint refit on 182 runs: \(fit.law.named), objective \(fit.objective)")
        XCTAssertLessThan(fit.objective, 0.0158259)
        XCTAssertEqual(fit.parameters[3], 0.3527, accuracy: 0.06, "alpha stays in the published neighbourhood")
        XCTAssertEqual(log(fit.parameters[0]), 0.6255, accuracy: 0.2, "log E stays in the published neighbourhood")
    }

    /// Caballero et al. 2022: a one-break BNSL fit on the first 14 points of 4-digit addition
    /// extrapolates the last 3 with RMSLE ≈ 0.011 (0.0006 on the fitted points).
    func testBrokenPowerLawExtrapolatesFourDigitAddition() throws {
        let all = try Fixtures.bnslAddition()
        XCTAssertEqual(all.count, 17)
        let train = FitData(Array(all.prefix(14))), test = FitData(Array(all.suffix(3)))
        let fit = try LawFitter.fit(BrokenPowerLaw(variable: .tokens, breaks: 1), to: train)
        let inSample = fit.rmseLog
        let extrapolated = LawFitter.rmseLog(fit.formula, theta: fit.theta, data: test)
        XCTAssertLessThan(inSample, 0.002, "fit \(fit.law.named)")
        XCTAssertLessThan(extrapolated, 0.03, "fit \(fit.law.named)")
        print("BNSL 4-digit addition: RMSLE fitted \(inSample), extrapolated \(extrapolated), params \(fit.law.named)")
    }
}
