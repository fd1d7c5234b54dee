import Foundation
@testable import LawFitting
import ScalingLaws
import XCTest

/// Known answers for Chinchilla's approaches 1 and 2 (`Approaches.envelope`, `Approaches.isoFLOP`):
/// runs drawn from a known law give back its allocation exponent a = β/(α+β).
final class ApproachesTests: XCTestCase {
    let truth = ChinchillaParameters(E: 1.8, A: 400, B: 2000, alpha: 0.34, beta: 0.36)

    /// 4 budgets × `sizes` sizes, 0.2 decades apart, centred on the law's N_opt; C = 6ND exactly.
    func isoFLOPGrid(sizes: Int = 7, noise: Double = 0, seed: UInt64 = 1) -> [IsoFLOPRun] {
        var rng = SplitMix64(seed: seed)
        var runs: [IsoFLOPRun] = []
        for C in [1e15, 1e16, 1e17, 1e18] {
            let center = truth.optimalParameters(compute: C)
            for i in 0..<sizes {
                let N = center * pow(10, 0.2 * (Double(i) - Double(sizes - 1) / 2)), D = C / (6 * N)
                let L = truth.loss(parameters: N, tokens: D) * exp(noise * rng.nextGaussian())
                runs.append(IsoFLOPRun(parameters: N, tokens: D, compute: C, loss: L))
            }
        }
        return runs
    }

    /// An exact parabola in log10 N: the vertex comes back to machine precision.
    func testParabolaMinimumOfExactQuadratic() {
        let runs = [1e6, 3e6, 1e7, 3e7, 1e8].map { N -> IsoFLOPRun in
            let u = log10(N) - 7.2
            return IsoFLOPRun(parameters: N, compute: 1e18, loss: 2.5 + 0.3 * u * u)
        }
        let iso = Approaches.isoFLOP(runs)
        XCTAssertEqual(iso.parabolas.count, 1)
        let p = iso.parabolas[0]
        XCTAssertEqual(log10(p.optimalParameters!), 7.2, accuracy: 1e-9)
        XCTAssertEqual(p.minimumLoss!, 2.5, accuracy: 1e-9)
        XCTAssertEqual(p.loss(at: 1e7), 2.5 + 0.3 * 0.04, accuracy: 1e-9)
        XCTAssertTrue(p.bracketed)
        XCTAssertNil(p.optimalTokens, "no run has D")
        XCTAssertNil(iso.exponent, "one budget gives no power law")
    }

    /// The quadratic solver recovers exact coefficients far from the origin and refuses 2 distinct x.
    func testQuadraticRecoversCoefficients() {
        let x = [1.0, 2, 3, 4, 5, 10], y = x.map { 3 - 2 * $0 + 0.5 * $0 * $0 }
        let c = try! XCTUnwrap(leastSquaresQuadratic(x, y))
        for (got, want) in zip(c, [3.0, -2, 0.5]) { XCTAssertEqual(got, want, accuracy: 1e-9) }
        XCTAssertNil(leastSquaresQuadratic([1, 1, 2, 2], [1, 2, 3, 4]))
        XCTAssertNil(leastSquaresLine([1, 1, 1], [1, 2, 3]))
    }

    /// Runs at budgets 0.5% apart group together; 5% apart do not; fewer than `minimumSizes` sizes
    /// are no parabola.
    func testGroupingByBudget() {
        let sizes = [1e6, 2e6, 4e6, 8e6]
        let near = sizes.enumerated().map { IsoFLOPRun(parameters: $1, compute: 1e18 * (1 + 0.005 * Double($0 % 2)), loss: 3.0 + 0.1 * Double($0 % 3)) }
        XCTAssertEqual(Approaches.isoFLOP(near).parabolas.count, 1)
        XCTAssertEqual(Approaches.isoFLOP(near, minimumSizes: 5).parabolas.count, 0)
        let far = sizes.enumerated().map { IsoFLOPRun(parameters: $1, compute: 1e18 * (1 + 0.05 * Double($0 % 2)), loss: 3.0) }
        XCTAssertEqual(Approaches.isoFLOP(far).parabolas.count, 0)
        XCTAssertEqual(Approaches.isoFLOP(far, tolerance: 0.1).parabolas.count, 1)
    }

