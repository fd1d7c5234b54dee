import Foundation
@testable import LawFitting
import ScalingLaws
import XCTest

final class UncertaintyTests: XCTestCase {
    private func smallFit(seed: UInt64 = 7) throws -> (LawFit, FitData) {
        let data = FitData(Synthetic.isoFLOP(Published.epoch2024, budgets: 6, sizes: 12, noise: 0.01, seed: seed))
        var options = FitOptions()
        options.grid = ["log_E": [0, 0.5], "log_A": [5, 10], "log_B": [5, 10], "alpha": [0.5], "beta": [0.5]]
        return (try LawFitter.fit(ChinchillaLaw(), to: data, options: options), data)
    }

    /// Same seed ⇒ same intervals, whatever the number of threads.
    func testBootstrapIsDeterministicAcrossThreadCounts() throws {
        let (fit, data) = try smallFit()
        var one = FitOptions(); one.threads = 1
        var two = FitOptions(); two.threads = 2
        let a = try Bootstrap.run(fit, data: data, options: BootstrapOptions(samples: 24, seed: 5), fitOptions: one)
        let b = try Bootstrap.run(fit, data: data, options: BootstrapOptions(samples: 24, seed: 5), fitOptions: two)
        XCTAssertEqual(a.samples, b.samples)
        let c = try Bootstrap.run(fit, data: data, options: BootstrapOptions(samples: 24, seed: 6), fitOptions: two)
        XCTAssertNotEqual(a.samples, c.samples, "a different seed resamples differently")
    }

    /// The 98% intervals cover the generating exponents and the allocation exponent a, and are
    /// narrow at 1% noise on 72 points. (A 90% interval misses the truth in one set of ten, and of
    /// three parameters here E's does: how often they miss is `CoverageStudyTests`' question.)
    func testBootstrapIntervalsCoverTruth() throws {
        let (fit, data) = try smallFit()
        let boot = try Bootstrap.run(fit, data: data, options: BootstrapOptions(samples: 200, level: 0.98, seed: 1))
        XCTAssertEqual(boot.failed, 0)
        let truth = Published.epoch2024
        let intervals = boot.parameterIntervals
        for (name, value) in [("alpha", truth.alpha), ("beta", truth.beta), ("E", truth.E)] {
            let iv = try XCTUnwrap(intervals[name])
            XCTAssertLessThanOrEqual(iv[0], value, "\(name) \(iv)")
            XCTAssertGreaterThanOrEqual(iv[1], value, "\(name) \(iv)")
            XCTAssertLessThan(iv[1] - iv[0], 0.3 * value, "\(name) interval \(iv) is implausibly wide")
        }
        let a = try XCTUnwrap(boot.intervals { Derived.scalars(fit.formula, $0) }["a"])
        XCTAssertTrue(a[0] <= truth.a && truth.a <= a[1], "a interval \(a) should cover \(truth.a)")
    }

    /// Deleted residuals are centred and larger than the fitted ones (each is the error of a
    /// prediction without its point); past `maxDeletedResidualPoints` the fitted residuals scaled
    /// by sqrt(n/(n − p)) stand in.
    func testDeletedResidualsAreCentredAndLargerThanTheFittedOnes() throws {
        let (fit, data) = try smallFit()
        let (fitted, deleted) = Bootstrap.deletedResiduals(fit, data: data, options: FitOptions())
        XCTAssertEqual(fitted.count, data.count)
        XCTAssertEqual(deleted.reduce(0, +) / Double(deleted.count), 0, accuracy: 1e-12)
        let rms = (deleted.map { $0 * $0 }.reduce(0, +) / Double(deleted.count)).squareRoot()
        XCTAssertGreaterThan(rms, fit.rmseLog)
        XCTAssertLessThan(rms, 2 * fit.rmseLog)

        let large = FitData(Synthetic.isoFLOP(Published.epoch2024, budgets: 6, sizes: 200, noise: 0.01, seed: 2))
        XCTAssertGreaterThan(large.count, Bootstrap.maxDeletedResidualPoints)
        var options = FitOptions()
        options.grid = ["log_E": [0.5], "log_A": [6], "log_B": [7.5], "alpha": [0.35], "beta": [0.35]]
        let largeFit = try LawFitter.fit(ChinchillaLaw(), to: large, options: options)
        let scaled = Bootstrap.deletedResiduals(largeFit, data: large, options: options).residuals
        let raw = zip(large.logLoss, large.inputs).map { $0 - log(largeFit.law($1)) }
        let mean = raw.reduce(0, +) / Double(raw.count)
        let factor = (Double(large.count) / Double(large.count - 5)).squareRoot()
        for (r, s) in zip(raw, scaled) { XCTAssertEqual(s, (r - mean) * factor, accuracy: 1e-12) }
    }

