import Foundation
@testable import LawFitting
import ScalingLaws
import XCTest

#if DEBUG
/// Whether this is a debug build, where the bootstrap-heavy tests skip.
private let unoptimized = true
#else
private let unoptimized = false
#endif

/// The task-metric laws, the bounded optimizer and the two-step forecast (docs/science.md,
/// §Task metrics), with the OLMo ladder's published predictions as known answers.
final class TaskLawTests: XCTestCase {
    static let tasksFile = Fixtures.directory.appendingPathComponent("olmo_ladder_tasks.csv").path
    static let curvesFile = Fixtures.directory.appendingPathComponent("olmo_ladder_task_curves.csv").path

    /// The published step-1, step-2 and chained predictions by stage and task.
    static func published() throws -> [String: [String: (actual: Double, predicted: Double)]] {
        let text = try String(contentsOfFile: Fixtures.directory.appendingPathComponent("olmo_ladder_published_predictions.csv").path,
                              encoding: .utf8)
        var out: [String: [String: (actual: Double, predicted: Double)]] = [:]
        for line in text.split(whereSeparator: \.isNewline).dropFirst() {
            let f = line.split(separator: ",").map(String.init)
            out[f[0], default: [:]][f[1]] = (Double(f[2])!, Double(f[3])!)
        }
        return out
    }

    /// Each form's analytic gradient agrees with central differences.
    func testGradientsMatchFiniteDifferences() {
        let cases: [(any TaskMetricFormula, [Double], [Double])] = [
            (SigmoidOfLoss(), [-0.7, 0.9, 3.2, 0.95], [0.3, 0.9, 1.4, 2.5]),
            (ExponentialOfLoss(), [0.8, 5.0, 1.3], [0.5, 2, 3.5]),
            (SigmoidOfLogCompute(), [0.6, 48, 0.4, 0.25], [40, 47.5, 52]),
        ]
        for (form, p, xs) in cases {
            for x in xs {
                var g = [Double](repeating: 0, count: p.count)
                let v = form.value(p, at: x, gradient: &g)
                XCTAssertEqual(v, form.value(p, at: x), accuracy: 1e-15)
                for j in p.indices {
                    let h = 1e-6 * max(abs(p[j]), 1)
                    var up = p, down = p
                    up[j] += h; down[j] -= h
                    let numeric = (form.value(up, at: x) - form.value(down, at: x)) / (2 * h)
                    XCTAssertEqual(g[j], numeric, accuracy: 1e-7 * max(abs(numeric), 1), "\(form.identifier) ∂/∂\(form.parameterNames[j]) at x = \(x)")
                }
            }
        }
    }

    /// The bounded Chinchilla objective's gradient in (a, b, α, β, E) agrees with central differences
    /// (δ large enough that every residual is in Huber's quadratic part, where it is smooth).
    func testBoundedChinchillaGradient() throws {
        let ladder = try XCTUnwrap(TaskLadderReader.read(Self.tasksFile).first)
        let f = TaskLawFitter.boundedChinchillaObjective(FitData(ladder.runs.map(\.observation)), delta: 1)
        let theta = [3.5, 4.5, 0.22, 0.24, 0.45]
        var g = [Double](repeating: 0, count: 5), scratch = g
        _ = f(theta, &g)
        for j in 0..<5 {
            var up = theta, down = theta
            up[j] += 1e-6; down[j] -= 1e-6
            let numeric = (f(up, &scratch) - f(down, &scratch)) / 2e-6
            XCTAssertEqual(g[j], numeric, accuracy: 1e-6 * max(abs(numeric), 1e-3), "component \(j)")
        }
    }

    /// A convex quadratic whose unconstrained minimum (2, −3, 0.5) lies outside the box [0, 1]³:
    /// the bounded minimum clips each coordinate, (1, 0, 0.5), with the projected gradient zero.
    func testBoundedLBFGSStopsOnTheBox() {
        let centre = [2.0, -3.0, 0.5]
        let r = BoundedLBFGS().minimize(from: [0.5, 0.5, 0.5], lower: [0, 0, 0], upper: [1, 1, 1]) { x, g in
            var v = 0.0
            for i in 0..<3 { let d = x[i] - centre[i]; v += Double(i + 1) * d * d; g[i] = 2 * Double(i + 1) * d }
            g[0] += 0.3 * x[2]; g[2] += 0.3 * x[0]
            return v + 0.3 * x[0] * x[2]
        }
        XCTAssertTrue(r.status.isConverged, "\(r.status)")
        XCTAssertEqual(r.x[0], 1, accuracy: 1e-12)
        XCTAssertEqual(r.x[1], 0, accuracy: 1e-12)
        // ∂/∂x2 = 6(x2 − 0.5) + 0.3·x0 = 0 at x0 = 1.
        XCTAssertEqual(r.x[2], 0.5 - 0.3 / 6, accuracy: 1e-9)
    }