    /// An exact law on an IsoFLOP grid: a within 0.02 of β/(α+β), D_opt = C/(6·N_opt) so a + b = 1,
    /// and with 1% noise the bootstrap interval brackets the point estimate.
    func testApproach2RecoversTheExponent() throws {
        let iso = Approaches.isoFLOP(isoFLOPGrid())
        XCTAssertEqual(iso.parabolas.count, 4)
        XCTAssertTrue(iso.parabolas.allSatisfy(\.bracketed))
        let fit = try XCTUnwrap(iso.allocation)
        XCTAssertEqual(fit.a, truth.a, accuracy: 0.02)
        XCTAssertEqual(fit.a + fit.b!, 1, accuracy: 1e-9, "C = 6ND on every run")
        for p in iso.parabolas {
            XCTAssertEqual(p.optimalTokens!, p.compute / (6 * p.optimalParameters!), accuracy: 1e-9 * p.optimalTokens!)
        }
        XCTAssertNil(fit.aInterval, "no bootstrap asked for")

        let noisy = Approaches.isoFLOP(isoFLOPGrid(noise: 0.01), bootstrap: 50, seed: 3)
        let f = try XCTUnwrap(noisy.allocation)
        let a = try XCTUnwrap(f.aInterval), b = try XCTUnwrap(f.bInterval)
        XCTAssertLessThan(a[0], f.a)
        XCTAssertGreaterThan(a[1], f.a)
        XCTAssertLessThan(b[0], f.b!)
        XCTAssertGreaterThan(b[1], f.b!)
        XCTAssertEqual(Approaches.isoFLOP(isoFLOPGrid(noise: 0.01), bootstrap: 50, seed: 3), noisy, "deterministic given the seed")
    }

    /// Parabolas whose minima lie exactly on Kaplan's L(C_min) = (C_c/C)^α_C: the frontier gives back
    /// α_C and C_c to rounding; with noisy runs its bootstrap interval brackets the estimate and the
    /// forecast interval brackets the forecast.
    func testFrontierRecoversKaplansComputeLaw() throws {
        let (alphaC, Cc) = (0.05, 3.1e8 * 8.64e19)
        func runs(noise: Double) -> [IsoFLOPRun] {
            var rng = SplitMix64(seed: 7)
            return [1e15, 1e16, 1e17, 1e18].flatMap { C -> [IsoFLOPRun] in
                let uStar = 6 + 0.5 * log10(C / 1e15)
                return (0..<6).map { i in
                    let u = uStar - 0.5 + 0.2 * Double(i)
                    let L = (pow(Cc / C, alphaC) + 0.3 * (u - uStar) * (u - uStar)) * exp(noise * rng.nextGaussian())
                    return IsoFLOPRun(parameters: pow(10, u), compute: C, loss: L)
                }
            }
        }
        let f = try XCTUnwrap(Approaches.isoFLOP(runs(noise: 0)).frontier)
        XCTAssertEqual(f.points.count, 4)
        XCTAssertEqual(f.exponent, alphaC, accuracy: 1e-9)
        XCTAssertEqual(log(f.criticalCompute), log(Cc), accuracy: 1e-6)
        XCTAssertEqual(f.loss(compute: 1e20), pow(Cc / 1e20, alphaC), accuracy: 1e-9)
        XCTAssertNil(f.exponentInterval, "no bootstrap asked for")

        let noisy = try XCTUnwrap(Approaches.isoFLOP(runs(noise: 0.01), bootstrap: 60, seed: 2).frontier)
        let interval = try XCTUnwrap(noisy.exponentInterval)
        XCTAssertLessThan(interval[0], noisy.exponent)
        XCTAssertGreaterThan(interval[1], noisy.exponent)
        let forecast = try XCTUnwrap(noisy.lossInterval(compute: 4e18))
        XCTAssertLessThan(forecast[0], noisy.loss(compute: 4e18))
        XCTAssertGreaterThan(forecast[1], noisy.loss(compute: 4e18))
    }

    /// No frontier through one point, through a loss that rises with compute, or through a zero loss.
    func testFrontierRefusesDegenerateVertices() {
        XCTAssertNil(FrontierFit(points: [FrontierPoint(compute: 1e15, loss: 3)]))
        XCTAssertNil(FrontierFit(points: [FrontierPoint(compute: 1e15, loss: 3), FrontierPoint(compute: 1e16, loss: 3.2)]))
        XCTAssertNil(FrontierFit(points: [FrontierPoint(compute: 1e15, loss: 3), FrontierPoint(compute: 1e16, loss: 0)]))
        XCTAssertNotNil(FrontierFit(points: [FrontierPoint(compute: 1e16, loss: 2.8), FrontierPoint(compute: 1e15, loss: 3)]))
    }

    /// Sizes all above the optimum: each vertex is extrapolated, flagged, and kept out of the power law.
    func testUnbracketedVerticesAreLeftOut() {
        let runs = isoFLOPGrid().map { r in
            IsoFLOPRun(parameters: r.parameters * 10, tokens: r.tokens! / 10, compute: r.compute,
                       loss: truth.loss(parameters: r.parameters * 10, tokens: r.tokens! / 10))
        }
        let iso = Approaches.isoFLOP(runs)
        XCTAssertEqual(iso.parabolas.count, 4)
        XCTAssertFalse(iso.parabolas.contains(where: \.bracketed))
        XCTAssertNil(iso.allocation)
    }

