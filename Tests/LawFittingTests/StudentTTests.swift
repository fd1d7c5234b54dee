import Foundation
import LawFitting
import ScalingLaws
import XCTest

/// Student's t against published table values and closed forms.
final class StudentTTests: XCTestCase {
    func testQuantilesMatchTheTables() {
        // Two-sided 90% and 95% critical values (standard tables, e.g. NIST/SEMATECH e-Handbook 1.3.6.7.2).
        let table: [(p: Double, nu: Double, t: Double)] = [
            (0.95, 1, 6.313752), (0.95, 2, 2.919986), (0.95, 3, 2.353363), (0.95, 10, 1.812461), (0.95, 30, 1.697261),
            (0.975, 1, 12.706205), (0.975, 2, 4.302653), (0.975, 5, 2.570582), (0.975, 20, 2.085963),
        ]
        for row in table {
            XCTAssertEqual(StudentT.quantile(row.p, degreesOfFreedom: row.nu), row.t, accuracy: 2e-6 * row.t, "t(\(row.p), \(row.nu))")
            XCTAssertEqual(StudentT.quantile(1 - row.p, degreesOfFreedom: row.nu), -row.t, accuracy: 2e-6 * row.t)
        }
    }

    func testTheCDFMatchesClosedForms() {
        for t in [-5.0, -1.3, -0.2, 0, 0.4, 1, 2.5, 40] {
            XCTAssertEqual(StudentT.cdf(t, degreesOfFreedom: 1), 0.5 + atan(t) / Double.pi, accuracy: 1e-9)           // Cauchy
            XCTAssertEqual(StudentT.cdf(t, degreesOfFreedom: 2), 0.5 + t / (2 * (2 + t * t).squareRoot()), accuracy: 1e-9)
        }
        // Many degrees of freedom: the normal's 1.644854 at 95%.
        XCTAssertEqual(StudentT.quantile(0.95, degreesOfFreedom: 1e6), 1.644854, accuracy: 1e-5)
    }

    func testThePredictionIntervalOfAFewDraws() {
        let v = [0.38, 0.40, 0.39]
        let i = try! XCTUnwrap(StudentT.predictionInterval(v, level: 0.9))
        // mean 0.39, s 0.01, t(0.95, 2) 2.919986, √(4/3).
        let half = 2.919986 * 0.01 * (4.0 / 3).squareRoot()
        XCTAssertEqual(i[0], 0.39 - half, accuracy: 1e-8)
        XCTAssertEqual(i[1], 0.39 + half, accuracy: 1e-8)
        XCTAssertNil(StudentT.predictionInterval([0.4], level: 0.9))
        XCTAssertNil(StudentT.predictionInterval([0.4, .nan], level: 0.9))
        // Coverage: a new normal draw falls inside about 90% of the intervals built from three.
        var rng = SplitMix64(seed: 7)
        func normal() -> Double {
            let u1 = Double.random(in: Double.ulpOfOne..<1, using: &rng), u2 = Double.random(in: 0..<1, using: &rng)
            return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
        }
        var inside = 0
        let trials = 4000
        for _ in 0..<trials {
            let interval = StudentT.predictionInterval([normal(), normal(), normal()], level: 0.9)!
            let x = normal()
            if interval[0] <= x && x <= interval[1] { inside += 1 }
        }
        // 90% of 4,000: binomial sd 19 draws; 4.5 sd either side.
        XCTAssertEqual(Double(inside), 3600, accuracy: 85)
    }
}
