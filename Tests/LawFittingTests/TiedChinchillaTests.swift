import Foundation
@testable import LawFitting
import ScalingLaws
import XCTest

/// `chinchilla-tied` (β = α) and its (C, M) form, and least squares on the loss itself: known
/// answers from synthetic data generated with known constants.
final class TiedChinchillaTests: XCTestCase {
    /// Tied constants near Gadre et al.'s scale: E, A, B, α = β.
    static let truth = ChinchillaParameters(E: 1.9, A: 480, B: 2100, alpha: 0.35, beta: 0.35)

    /// A grid of (N, D) from 10 to 400 tokens per parameter (over-trained runs too), each loss
    /// times `exp(σ·z)` (multiplicative noise).
    static func data(noise sigma: Double, seed: UInt64) -> [Observation] {
        var rng = SplitMix64(seed: seed)
        var out: [Observation] = []
        for i in 0..<6 {
            let N = 1e7 * pow(10, Double(i) * 0.5)
            for M in [10.0, 20, 40, 80, 160, 400] {
                let D = M * N
                out.append(Observation(parameters: N, tokens: D, loss: truth.loss(parameters: N, tokens: D) * exp(sigma * rng.nextGaussian())))
            }
        }
        return out
    }

    /// The fast kernel with tied exponents is the generic objective of the tied law.
    func testTiedKernelMatchesGenericObjective() {
        let data = FitData(Self.data(noise: 0.02, seed: 3))
        let kernel = ChinchillaHuberKernel(data: data, delta: 1e-3, tiedExponents: true)
        var generic = LogSpaceObjective(formula: ChinchillaLaw(tiedExponents: true), data: data, delta: 1e-3)
        var rng = SplitMix64(seed: 12)
        for _ in 0..<20 {
            let theta = [Double.random(in: -1...1, using: &rng), Double.random(in: 0...25, using: &rng),
                         Double.random(in: 0...25, using: &rng), Double.random(in: 0...2, using: &rng)]
            var g1 = [Double](repeating: 0, count: 4), g2 = g1
            let v1 = kernel.objective(theta, gradient: &g1)
            let v2 = generic.huberObjective(theta, gradient: &g2)
            XCTAssertEqual(v1, v2, accuracy: 1e-9 * max(1, abs(v2)), "theta \(theta)")
            for j in 0..<4 { XCTAssertEqual(g1[j], g2[j], accuracy: 1e-7 * max(1, abs(g2[j])), "theta \(theta) j \(j)") }
        }
    }

    /// Noise-free data: every objective (Huber and least squares on log L, least squares on L)
    /// gives back the constants that generated it.
    func testEveryObjectiveRecoversTheTruthFromNoiseFreeData() throws {
        let data = FitData(Self.data(noise: 0, seed: 1))
        for kind in FitObjectiveKind.allCases {
            var options = FitOptions()
            options.objective = kind
            let fit = try LawFitter.fit(ChinchillaLaw(tiedExponents: true), to: data, options: options)
            XCTAssertEqual(fit.objectiveKind, kind)
            XCTAssertEqual(fit.parameters.count, 4)
            let p = fit.parameters
            XCTAssertEqual(p[0], Self.truth.E, accuracy: 1e-3 * Self.truth.E, "\(kind): E")
            XCTAssertEqual(p[1], Self.truth.A, accuracy: 1e-2 * Self.truth.A, "\(kind): A")
            XCTAssertEqual(p[2], Self.truth.B, accuracy: 1e-2 * Self.truth.B, "\(kind): B")
            XCTAssertEqual(p[3], Self.truth.alpha, accuracy: 1e-3, "\(kind): alpha")
            XCTAssertLessThan(fit.rmseLog, 1e-5, "\(kind)")
        }
    }

    /// With 1% multiplicative noise the tied law is recovered within a few percent by its default
    /// objective, and its (C, M) form gives the (N, D) form's loss at every point.
    func testRecoveryFromNoisyDataAndTheComputeRatioForm() throws {
        let data = FitData(Self.data(noise: 0.01, seed: 7))
        let fit = try LawFitter.fit(ChinchillaLaw(tiedExponents: true), to: data)
        XCTAssertEqual(fit.starts, 900)
        XCTAssertEqual(fit.objectiveKind, .huber)
        let p = try XCTUnwrap(ChinchillaParameters(fit.law))
        XCTAssertEqual(p.alpha, p.beta)
        XCTAssertEqual(p.alpha, Self.truth.alpha, accuracy: 0.03)
        XCTAssertEqual(p.E, Self.truth.E, accuracy: 0.05)
        let cm = try XCTUnwrap(OvertrainingParameters(p))
        XCTAssertEqual(cm.eta, p.alpha / 2)
        XCTAssertEqual(cm.a, p.A * pow(6, p.alpha / 2), accuracy: 1e-12 * cm.a)
        for x in data.inputs {
            let C = 6 * x.N * x.D, M = x.D / x.N
            XCTAssertEqual(cm.loss(compute: C, tokensPerParameter: M), fit.law(x), accuracy: 1e-12 * fit.law(x))
        }
        XCTAssertEqual(cm.chinchilla.A, p.A, accuracy: 1e-10 * p.A)
        XCTAssertNil(OvertrainingParameters(PublishedLaws.epoch2024), "the (C, M) form needs α = β")
        // The fit report carries the form, named as Gadre et al. name it.
        let report = FitReport(fit: fit, version: "test")
        XCTAssertEqual(report.law, "chinchilla-tied")
        XCTAssertEqual(report.overtrainingForm?.parameters["eta"], cm.eta)
        XCTAssertEqual(report.overtrainingForm?.parameters["b"], cm.b)
        XCTAssertNil(FitReport(fit: try LawFitter.fit(ChinchillaLaw(), to: data), version: "test").overtrainingForm)
    }

