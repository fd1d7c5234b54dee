import Foundation
@testable import LawFitting
import ScalingLaws
import XCTest

/// Firth's bias-reduced logistic regression against known answers: the intercept-only closed form
/// `(s + ½)/(n + 1)`, maximum likelihood on large non-separated samples (an independent Newton
/// iteration here), finite estimates under complete separation, and the modified score as the
/// gradient of the penalized log-likelihood.
final class FirthLogisticTests: XCTestCase {
    /// Plain maximum likelihood by Newton's method on (1, x), written independently of the code under test.
    static func maximumLikelihood(x: [Double], y: [Bool]) -> [Double] {
        var b0 = 0.0, b1 = 0.0
        for _ in 0..<100 {
            var g0 = 0.0, g1 = 0.0, h00 = 0.0, h01 = 0.0, h11 = 0.0
            for (xi, yi) in zip(x, y) {
                let mu = 1 / (1 + exp(-(b0 + b1 * xi))), w = mu * (1 - mu), r = (yi ? 1 : 0) - mu
                g0 += r; g1 += r * xi
                h00 += w; h01 += w * xi; h11 += w * xi * xi
            }
            let det = h00 * h11 - h01 * h01
            let d0 = (h11 * g0 - h01 * g1) / det, d1 = (h00 * g1 - h01 * g0) / det
            b0 += d0; b1 += d1
            if max(abs(d0), abs(d1)) < 1e-13 { break }
        }
        return [b0, b1]
    }

    /// n draws of x uniform in [−2, 2] and y ~ Bernoulli(1/(1 + e^−(−0.5 + 1.2x))).
    static func sample(_ n: Int, seed: UInt64) -> (x: [Double], y: [Bool]) {
        var rng = SplitMix64(seed: seed)
        var x: [Double] = [], y: [Bool] = []
        for _ in 0..<n {
            let xi = Double.random(in: -2...2, using: &rng)
            x.append(xi)
            y.append(Double.random(in: 0..<1, using: &rng) < 1 / (1 + exp(0.5 - 1.2 * xi)))
        }
        return (x, y)
    }

    func testInterceptOnlyGivesSuccessesPlusAHalfOverTrialsPlusOne() throws {
        for n in [1, 2, 5, 12, 40] {
            for s in Set([0, 1, n / 2, n - 1, n]) where s >= 0 && s <= n {
                let y = (0..<n).map { $0 < s }
                let fit = try FirthLogistic.fit(design: Array(repeating: [1.0], count: n), outcomes: y)
                XCTAssertEqual(fit.probability([1]), (Double(s) + 0.5) / Double(n + 1), accuracy: 1e-12, "s = \(s), n = \(n)")
            }
        }
    }

    func testOnLargeNonSeparatedSamplesFirthApproachesMaximumLikelihood() throws {
        var differences: [Double] = []
        for n in [200, 2000, 20000] {
            let (x, y) = Self.sample(n, seed: 11)
            let firth = try FirthLogistic.fit(design: x.map { [1, $0] }, outcomes: y).coefficients
            let ml = Self.maximumLikelihood(x: x, y: y)
            differences.append(max(abs(firth[0] - ml[0]), abs(firth[1] - ml[1])))
            // Firth shrinks the slope towards 0 (its bias correction), never beyond it.
            XCTAssertLessThan(abs(firth[1]), abs(ml[1]), "n = \(n)")
        }
        // The difference is O(1/n): small, and ten times smaller per ten times the data (about).
        XCTAssertLessThan(differences[0], 0.05, "\(differences)")
        XCTAssertLessThan(differences[1], differences[0] / 4, "\(differences)")
        XCTAssertLessThan(differences[2], differences[1] / 4, "\(differences)")
        XCTAssertLessThan(differences[2], 1e-3, "\(differences)")
    }