    /// With the OLMo ladder paper's own settings, all 24 published predictions for the 13B-5T target
    /// (step 1's bits per byte, step 2's accuracy at the measured bits per byte, the chained accuracy)
    /// are reproduced to 1e-4 relative.
    func testOLMoLadderReproducesPublishedPredictions() throws {
        let ladders = try TaskLadderReader.read(Self.tasksFile, curves: Self.curvesFile)
        XCTAssertEqual(ladders.count, 8)
        let published = try Self.published()
        var options = TaskForecastOptions()
        options.settings = .olmo
        options.bootstrap = 0
        var checked = 0
        for ladder in ladders {
            XCTAssertEqual(ladder.runs.count, 16)
            let target = try XCTUnwrap(ladder.targets.first { $0.run == "13B-5T" })
            let f = try TwoStepForecast.forecast(ladder, parameters: target.parameters, tokens: target.tokens,
                                                 compute: target.compute, actual: target, options: options)
            let stages: [(String, Double)] = [("step1", f.loss), ("step2", f.metricAtActualLoss!), ("chained", f.chained)]
            for (stage, ours) in stages {
                let p = try XCTUnwrap(published[stage]?[ladder.task], "\(stage) \(ladder.task)")
                print(String(format: "olmo %@ %@: published %.6f ours %.6f rel %.1e", ladder.task, stage, p.predicted, ours,
                             abs(ours - p.predicted) / p.predicted))
                XCTAssertEqual(ours, p.predicted, accuracy: 1e-4 * p.predicted, "\(stage) \(ladder.task)")
                checked += 1
            }
            XCTAssertEqual(f.actualMetric, published["step2"]?[ladder.task]?.actual)
        }
        XCTAssertEqual(checked, 24)
    }

    /// ScaleLab's own defaults (grid starts, 200 bootstrap resamples of the 16 runs refitting both
    /// steps) on the OLMo ladder: 13B-5T forecasts with 90% intervals beside the paper settings'.
    /// The defaults' multi-start fits land on the paper settings' optima: the chained forecasts agree
    /// within 1e-3 on all 8 tasks (measured: within 1e-4), and the chained 90% intervals cover the
    /// measured 13B-5T accuracy on at least 6 of the 8 tasks (measured: 6; ARC-Easy and
    /// CommonsenseQA are missed). Numbers in docs/science.md, §Task metrics.
    func testOLMoLadderWithDefaults() throws {
        try XCTSkipIf(unoptimized, "hundreds of bootstrap refits: about 100× slower unoptimized; runs in release (make test)")
        let ladders = try TaskLadderReader.read(Self.tasksFile, curves: Self.curvesFile)
        var paper = TaskForecastOptions()
        paper.settings = .olmo
        paper.bootstrap = 0
        var robust = TaskForecastOptions()
        robust.bootstrap = 200
        var close = 0, covered = 0, directCovered = 0, containsPaper = 0
        print("task | paper chained | default chained [90%] | direct [90%] | actual")
        for ladder in ladders {
            let target = try XCTUnwrap(ladder.targets.first { $0.run == "13B-5T" })
            let p = try TwoStepForecast.forecast(ladder, parameters: target.parameters, tokens: target.tokens,
                                                 compute: target.compute, actual: target, options: paper)
            let d = try TwoStepForecast.forecast(ladder, parameters: target.parameters, tokens: target.tokens,
                                                 compute: target.compute, actual: target, options: robust)
            let ci = try XCTUnwrap(d.chainedInterval), li = try XCTUnwrap(d.lossInterval)
            print(String(format: "%@ | %.4f | %.4f [%.4f, %.4f] | %.4f [%.4f, %.4f] | %.4f || loss %.4f [%.4f, %.4f] paper %.4f actual %.4f",
                         ladder.task, p.chained, d.chained, ci[0], ci[1], d.direct ?? .nan, d.directInterval?[0] ?? .nan,
                         d.directInterval?[1] ?? .nan, target.metric, d.loss, li[0], li[1], p.loss, target.loss))
            XCTAssertGreaterThan(d.bootstrapSamples, 190)
            XCTAssertLessThanOrEqual(ci[0], d.chained + 1e-12)
            XCTAssertGreaterThanOrEqual(ci[1], d.chained - 1e-12)
            if abs(d.chained - p.chained) <= 1e-3 { close += 1 }
            if ci[0] <= p.chained && p.chained <= ci[1] { containsPaper += 1 }
            if d.chainedCovers == true { covered += 1 }
            if d.directCovers == true { directCovered += 1 }
        }
        print("defaults: \(close) of 8 within 1e-3 of the paper settings; chained intervals cover the actual accuracy on "
              + "\(covered) of 8, direct on \(directCovered) of 8; \(containsPaper) of 8 contain the paper settings' forecast")
        XCTAssertEqual(close, 8)
        XCTAssertGreaterThanOrEqual(covered, 6)
    }

