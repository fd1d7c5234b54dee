import Foundation
@testable import LawFitting
import ScalingLaws
import XCTest

final class ChinchillaFitTests: XCTestCase {
    /// The fast approach-3 kernel and the generic log-space objective are the same function.
    func testKernelMatchesGenericObjective() {
        let data = FitData(Synthetic.isoFLOP(Published.epoch2024, budgets: 4, sizes: 6, noise: 0.02, seed: 3))
        let kernel = ChinchillaHuberKernel(data: data, delta: 1e-3)
        var generic = LogSpaceObjective(formula: ChinchillaLaw(), data: data, delta: 1e-3)
        var rng = SplitMix64(seed: 11)
        for _ in 0..<20 {
            let theta = [Double.random(in: -1...1, using: &rng), Double.random(in: 0...25, using: &rng),
                         Double.random(in: 0...25, using: &rng), Double.random(in: 0...2, using: &rng),
                         Double.random(in: 0...2, using: &rng)]
            var g1 = [Double](repeating: 0, count: 5), g2 = g1
            let v1 = kernel.objective(theta, gradient: &g1)
            let v2 = generic.huberObjective(theta, gradient: &g2)
            XCTAssertEqual(v1, v2, accuracy: 1e-9 * max(1, abs(v2)), "theta \(theta)")
            for j in 0..<5 { XCTAssertEqual(g1[j], g2[j], accuracy: 1e-7 * max(1, abs(g2[j])), "theta \(theta) j \(j)") }
        }
    }

    /// The kernel's gradient agrees with central differences of its value.
    func testKernelGradientMatchesFiniteDifferences() {
        let data = FitData(Synthetic.isoFLOP(Published.epoch2024, budgets: 3, sizes: 5, noise: 0.05, seed: 5))
        // Large δ keeps every residual in the quadratic zone so the objective is smooth around theta.
        let kernel = ChinchillaHuberKernel(data: data, delta: 10)
        let theta = [0.5, 6.0, 7.5, 0.3, 0.35]
        var g = [Double](repeating: 0, count: 5), scratch = g
        _ = kernel.objective(theta, gradient: &g)
        for j in 0..<5 {
            let h = 1e-6
            var up = theta, down = theta
            up[j] += h; down[j] -= h
            let numeric = (kernel.objective(up, gradient: &scratch) - kernel.objective(down, gradient: &scratch)) / (2 * h)
            XCTAssertEqual(g[j], numeric, accuracy: 1e-6 * max(1, abs(numeric)), "parameter \(j)")
        }
    }

    /// Approach 3 on noisy synthetic data recovers the generating constants. With 1% log-noise
    /// on 240 points the parameters are identified to a few percent (bounds from 20 seeds of
    /// this design: the worst exponent error was under 0.02).
    func testRecoversKnownParametersFromNoisyData() throws {
        let truth = Published.epoch2024
        let data = FitData(Synthetic.isoFLOP(truth, noise: 0.01, seed: 42))
        let fit = try LawFitter.fit(ChinchillaLaw(), to: data)
        let p = ChinchillaParameters(fit.parameters)
        XCTAssertEqual(fit.starts, 4_500)
        XCTAssertTrue(fit.status.isConverged, fit.message)
        XCTAssertGreaterThan(fit.convergedStarts, 2_000)
        XCTAssertEqual(p.alpha, truth.alpha, accuracy: 0.03)
        XCTAssertEqual(p.beta, truth.beta, accuracy: 0.03)
        XCTAssertEqual(p.E, truth.E, accuracy: 0.05)
        XCTAssertEqual(p.a, truth.a, accuracy: 0.02)
        XCTAssertEqual(fit.rmseLog, 0.01, accuracy: 0.003, "residuals should be at the noise level")
        XCTAssertEqual(fit.bestStarts.count, 10)
        XCTAssertLessThanOrEqual(fit.bestStarts[0].objective, fit.bestStarts[9].objective)
    }

