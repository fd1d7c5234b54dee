import Foundation
@testable import LawFitting
import ScalingLaws
import XCTest

/// The four-lane exp and log of the approach-3 kernel agree with libm to a few ulp.
final class VectorMathTests: XCTestCase {
    private func ulps(_ a: Double, _ b: Double) -> Double { abs(a - b) / b.ulp }

    func testExpMatchesLibm() {
        var rng = SplitMix64(seed: 1)
        var worst = 0.0
        for _ in 0..<20_000 {
            let x = Double8((0..<8).map { _ in Double.random(in: -700...700, using: &rng) })
            let y = exp8(x)
            for l in 0..<8 { worst = max(worst, ulps(y[l], Foundation.exp(x[l]))) }
        }
        for x in [0.0, 1e-300, -1e-300, 1, -1, 0.34657359, -0.34657359, 709, -708] {
            let y = exp8(Double8(repeating: x))
            worst = max(worst, ulps(y[0], Foundation.exp(x)))
        }
        XCTAssertLessThan(worst, 4, "worst error \(worst) ulp")
    }

    func testLogMatchesLibm() {
        var rng = SplitMix64(seed: 2)
        var worst = 0.0
        for _ in 0..<20_000 {
            let x = Double8((0..<8).map { _ in Foundation.exp(Double.random(in: -700...700, using: &rng)) })
            let y = log8(x)
            for l in 0..<8 { worst = max(worst, abs(y[l] - Foundation.log(x[l])) / max(abs(Foundation.log(x[l])), 1) / Double.ulpOfOne) }
        }
        for x in [1.0, 1.0000001, 0.9999999, 2, 0.5, 1.4142135623730951, 1.4142135623730954, 1e308, 3e-308] {
            let y = log8(Double8(repeating: x))
            worst = max(worst, abs(y[0] - Foundation.log(x)) / max(abs(Foundation.log(x)), 1) / Double.ulpOfOne)
        }
        XCTAssertLessThan(worst, 4, "worst error \(worst) ulp (relative to max(|log x|, 1))")
    }
}
