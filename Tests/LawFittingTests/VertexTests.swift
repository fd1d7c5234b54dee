import Foundation
@testable import LawFitting
import ScalingLaws
import XCTest

/// Known answers for approach 2's vertex methods (`VertexMethod`, `SmoothingSpline`) and its
/// account of the budgets it used (`IsoFLOPBudget`).
final class VertexTests: XCTestCase {
    /// Data symmetric about x = 0.3 (an even number of knots, so the minimum falls inside a piece):
    /// the spline is symmetric, and its minimum is found at 0.3 exactly, at any penalty.
    func testSplineMinimumOfSymmetricDataIsExact() throws {
        let x = [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5].map { $0 * 0.2 + 0.3 }
        let y = x.map { 2 + 0.5 * ($0 - 0.3) * ($0 - 0.3) + 0.01 * pow($0 - 0.3, 4) }
        for penalty in [nil, 1e-6, 1e-2, 1.0] as [Double?] {
            let s = try XCTUnwrap(SmoothingSpline(x: x, y: y, penalty: penalty))
            XCTAssertEqual(s.minimum.x, 0.3, accuracy: 1e-12, "penalty \(String(describing: penalty))")
            XCTAssertEqual(s.minimum.value, s.value(at: 0.3), accuracy: 1e-14)
        }
    }

    /// A straight line is its own smoothing spline at every penalty (no curvature to penalize):
    /// values exact, second derivatives zero; the degrees of freedom fall from the knots' count
    /// towards a line's 2 as the penalty grows.
    func testSplineReproducesALine() throws {
        let x = [0.0, 0.3, 0.5, 1.1, 1.4, 2.0], y = x.map { 1.5 - 0.7 * $0 }
        var df = Double(x.count)
        for penalty in [1e-4, 1.0, 1e4] {
            let s = try XCTUnwrap(SmoothingSpline(x: x, y: y, penalty: penalty))
            for (g, want) in zip(s.values, y) { XCTAssertEqual(g, want, accuracy: 1e-10) }
            for g in s.secondDerivatives { XCTAssertEqual(g, 0, accuracy: 1e-9) }
            XCTAssertLessThan(s.degreesOfFreedom, df)
            df = s.degreesOfFreedom
            XCTAssertEqual(s.value(at: 0.8), 1.5 - 0.7 * 0.8, accuracy: 1e-10)
        }
        XCTAssertEqual(df, 2, accuracy: 1e-3)
    }

    /// With a vanishing penalty the spline interpolates (degrees of freedom = knots), and it is
    /// then the natural cubic interpolant: a cubic between knots, so a cubic's values at the
    /// interior points of a fine grid are matched closely and exactly at the knots.
    func testSplineInterpolatesAtVanishingPenalty() throws {
        let x = [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0], y = x.map { 1 + $0 - 0.8 * $0 * $0 + 0.2 * $0 * $0 * $0 }
        let s = try XCTUnwrap(SmoothingSpline(x: x, y: y, penalty: 1e-12))
        for (g, want) in zip(s.values, y) { XCTAssertEqual(g, want, accuracy: 1e-9) }
        XCTAssertEqual(s.degreesOfFreedom, Double(x.count), accuracy: 1e-6)
    }

    /// The exact minimum agrees with a brute-force search on a fine grid over noisy data, and
    /// repeated x are merged into one knot.
    func testSplineMinimumMatchesADenseSearch() throws {
        var rng = SplitMix64(seed: 5)
        let x = (0..<9).map { Double($0) * 0.15 } + [0.6, 0.6]
        let y = x.map { 3 + 0.4 * ($0 - 0.7) * ($0 - 0.7) + 0.02 * rng.nextGaussian() }
        let s = try XCTUnwrap(SmoothingSpline(x: x, y: y))
        XCTAssertEqual(s.knots.count, 9, "two runs at x = 0.6 are one knot")
        XCTAssertGreaterThanOrEqual(s.degreesOfFreedom, 3 - 1e-9, "GCV keeps at least a parabola's flexibility")
        let grid = (0...120_000).map { Double($0) / 100_000 }
        let brute = grid.min { s.value(at: $0) < s.value(at: $1) }!
        XCTAssertLessThanOrEqual(s.minimum.value, s.value(at: brute) + 1e-15)
        XCTAssertEqual(s.minimum.x, brute, accuracy: 1e-4)
        XCTAssertNil(SmoothingSpline(x: [1, 1, 2, 2], y: [1, 2, 3, 4]), "two distinct x")
    }

