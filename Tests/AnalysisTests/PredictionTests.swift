import Foundation
import XCTest
import Analysis
@testable import LawFitting
import ScalingLaws

/// `Prediction`: a fit report's law at given points, the interval over its refits, scoring and
/// extrapolation flags.
final class PredictionTests: XCTestCase {
    let truth = ChinchillaParameters(E: 1.8, A: 400, B: 2000, alpha: 0.34, beta: 0.36)

    /// A fit of `truth` to 20 exact points with 16 bootstrap refits.
    func analysis() throws -> LawAnalysis {
        let points = (0..<20).map { i -> Observation in
            let N = 1e6 * pow(10, Double(i % 5) * 0.5), D = 2e7 * pow(10, Double(i / 5) * 0.4)
            return Observation(parameters: N, tokens: D, loss: truth.loss(parameters: N, tokens: D))
        }
        var o = AnalysisOptions()
        o.fit.threads = 2
        o.fit.grid = ["log_E": [0.5], "log_A": [5, 8], "log_B": [5, 8], "alpha": [0.5], "beta": [0.5]]
        o.bootstrap = 16
        o.law = "chinchilla"
        return try LawAnalysis.run(MeasurementSet(measurements: points, source: "exact.csv", format: .csv), options: o, version: "test")
    }

    /// The fit report records the range fitted; the prediction is the law, its interval the
    /// percentiles of the refits' losses at the level asked for, and the flags and the summary
    /// follow from them.
    func testIntervalsAreTheRefitsPercentilesAndScoring() throws {
        let a = try analysis()
        let ranges = try XCTUnwrap(a.report.data?.ranges)
        XCTAssertEqual(ranges["N"]?[0] ?? 0, 1e6, accuracy: 1e-3)
        XCTAssertEqual(ranges["N"]?[1] ?? 0, 1e8, accuracy: 1e-1)
        XCTAssertEqual(ranges["D"]?[0] ?? 0, 2e7, accuracy: 1e-3)
        let inside = ScalePoint(parameters: 3e6, tokens: 1e8, loss: truth.loss(parameters: 3e6, tokens: 1e8))
        let beyond = ScalePoint(parameters: 1e10, tokens: 2e11, loss: 10)
        let p = try Prediction.run(report: a.report, source: "fit.json", points: [inside, beyond], level: 0.8)
        XCTAssertEqual(p.level, 0.8)
        XCTAssertEqual(p.refits, 16)
        let x = inside.input
        XCTAssertEqual(p.points[0].predicted, a.fit.law(x), accuracy: 1e-12)
        XCTAssertEqual(p.points[0].predicted, truth.loss(parameters: 3e6, tokens: 1e8), accuracy: 1e-6)
        let refitLosses = a.bootstrap!.samples.map { ChinchillaLaw().value($0, at: x) }
        XCTAssertEqual(p.points[0].noiseInterval, BootstrapResult.percentileInterval(refitLosses, level: 0.8))
        XCTAssertEqual(p.points[0].extrapolated, [])
        XCTAssertEqual(p.points[1].extrapolated?.count, 2, "N and D; the data had no C, so no range of C was recorded")
        XCTAssertEqual(p.points[1].covered, false, "a loss of 10 is far outside any interval")
        XCTAssertEqual(p.points[1].relativeError ?? 0, (p.points[1].predicted - 10) / 10, accuracy: 1e-15)
        let s = try XCTUnwrap(p.summary)
        XCTAssertEqual(s.scored, 2)
        XCTAssertEqual(s.meanAbsoluteRelativeError,
                       (abs(p.points[0].relativeError!) + abs(p.points[1].relativeError!)) / 2, accuracy: 1e-15)
        XCTAssertEqual(s.withInterval, 2)
        // Without a level the fit's own.
        XCTAssertEqual(try Prediction.run(report: a.report, source: "fit.json", points: [inside]).level, 0.9)
    }

    /// The form interval is the noise interval widened by the fit file's rolling back-tests at the
    /// point's 6·N·D: equal to it inside the largest budget, wider beyond, on the side each step's
    /// error points to; without a back-test step there is none, and a note says why.
    func testFormIntervalWidensTheNoiseIntervalByTheRollingBacktests() throws {
        var report = try analysis().report
        XCTAssertNil(report.rollingBacktest, "6ND of the 5 × 4 grid falls on 20 budgets, more than a ladder's \(RollingBacktest.maxBudgets)")
        let step = { (e: Double) in
            RollingBacktestResult.Step(fittedThrough: 1e15, compute: 1e15 * exp(1.0), points: 10, runs: 1, logErrors: [e])
        }
        let rolling = RollingBacktestResult(budgets: [1e14, 1e15, 1e16], steps: [step(0.02), step(-0.01)])
        report.rollingBacktest = rolling
        let inside = ScalePoint(parameters: 1e6, tokens: 2e7), beyond = ScalePoint(parameters: 1e9, tokens: 2e10)
        let p = try Prediction.run(report: report, source: "fit.json", points: [inside, beyond])
        XCTAssertEqual(p.resampling, .residuals, "the default bootstrap")
        XCTAssertEqual(p.formIntervalKind, RollingBacktestResult.formIntervalText)
        let (noiseIn, noiseOut) = (try XCTUnwrap(p.points[0].noiseInterval), try XCTUnwrap(p.points[1].noiseInterval))
        XCTAssertEqual(p.points[0].formInterval, noiseIn, "6ND = 1.2e14 is inside the ladder")
        let form = try XCTUnwrap(p.points[1].formInterval)
        XCTAssertEqual(form, rolling.formInterval(noiseOut, compute: 6 * 1e9 * 2e10))
        let h = log(1.2e20 / 1e16)
        XCTAssertEqual(form[0], noiseOut[0] * exp(-0.02 * h), accuracy: 1e-12)
        XCTAssertEqual(form[1], noiseOut[1] * exp(0.01 * h), accuracy: 1e-12)

        report.rollingBacktest = RollingBacktestResult(budgets: [1e14], steps: [])
        let none = try Prediction.run(report: report, source: "fit.json", points: [beyond])
        XCTAssertNil(none.points[0].formInterval)
        XCTAssertNil(none.formIntervalKind)
        XCTAssertTrue(none.notes.contains { $0.hasPrefix("too few budgets for a rolling back-test") }, "\(none.notes)")
        report.rollingBacktest = nil
        XCTAssertTrue(try Prediction.run(report: report, source: "fit.json", points: [beyond]).notes
            .contains { $0.contains("no rolling back-test") })
    }

    /// A point without a variable the law reads, and a level outside (0, 1), are refused.
    func testBadPoints() throws {
        let a = try analysis()
        XCTAssertThrowsError(try Prediction.run(report: a.report, source: "fit.json", points: [ScalePoint(parameters: 1e8)])) {
            XCTAssertTrue("\($0)".contains("has no D"), "\($0)")
        }
        XCTAssertThrowsError(try Prediction.run(report: a.report, source: "fit.json",
                                                points: [ScalePoint(parameters: 1e8, tokens: 1e9)], level: 1)) {
            XCTAssertTrue("\($0)".contains("--level"), "\($0)")
        }
        XCTAssertThrowsError(try Prediction.run(report: a.report, source: "fit.json", points: []))
    }
}