    /// The (C, M) form's optimum `M* = (B/A)^(1/α)` is the closed-form plan's D_opt/N_opt with
    /// α = β, and the plan's N_opt is the minimum of the loss along C = 6ND (found by a scan).
    func testThePlannersClosedFormWithTiedExponents() throws {
        let p = Self.truth
        let M = try XCTUnwrap(OvertrainingParameters(p)).optimalTokensPerParameter
        XCTAssertEqual(M, pow(p.B / p.A, 1 / p.alpha), accuracy: 1e-9 * M)
        for C in [1e19, 1e21, 1e23] {
            let plan = try p.computeOptimalPlan(compute: C)
            XCTAssertEqual(plan.tokensPerParameter, M, accuracy: 1e-9 * M)
            XCTAssertEqual(plan.parameters, (C / (6 * M)).squareRoot(), accuracy: 1e-9 * plan.parameters)
            // The loss along the budget, on a fine log grid around the plan, is least at the plan.
            let scan = stride(from: -1.0, through: 1.0, by: 0.001).map { s -> (N: Double, L: Double) in
                let N = plan.parameters * pow(10, s)
                return (N, p.loss(parameters: N, tokens: C / (6 * N)))
            }
            let best = scan.min { $0.L < $1.L }!
            XCTAssertEqual(log(best.N / plan.parameters) / log(10), 0, accuracy: 0.0011)
            XCTAssertLessThanOrEqual(plan.loss, best.L + 1e-12)
        }
    }

    /// Multiplicative noise: least squares on log L and on L both recover the law within a few
    /// percent, and they differ in the expected direction — on L the fit weighs absolute errors,
    /// so the mean of the linear residuals is ~0 while the log fit's median residual is ~0; the
    /// linear fit's sum of squared loss residuals is the smaller of the two (it is what it minimizes),
    /// and the log fit's sum of squared log residuals is the smaller (likewise).
    func testLogAndLinearLeastSquaresOnMultiplicativeNoise() throws {
        let data = FitData(Self.data(noise: 0.01, seed: 21))
        func fit(_ kind: FitObjectiveKind) throws -> LawFit {
            var options = FitOptions()
            options.objective = kind
            return try LawFitter.fit(ChinchillaLaw(tiedExponents: true), to: data, options: options)
        }
        let logFit = try fit(.leastSquares), linear = try fit(.leastSquaresLoss)
        // E and α trade off over this range, but the curve is pinned: both fits are within 2% of
        // the true loss at every point, where the noise is 1% (on this seed the worst point, a
        // corner of the grid, is 1.3% off).
        let trueLaw = Law(ChinchillaLaw(tiedExponents: true), parameters: [Self.truth.E, Self.truth.A, Self.truth.B, Self.truth.alpha])
        for f in [logFit, linear] {
            XCTAssertTrue(f.status.isConverged, f.message)
            XCTAssertEqual(f.parameters[3], Self.truth.alpha, accuracy: 0.04, "\(f.objectiveKind)")
            for x in data.inputs { XCTAssertEqual(f.law(x) / trueLaw(x), 1, accuracy: 0.02, "\(f.objectiveKind) at \(x)") }
        }
        func squares(_ f: LawFit, inLog: Bool) -> Double {
            zip(data.inputs, data.loss).map { x, L in
                let r = inLog ? log(f.law(x)) - log(L) : f.law(x) - L
                return r * r
            }.reduce(0, +)
        }
        XCTAssertLessThan(squares(linear, inLog: false), squares(logFit, inLog: false))
        XCTAssertLessThan(squares(logFit, inLog: true), squares(linear, inLog: true))
        XCTAssertEqual(linear.objective, squares(linear, inLog: false), accuracy: 1e-9 * linear.objective,
                       "the reported objective is Σ(L̂ − L)²")
        XCTAssertNotEqual(logFit.parameters, linear.parameters)
    }
}
