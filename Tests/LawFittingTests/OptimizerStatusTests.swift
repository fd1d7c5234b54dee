import Foundation
import LawFitting
import XCTest

/// Each optimizer's stopping statuses: one small problem per reachable status, ending in it.
/// Both optimizers report in the one `OptimizerStatus` vocabulary (converged by gradient, by
/// objective change or by step; iteration limit; no decrease; non-finite start).
final class OptimizerStatusTests: XCTestCase {
    // MARK: L-BFGS

    /// f(x) = c + Σ (x_j − 1)², with its exact gradient.
    static func bowl(_ c: Double) -> LBFGS.Objective {
        { x, g in
            var f = c
            for j in x.indices { f += (x[j] - 1) * (x[j] - 1); g[j] = 2 * (x[j] - 1) }
            return f
        }
    }

    /// Rosenbrock's banana: many iterations from (−1.2, 1).
    static func rosenbrock(_ x: [Double], _ g: inout [Double]) -> Double {
        let a = 1 - x[0], b = x[1] - x[0] * x[0]
        g[0] = -2 * a - 400 * x[0] * b
        g[1] = 200 * b
        return a * a + 100 * b * b
    }

    func testLBFGSConvergesByGradient() {
        let r = LBFGS().minimize(from: [1, 1], Self.bowl(0))
        XCTAssertEqual(r.status, .convergedGradient)
        XCTAssertEqual(r.iterations, 0)
        XCTAssertTrue(r.status.isConverged)
    }

    func testLBFGSConvergesByObjectiveChange() {
        var o = LBFGS()
        o.gradientTolerance = -1          // never by gradient
        o.functionTolerance = 1e-3
        let r = o.minimize(from: [3, -2], Self.bowl(10))
        XCTAssertEqual(r.status, .convergedObjective)
        XCTAssertEqual(r.value, 10, accuracy: 1e-6)
    }

    func testLBFGSConvergesByStep() {
        var o = LBFGS()
        o.gradientTolerance = -1
        o.functionTolerance = -1           // never by objective change
        o.stepTolerance = 1e-3
        let r = o.minimize(from: [3, -2], Self.bowl(10))
        XCTAssertEqual(r.status, .convergedStep)
        XCTAssertEqual(r.x[0], 1, accuracy: 1e-3)
    }

    func testLBFGSStopsAtTheIterationLimit() {
        var o = LBFGS()
        o.maxIterations = 3
        let r = o.minimize(from: [-1.2, 1], Self.rosenbrock)
        XCTAssertEqual(r.status, .maxIterations)
        XCTAssertEqual(r.iterations, 3)
        XCTAssertFalse(r.status.isConverged)
    }

    func testLBFGSReportsNoDecreaseWhenTheGradientLies() {
        // The gradient points the wrong way: every step along −g goes uphill.
        let r = LBFGS().minimize(from: [2]) { x, g in g[0] = -2 * x[0]; return x[0] * x[0] }
        XCTAssertEqual(r.status, .noDecrease)
        XCTAssertEqual(r.x, [2])
    }

    func testLBFGSReportsANonFiniteStart() {
        let r = LBFGS().minimize(from: [0]) { _, g in g[0] = 0; return .nan }
        XCTAssertEqual(r.status, .nonFiniteStart)
        XCTAssertEqual(r.iterations, 0)
    }

    // MARK: Levenberg–Marquardt

    /// r = (x − 1, x + 1): the least-squares optimum x = 0 leaves ½Σr² = 1.
    static func twoSided(_ x: [Double], _ r: inout [Double], _ J: inout [Double]) {
        r[0] = x[0] - 1; r[1] = x[0] + 1
        J[0] = 1; J[1] = 1
    }

    /// r = x − 2: a zero-residual problem.
    static func line(_ x: [Double], _ r: inout [Double], _ J: inout [Double]) { r[0] = x[0] - 2; J[0] = 1 }

    func testLMConvergesByGradient() {
        let r = LevenbergMarquardt().minimize(from: [2], residuals: 1, Self.line)
        XCTAssertEqual(r.status, .convergedGradient)
        XCTAssertEqual(r.iterations, 0)
    }

    func testLMConvergesByObjectiveChange() {
        var o = LevenbergMarquardt()
        o.gradientTolerance = -1
        o.functionTolerance = 1e-6
        let r = o.minimize(from: [5], residuals: 2, Self.twoSided)
        XCTAssertEqual(r.status, .convergedObjective)
        XCTAssertEqual(r.value, 1, accuracy: 1e-9)
    }

    func testLMConvergesByStep() {
        var o = LevenbergMarquardt()
        o.gradientTolerance = -1
        o.functionTolerance = -1
        o.stepTolerance = 1e-6
        let r = o.minimize(from: [5], residuals: 1, Self.line)
        XCTAssertEqual(r.status, .convergedStep)
        XCTAssertEqual(r.x[0], 2, accuracy: 1e-5)
    }

    func testLMStopsAtTheIterationLimit() {
        var o = LevenbergMarquardt()
        o.maxIterations = 1
        o.gradientTolerance = -1
        o.functionTolerance = -1
        o.stepTolerance = -1
        let r = o.minimize(from: [5], residuals: 1, Self.line)
        XCTAssertEqual(r.status, .maxIterations)
        XCTAssertEqual(r.iterations, 1)
    }

    func testLMReportsNoDecreaseWhenEveryDampedStepFails() {
        // The Jacobian has the wrong sign: every damped step goes uphill.
        var o = LevenbergMarquardt()
        o.stepTolerance = -1
        let r = o.minimize(from: [1], residuals: 1) { x, r, J in r[0] = x[0]; J[0] = -1 }
        XCTAssertEqual(r.status, .noDecrease)
        XCTAssertEqual(r.x, [1])
    }

    func testLMReportsANonFiniteStart() {
        let r = LevenbergMarquardt().minimize(from: [0], residuals: 1) { _, r, J in r[0] = .infinity; J[0] = 1 }
        XCTAssertEqual(r.status, .nonFiniteStart)
    }

    // MARK: The vocabulary in JSON

    func testStatusStringsAreOneVocabulary() throws {
        let all: [OptimizerStatus] = [.convergedGradient, .convergedObjective, .convergedStep, .maxIterations, .noDecrease, .nonFiniteStart]
        XCTAssertEqual(all.map(\.rawValue),
                       ["converged-gradient", "converged-objective", "converged-step", "max-iterations", "no-decrease", "non-finite-start"])
        XCTAssertEqual(all.filter(\.isConverged), [.convergedGradient, .convergedObjective, .convergedStep])
        // JSON written before the rename still reads.
        let old = try JSONDecoder().decode([OptimizerStatus].self, from: Data(#"["line-search-failed", "converged-objective"]"#.utf8))
        XCTAssertEqual(old, [.noDecrease, .convergedObjective])
        XCTAssertEqual(String(decoding: try JSONEncoder().encode([OptimizerStatus.noDecrease]), as: UTF8.self), #"["no-decrease"]"#)
    }
}