    /// Dense sizes (10 per decade) whose curves all span the same compute: the envelope is the
    /// least loss over sizes at each C (checked against the law), and N_opt ∝ C^a with a near
    /// β/(α+β); warm-up points, however low, are dropped.
    func testEnvelopeRecoversTheExponent() throws {
        let sizes = (0...30).map { 1e6 * pow(10, Double($0) / 10) }
        let (cLow, cHigh) = (2e15, 3e19)   // N_opt from 2.5e6 to 3.4e8: inside the sizes
        let curves = sizes.map { N in
            let points = (0..<200).map { j -> LearningCurve.Point in
                let C = cLow * pow(cHigh / cLow, Double(j) / 199), D = C / (6 * N)
                return LearningCurve.Point(tokens: D, loss: truth.loss(parameters: N, tokens: D))
            }
            let warmup = points[0].tokens * 0.5
            return LearningCurve(parameters: N, warmupTokens: warmup,
                                 points: [LearningCurve.Point(tokens: warmup * 0.9, loss: 0.01)] + points)
        }
        let env = try XCTUnwrap(Approaches.envelope(curves))
        XCTAssertEqual(env.compute.count, 40)
        XCTAssertEqual(env.compute.first!, cLow, accuracy: 1e-6 * cLow)
        for (C, L) in zip(env.compute, env.loss) {
            let best = sizes.map { truth.loss(parameters: $0, tokens: C / (6 * $0)) }.min()!
            XCTAssertEqual(L, best, accuracy: 1e-3 * best, "envelope at C = \(C)")
        }
        XCTAssertTrue(zip(env.loss, env.loss.dropFirst()).allSatisfy { $0 >= $1 - 1e-12 }, "the envelope never rises")
        let fit = try XCTUnwrap(env.allocation)
        XCTAssertEqual(fit.a, truth.a, accuracy: 0.02)
        XCTAssertEqual(fit.a + fit.b!, 1, accuracy: 1e-9, "D = C/(6N) on the envelope")
        XCTAssertNil(fit.aInterval, "no bootstrap asked for")

        // Resampling the runs: the interval holds the estimate and stays near the truth (dense sizes:
        // dropping a third of them moves N_opt by a tenth of a decade at most); seeded, so repeatable.
        let boot = try XCTUnwrap(Approaches.envelope(curves, bootstrap: 40, seed: 5)?.allocation)
        let a = try XCTUnwrap(boot.aInterval), b = try XCTUnwrap(boot.bInterval)
        XCTAssertEqual(boot.a, fit.a, "the point estimate is the full data's")
        XCTAssertLessThanOrEqual(a[0], fit.a + 1e-12)
        XCTAssertGreaterThanOrEqual(a[1], fit.a - 1e-12)
        XCTAssertLessThan(a[1] - a[0], 0.1)
        XCTAssertEqual(a[0] + b[1], 1, accuracy: 1e-9, "b = 1 − a on every resample")
        XCTAssertEqual(Approaches.envelope(curves, bootstrap: 40, seed: 5), Approaches.envelope(curves, bootstrap: 40, seed: 5))
    }

    /// Runs only compete where their curve spans C; one size, or one point each, gives no envelope.
    func testEnvelopeCoverage() throws {
        let a = LearningCurve(parameters: 1e6, points: [.init(tokens: 1e6, loss: 3), .init(tokens: 1e7, loss: 2)])
        let b = LearningCurve(parameters: 1e7, points: [.init(tokens: 1e6, loss: 2.5), .init(tokens: 1e7, loss: 1)])
        let env = try XCTUnwrap(Approaches.envelope([a, b], count: 5))
        // a spans C = 6e12…6e13, b 6e13…6e14: a alone below 6e13, b alone above; at 6e13 both,
        // and a's last loss (2) beats b's first (2.5).
        XCTAssertEqual(env.optimalParameters, [1e6, 1e6, 1e6, 1e7, 1e7])
        XCTAssertEqual(env.loss[2], 2)
        XCTAssertEqual(env.optimalTokens.last!, 1e7, accuracy: 1e-3)
        XCTAssertNil(Approaches.envelope([a, LearningCurve(parameters: 1e6, points: a.points)]))
        XCTAssertNil(Approaches.envelope([a, LearningCurve(parameters: 1e7, points: [b.points[0]])]))
    }

    /// `Comparison.ranked`: by held-out log RMSE, rows without a back-test last by AIC, ties stable.
    func testComparisonRanking() {
        func row(_ law: String, holdout: Double?, aic: Double) -> ComparisonRow {
            ComparisonRow(law: law, parameterCount: 1, points: 1, objective: 0, rmseLog: 0, aic: aic, bic: 0,
                          holdoutRmseLog: holdout, holdoutMeanAbsoluteRelativeError: nil, status: "", parameters: [:])
        }
        let rows = [row("a", holdout: nil, aic: 1), row("b", holdout: 0.2, aic: 9), row("c", holdout: nil, aic: -1),
                    row("d", holdout: 0.1, aic: 9), row("e", holdout: 0.2, aic: 0)]
        XCTAssertEqual(Comparison.ranked(rows).map(\.law), ["d", "b", "e", "c", "a"])
    }
}