    func testCompletelySeparatedDataGiveFiniteCoefficientsAndAMonotoneProbability() throws {
        // Every run below x = 3.5 failed, every run above succeeded: maximum likelihood has no finite optimum.
        let x: [Double] = [1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6], y = x.map { $0 > 3.5 }
        let fit = try FirthLogistic.fit(design: x.map { [1, $0] }, outcomes: y)
        XCTAssertTrue(fit.coefficients.allSatisfy { $0.isFinite && abs($0) < 100 }, "\(fit.coefficients)")
        XCTAssertGreaterThan(fit.coefficients[1], 0)
        let grid = stride(from: 0.0, through: 8, by: 0.25).map { fit.probability([1, $0]) }
        XCTAssertTrue(zip(grid, grid.dropFirst()).allSatisfy { $0 < $1 }, "\(grid)")
        XCTAssertTrue(grid.allSatisfy { $0 > 0 && $0 < 1 })
        XCTAssertEqual(fit.probability([1, 3.5]), 0.5, accuracy: 1e-9, "symmetric data: p = ½ halfway")

        // The forecast through the centred covariate has the same coefficients, and a bootstrap
        // interval inside [0, 1] (resamples with one class only are fitted too).
        let f = try FirthLogistic.forecast(x: x, outcomes: y, at: 8, bootstrap: 200, level: 0.9, seed: 3)
        XCTAssertEqual(f.intercept, fit.coefficients[0], accuracy: 1e-8)
        XCTAssertEqual(f.slope, fit.coefficients[1], accuracy: 1e-8)
        XCTAssertEqual(f.probability, fit.probability([1, 8]), accuracy: 1e-10)
        XCTAssertGreaterThan(f.probability, 0.9)
        XCTAssertEqual(f.successes, 6)
        let interval = try XCTUnwrap(f.interval)
        XCTAssertTrue(0 <= interval[0] && interval[0] <= interval[1] && interval[1] <= 1, "\(interval)")
        XCTAssertGreaterThan(f.resamples, 190, "only resamples with one x value are skipped")
        // The same seed gives the same interval.
        XCTAssertEqual(try FirthLogistic.forecast(x: x, outcomes: y, at: 8, bootstrap: 200, level: 0.9, seed: 3), f)
    }

    func testTheModifiedScoreIsTheGradientOfThePenalizedLogLikelihood() throws {
        let (x, y) = Self.sample(30, seed: 5)
        let design = x.map { [1, $0, $0 * $0 / 4] }
        for beta in [[0.0, 0.0, 0.0], [0.3, -0.8, 0.5], [-1.2, 2.0, -0.4]] {
            let score = try XCTUnwrap(FirthLogistic.modifiedScore(beta, design: design, outcomes: y))
            for j in beta.indices {
                let h = 1e-5
                var up = beta, down = beta
                up[j] += h; down[j] -= h
                let numeric = (try XCTUnwrap(FirthLogistic.penalizedLogLikelihood(up, design: design, outcomes: y))
                    - (try XCTUnwrap(FirthLogistic.penalizedLogLikelihood(down, design: design, outcomes: y)))) / (2 * h)
                XCTAssertEqual(score[j], numeric, accuracy: 1e-6 * max(1, abs(numeric)), "β = \(beta), j = \(j)")
            }
        }
        // At the fit the score vanishes.
        let fit = try FirthLogistic.fit(design: design, outcomes: y)
        let score = try XCTUnwrap(FirthLogistic.modifiedScore(fit.coefficients, design: design, outcomes: y))
        XCTAssertLessThan(score.map(abs).max()!, 1e-8)
    }

    func testUnusableInputIsRefusedWithItsReason() {
        XCTAssertThrowsError(try FirthLogistic.fit(design: [], outcomes: []))
        XCTAssertThrowsError(try FirthLogistic.fit(design: [[1, 2], [1]], outcomes: [true, false]))
        XCTAssertThrowsError(try FirthLogistic.fit(design: [[1, 2], [1, .nan]], outcomes: [true, false]))
        // Two identical columns: XᵀWX is singular.
        XCTAssertThrowsError(try FirthLogistic.fit(design: [[1, 1], [1, 1], [1, 1]], outcomes: [true, false, true])) {
            XCTAssertTrue("\($0)".contains("dependent"), "\($0)")
        }
        XCTAssertThrowsError(try FirthLogistic.forecast(x: [2, 2, 2], outcomes: [true, false, true], at: 3)) {
            XCTAssertTrue("\($0)".contains("one value"), "\($0)")
        }
        XCTAssertThrowsError(try FirthLogistic.forecast(x: [1, 2], outcomes: [true], at: 3))
        XCTAssertThrowsError(try FirthLogistic.forecast(x: [1, 2], outcomes: [true, false], at: 3, level: 1))
    }
}