    /// Deleted residuals are the default; the result and the fit report record the resampling, and a
    /// fit file written before it was recorded reads as the case bootstrap it ran.
    func testResidualResamplingIsTheDefaultAndIsRecorded() throws {
        let (fit, data) = try smallFit()
        XCTAssertEqual(BootstrapOptions(samples: 1).resampling, .residuals)
        let residuals = try Bootstrap.run(fit, data: data, options: BootstrapOptions(samples: 8, seed: 3))
        var cases = BootstrapOptions(samples: 8, seed: 3)
        cases.resampling = .cases
        let caseBoot = try Bootstrap.run(fit, data: data, options: cases)
        XCTAssertEqual(residuals.resampling, .residuals)
        XCTAssertEqual(caseBoot.resampling, .cases)
        XCTAssertNotEqual(residuals.samples, caseBoot.samples)
        let report = FitReport(fit: fit, bootstrap: residuals, seed: 3, version: "test")
        XCTAssertEqual(report.bootstrap?.resampling, .residuals)
        var json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(report)) as! [String: Any]
        XCTAssertEqual((json["bootstrap"] as? [String: Any])?["resampling"] as? String, "residuals")
        var old = json["bootstrap"] as! [String: Any]
        old["resampling"] = nil
        json["bootstrap"] = old
        let read = try JSONDecoder().decode(FitReport.self, from: JSONSerialization.data(withJSONObject: json))
        XCTAssertNil(read.bootstrap?.resampling)
        XCTAssertEqual(read.bootstrap?.resamplingUsed, .cases)
        XCTAssertEqual(BootstrapResampling.residuals.label, "residual resampling")
    }

    func testBootstrapRejectsBadOptions() throws {
        let (fit, data) = try smallFit()
        XCTAssertThrowsError(try Bootstrap.run(fit, data: data, options: BootstrapOptions(samples: 0))) {
            XCTAssertTrue("\($0)".contains("at least 1 sample"), "\($0)")
        }
        XCTAssertThrowsError(try Bootstrap.run(fit, data: data, options: BootstrapOptions(samples: 5, level: 1.5))) {
            XCTAssertTrue("\($0)".contains("--level must be between 0 and 1"), "\($0)")
        }
    }

    /// On noise-free data the back-test predicts the held-out largest budgets almost exactly,
    /// and the held-out points are the largest by compute.
    func testBacktestOnExactDataPredictsHeldOutPoints() throws {
        let data = FitData(Synthetic.isoFLOP(Published.hoffmann2022, budgets: 6, sizes: 7, noise: 0, seed: 1))
        var options = FitOptions()
        options.grid = ["log_E": [0.5], "log_A": [5], "log_B": [5], "alpha": [0.5], "beta": [0.5]]
        let result = try Backtest.run(ChinchillaLaw(), data: data, holdout: 7, options: options)
        XCTAssertEqual(result.predictions.count, 7)
        XCTAssertEqual(result.fit.points, 35)
        let maxC = data.inputs.map(\.C).max()!
        XCTAssertTrue(result.predictions.allSatisfy { $0.input["C"] == maxC })
        XCTAssertLessThan(result.meanAbsoluteRelativeError, 1e-4)
    }

    func testBacktestRefusesToHoldOutTooMuch() {
        let data = FitData(Synthetic.isoFLOP(Published.hoffmann2022, budgets: 2, sizes: 4, noise: 0, seed: 1))
        XCTAssertThrowsError(try Backtest.run(ChinchillaLaw(), data: data, holdout: 3)) {
            XCTAssertEqual("\($0)", "holding out 3 of 8 points leaves 5, too few for 5 parameters; hold out fewer")
        }
    }

    /// Comparing laws on Chinchilla-generated data ranks the Chinchilla form first by held-out error.
    func testComparisonRanksTheGeneratingLawFirst() throws {
        let data = FitData(Synthetic.isoFLOP(Published.epoch2024, budgets: 6, sizes: 10, noise: 0.005, seed: 9))
        let forms: [any LawFormula] = [ChinchillaLaw(), KaplanJointLaw(), SaturatingPowerLaw(variable: .compute),
                                       KaplanPowerLaw(variable: .parameters)]
        var options = FitOptions()
        options.grid = ["log_A": [5, 10], "log_B": [5, 10], "log_E": [0, 0.5]]
        let applicable = Comparison.applicable(to: data, among: forms)
        XCTAssertEqual(applicable.count, 4)
        let rows = try Comparison.run(applicable.filter { $0 is ChinchillaLaw } , data: data, holdout: 10, options: options)
            + Comparison.run(applicable.filter { !($0 is ChinchillaLaw) }, data: data, holdout: 10, options: FitOptions())
        let ranked = rows.sorted { ($0.holdoutRmseLog ?? .infinity) < ($1.holdoutRmseLog ?? .infinity) }
        XCTAssertEqual(ranked.first?.law, "chinchilla", "\(ranked.map { ($0.law, $0.holdoutRmseLog) })")
        let chinchilla = try XCTUnwrap(rows.first { $0.law == "chinchilla" })
        XCTAssertTrue(rows.allSatisfy { $0.law == "chinchilla" || $0.aic > chinchilla.aic })
    }
}