    /// Synthetic recovery: 16-run ladders (four sizes at four token multiples) whose task loss follows
    /// a known Chinchilla law with 1% log-normal noise and whose accuracy follows a known sigmoid of
    /// the true loss with noise of 0.01. Over 200 data sets the fits recover the constants (median
    /// step-2 parameters within 10% of the truth; median chained error at the target, 10× the largest
    /// run's N and 20× its D, under 0.04: measured 0.020) and the chained 90% interval covers the
    /// true chained accuracy in 82–97% of them: 90% ± 3 binomial standard errors (2.1% each at 200
    /// sets) on the high side, with room below for the percentile bootstrap's known small-sample
    /// under-coverage (16 runs, 9 parameters).
    func testSyntheticChainIsRecoveredAndCovered() throws {
        try XCTSkipIf(unoptimized, "hundreds of bootstrap refits: about 100× slower unoptimized; runs in release (make test)")
        let truthOne = Law(ChinchillaLaw(), parameters: [0.5, 150, 600, 0.3, 0.3])
        let truthTwo = [-0.7, 1.3, 4.0, 0.95]
        let sigmoid = SigmoidOfLoss()
        let (Nt, Dt) = (1.3e10, 5e12)
        let truth = sigmoid.value(truthTwo, at: truthOne(LawInput(N: Nt, D: Dt)))
        var options = TaskForecastOptions()
        options.bootstrap = 100
        options.anchor = nil
        options.threads = 1
        options.stepOneFit.threads = 1
        options.stepOneFit.grid = ["log_E": [-1, 0], "log_A": [0, 5, 10], "log_B": [0, 5, 10], "alpha": [0.5], "beta": [0.5]]
        let sets = 200
        let base = options
        let outcomes: [(covered: Bool, error: Double, two: [Double])?] = parallelMap(sets, threads: defaultThreadCount) { s in
            var rng = SplitMix64(seed: 15, stream: UInt64(s))
            var runs: [TaskRun] = []
            for N in [2e8, 4e8, 8e8, 1.3e9] {
                for m in [1.0, 2, 5, 10] {
                    let D = 20 * N * m
                    let L = truthOne(LawInput(N: N, D: D))
                    runs.append(TaskRun(run: "\(N)-\(m)", parameters: N, tokens: D, compute: 6 * N * D,
                                        loss: L * exp(0.01 * rng.nextGaussian()),
                                        metric: sigmoid.value(truthTwo, at: L) + 0.01 * rng.nextGaussian()))
                }
            }
            var o = base
            o.seed = UInt64(s)
            guard let f = try? TwoStepForecast.forecast(TaskLadder(task: "synthetic", runs: runs), parameters: Nt, tokens: Dt, options: o),
                  let i = f.chainedInterval else { return nil }
            return (i[0] <= truth && truth <= i[1], abs(f.chained - truth), sigmoid.parameterNames.map { f.stepTwoLaw[$0]! })
        }
        let done = outcomes.compactMap { $0 }
        XCTAssertEqual(done.count, sets, "every data set fits")
        let coverage = Double(done.filter(\.covered).count) / Double(done.count)
        let errors = done.map(\.error).sorted()
        let medianTwo = (0..<4).map { j in done.map { $0.two[j] }.sorted()[done.count / 2] }
        print(String(format: "synthetic: true chained accuracy %.4f; coverage of the 90%% interval %.3f; median |error| %.4f; "
                     + "median step-2 parameters %@", truth, coverage, errors[errors.count / 2], medianTwo.description))
        XCTAssertLessThan(errors[errors.count / 2], 0.04)
        for j in 0..<4 { XCTAssertEqual(medianTwo[j], truthTwo[j], accuracy: 0.1 * max(abs(truthTwo[j]), 1), sigmoid.parameterNames[j]) }
        XCTAssertTrue((0.82...0.97).contains(coverage), "coverage \(coverage)")
    }

    /// Noise-free points from known constants: the bounded least-squares fit from the forms' own
    /// start grids recovers the sigmoid of loss and Gadre et al.'s exponential of loss.
    func testLossToMetricFitsRecoverKnownConstants() throws {
        let xs = stride(from: 0.4, through: 2.0, by: 0.1).map { $0 }
        for (form, truth) in [(SigmoidOfLoss() as any TaskMetricFormula, [-0.6, 1.1, 4.5, 0.9]),
                              (ExponentialOfLoss(), [0.75, 2.0, 1.5])] {
            let fit = try TaskLawFitter.fit(form, x: xs, y: xs.map { form.value(truth, at: $0) })
            for j in truth.indices {
                XCTAssertEqual(fit.parameters[j], truth[j], accuracy: 1e-4 * max(abs(truth[j]), 1), "\(form.identifier) \(form.parameterNames[j])")
            }
            XCTAssertLessThan(fit.sumOfSquares, 1e-12)
        }
        XCTAssertThrowsError(try TaskLawFitter.fit(SigmoidOfLoss(), x: [1, 2, 3], y: [0.5, 0.4, 0.3])) { error in
            XCTAssertTrue("\(error)".contains("need at least 5"), "\(error)")
        }
    }
}