    /// A window over the 5 sizes around the best run of a curve that is a parabola only near its
    /// minimum finds that minimum; the parabola over every size is pulled off it.
    func testWindowIgnoresTheFarEnds() throws {
        // Exactly quadratic within ±0.45 decades of 7.2, rising far faster beyond.
        func loss(_ u: Double) -> Double {
            let d = u - 7.2
            return 2.5 + 0.3 * d * d + (abs(d) > 0.45 ? 2 * pow(abs(d) - 0.45, 2) * (d > 0 ? 3 : 1) : 0)
        }
        let runs = stride(from: 6.4, through: 8.2, by: 0.2).map { u in IsoFLOPRun(parameters: pow(10, u), compute: 1e18, loss: loss(u)) }
        let window = try XCTUnwrap(Approaches.isoFLOP(runs, vertex: .window(5)).parabolas.first)
        XCTAssertEqual(log10(window.optimalParameters!), 7.2, accuracy: 1e-9)
        let all = try XCTUnwrap(Approaches.isoFLOP(runs, vertex: .parabola).parabolas.first)
        XCTAssertGreaterThan(abs(log10(all.optimalParameters!) - 7.2), 0.01)
        // A window wider than the budget is the budget.
        XCTAssertEqual(Approaches.isoFLOP(runs, vertex: .window(50)).parabolas.first?.optimalParameters, all.optimalParameters)
    }

    /// Each budget's fate, with its reason: too few sizes, a parabola opening downwards, a vertex
    /// outside the sizes (and where), used; and the spline's minimum at an edge.
    func testBudgetsSayWhyTheyWereNotUsed() throws {
        func budget(_ C: Double, _ us: [Double], _ f: (Double) -> Double) -> [IsoFLOPRun] {
            us.map { IsoFLOPRun(parameters: pow(10, $0), compute: C, loss: f($0)) }
        }
        let grid = [7.0, 7.2, 7.4, 7.6, 7.8]
        let runs = budget(1e17, [7.0, 7.2, 7.4]) { 3 + $0 * 0.01 }
            + budget(1e18, grid) { 3 - 0.1 * ($0 - 7.4) * ($0 - 7.4) }
            + budget(1e19, grid) { 3 + 0.2 * ($0 - 6.5) * ($0 - 6.5) }
            + budget(1e20, grid) { 3 + 0.2 * ($0 - 7.5) * ($0 - 7.5) }
        let iso = Approaches.isoFLOP(runs)
        XCTAssertEqual(iso.budgets.map(\.status), [.tooFewSizes, .opensDownwards, .vertexOutside, .used])
        XCTAssertEqual(iso.budgets.map(\.sizes), [3, 5, 5, 5])
        XCTAssertEqual(log10(try XCTUnwrap(iso.budgets[2].vertex)), 6.5, accuracy: 1e-9)
        XCTAssertEqual(iso.budgets[2].smallest, 1e7, accuracy: 1)
        XCTAssertEqual(log10(try XCTUnwrap(iso.budgets[3].vertex)), 7.5, accuracy: 1e-9)
        XCTAssertEqual(iso.parabolas.count, 3, "the budget with 3 sizes has no parabola")

        let spline = Approaches.isoFLOP(runs, vertex: .spline)
        XCTAssertEqual(spline.budgets.map(\.status), [.tooFewSizes, .minimumAtEdge, .minimumAtEdge, .used],
                       "a spline always has a least value; the downward budget's is at an end")
        XCTAssertEqual(try XCTUnwrap(spline.budgets[2].vertex), 1e7, accuracy: 1, "the minimum of rising data is its smallest size")
    }

    /// The names the command line takes.
    func testMethodNames() {
        XCTAssertEqual(VertexMethod.named("parabola"), .parabola)
        XCTAssertEqual(VertexMethod.named("Window", window: 7), .window(7))
        XCTAssertEqual(VertexMethod.named("spline")?.description, "spline")
        XCTAssertEqual(VertexMethod.window(5).description, "window(5)")
        XCTAssertNil(VertexMethod.named("cubic"))
    }
}