    /// Many points: the starts are screened on a fixed sample of `screeningSample` points and the
    /// best are polished on every point. The answer is the full data's optimum: the same as
    /// screening on every point, to the optimizer's tolerance.
    func testScreeningOnASampleFindsTheFullDataOptimum() throws {
        let truth = Published.epoch2024
        let data = FitData(Synthetic.isoFLOP(truth, budgets: 40, sizes: 150, noise: 0.02, seed: 7))
        XCTAssertEqual(data.count, 6_000)
        var options = FitOptions()
        options.threads = 2
        options.grid = ["log_E": [-1, 0.5], "log_A": [0, 5, 10], "log_B": [0, 5, 10], "alpha": [0, 0.5], "beta": [0, 0.5]]
        options.screeningSample = 1_000
        let sampled = try LawFitter.fit(ChinchillaLaw(), to: data, options: options)
        options.screeningSample = nil
        let full = try LawFitter.fit(ChinchillaLaw(), to: data, options: options)
        XCTAssertEqual(sampled.starts, 72)
        XCTAssertEqual(sampled.points, 6_000)
        XCTAssertEqual(sampled.objective, full.objective, accuracy: 1e-9 * full.objective, "the same optimum")
        for (s, f) in zip(sampled.parameters, full.parameters) { XCTAssertEqual(s, f, accuracy: 1e-4 * abs(f)) }
        XCTAssertEqual(ChinchillaParameters(sampled.parameters).a, truth.a, accuracy: 0.02)
        // Below the sample size nothing changes.
        let small = FitData(Synthetic.isoFLOP(truth, noise: 0.01, seed: 42))
        options.screeningSample = 2_000
        let a = try LawFitter.fit(ChinchillaLaw(), to: small, options: options)
        options.screeningSample = nil
        let b = try LawFitter.fit(ChinchillaLaw(), to: small, options: options)
        XCTAssertEqual(a.theta, b.theta)
    }

    /// Noise-free data: the fit is exact.
    func testExactDataIsFitExactly() throws {
        let truth = Published.hoffmann2022
        let data = FitData(Synthetic.isoFLOP(truth, budgets: 5, sizes: 9, noise: 0, seed: 1))
        var options = FitOptions()
        options.grid = ["log_E": [0.5], "log_A": [5, 10], "log_B": [5, 10], "alpha": [0.5], "beta": [0.5]]
        let fit = try LawFitter.fit(ChinchillaLaw(), to: data, options: options)
        let p = ChinchillaParameters(fit.parameters)
        XCTAssertEqual(fit.starts, 4)
        XCTAssertLessThan(fit.rmseLog, 1e-5, "Huber is quadratic near zero: L-BFGS stops once the decrease is below ftol")
        XCTAssertEqual(p.alpha, truth.alpha, accuracy: 1e-3)
        XCTAssertEqual(p.beta, truth.beta, accuracy: 1e-3)
        XCTAssertEqual(p.E, truth.E, accuracy: 1e-3)
    }

    func testTooFewPointsIsAnError() {
        let data = FitData(Array(Synthetic.isoFLOP(Published.epoch2024, budgets: 1, sizes: 5, noise: 0, seed: 1)))
        XCTAssertThrowsError(try LawFitter.fit(ChinchillaLaw(), to: data)) { error in
            XCTAssertEqual("\(error)", "law chinchilla has 5 parameters but only 5 usable data points; need at least 6 — add runs or choose a law with fewer parameters")
        }
    }

    func testUnknownGridParameterIsAnError() {
        var options = FitOptions()
        options.grid = ["gamma": [1]]
        XCTAssertThrowsError(try options.startPoints(for: ChinchillaLaw())) { error in
            XCTAssertTrue("\(error)".contains("no fitting parameter 'gamma'"), "\(error)")
            XCTAssertTrue("\(error)".contains("log_E, log_A, log_B, alpha, beta"), "\(error)")
        }
    }
}
