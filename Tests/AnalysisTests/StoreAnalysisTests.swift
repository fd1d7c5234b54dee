import Foundation
import XCTest
@testable import Analysis
@testable import Lab
import LawFitting
import ScalingLaws

/// Known answers: runs whose losses come from a known Chinchilla law on an IsoFLOP grid give
/// back its allocation exponent a = β/(α+β) by approaches 2 and 3.
final class AnalysisTests: XCTestCase {
    let truth = ChinchillaParameters(E: 1.8, A: 400, B: 2000, alpha: 0.34, beta: 0.36)

    /// `truth`'s exact losses on an IsoFLOP grid: at each budget, `sizes` models 0.2 decades apart
    /// from 0.6 decades below its N_opt.
    func syntheticStore(budgets: [Double] = [1e15, 1e16, 1e17, 1e18], sizes: Int = 7) throws -> RunStore {
        let store = try RunStore.open(path: try temporaryDirectory(self).appendingPathComponent("a.sqlite").path)
        var runs: [StoredRun] = []
        for C in budgets {
            let center = truth.optimalParameters(compute: C)
            for i in 0..<sizes {
                let N = center * pow(10, -0.6 + 0.2 * Double(i)), D = C / (6 * N)
                var r = StoredRun(sweepID: 0, parameters: N, status: .done, createdAt: Date())
                r.tokens = D; r.flops = C; r.budget = C
                r.finalValidationLoss = truth.loss(parameters: N, tokens: D)
                runs.append(r)
            }
        }
        _ = try store.insert(Sweep(name: "synthetic", kind: "isoflop", specJSON: "{}", scalelabVersion: "t", createdAt: Date()), runs: runs)
        return store
    }

    /// A few starts instead of the 4,500-point grid: the debug build is slow, and an exact law is
    /// found from any nearby start.
    var fewStarts: FitOptions {
        var options = FitOptions()
        options.threads = 2
        options.grid = ["log_E": [0.5], "log_A": [5, 8], "log_B": [5, 8], "alpha": [0.5], "beta": [0.5]]
        return options
    }

    /// Analysis options with `bootstrap` resamples (seeded by `seed`) and `fit` for every fit.
    func options(bootstrap: Int, seed: UInt64 = 0, fit: FitOptions? = nil) -> AnalysisOptions {
        var o = AnalysisOptions()
        o.bootstrap = bootstrap
        o.seed = seed
        o.fit = fit ?? fewStarts
        return o
    }

    func testApproachesTwoAndThreeRecoverTheExponentAndAreSaved() throws {
        let store = try syntheticStore()
        let options = fewStarts
        let r = try StoreAnalysis.analyze(store, options: self.options(bootstrap: 20, fit: options))
        XCTAssertEqual(r.runs, 28)
        XCTAssertEqual(r.parabolas.count, 4)
        XCTAssertTrue(r.parabolas.allSatisfy(\.bracketed))
        let a2 = try XCTUnwrap(r.approach2)
        XCTAssertEqual(a2.a, truth.a, accuracy: 0.02, "parabola vertices of an exact law")
        XCTAssertEqual(a2.a + a2.b!, 1, accuracy: 1e-9, "C = 6ND on every run")
        let interval = try XCTUnwrap(a2.aInterval)
        XCTAssertLessThanOrEqual(interval[0], a2.a + 1e-9)
        XCTAssertGreaterThanOrEqual(interval[1], a2.a - 1e-9)
        let a3 = try XCTUnwrap(r.approach3)
        XCTAssertEqual(a3.alpha, truth.alpha, accuracy: 0.01)
        XCTAssertEqual(a3.beta, truth.beta, accuracy: 0.01)
        // The forecast interval comes from the same 20 refits as the parameter intervals.
        XCTAssertEqual(r.approach3Bootstrap?.count, 20)
        let loss = try XCTUnwrap(r.approach3LossInterval(parameters: 1e9, tokens: 2e10))
        XCTAssertLessThanOrEqual(loss[0], loss[1])
        XCTAssertEqual(loss[0], a3.loss(parameters: 1e9, tokens: 2e10), accuracy: 0.01 * loss[0])
        let half = try XCTUnwrap(r.approach3LossInterval(parameters: 1e9, tokens: 2e10, level: 0.5))
        XCTAssertLessThanOrEqual(half[1] - half[0], loss[1] - loss[0])
        let alpha = try XCTUnwrap(ChinchillaLaw().parameters.firstIndex { $0.name == "alpha" })
        let alphas = try XCTUnwrap(r.approach3Bootstrap).map { $0[alpha] }
        XCTAssertEqual(BootstrapResult.percentileInterval(alphas, level: 0.9), r.approach3Intervals?["alpha"])
        XCTAssertNil(r.approach1)
        XCTAssertTrue(r.notes.contains { $0.contains("approach 1") })
        try StoreAnalysis.save(r, to: store, version: "t")
        let fits = try store.fits()
        XCTAssertEqual(fits.map(\.method), ["approach-2", "approach-2", "approach-3"])
        XCTAssertEqual(fits.map(\.law), ["allocation", "frontier", "chinchilla"])
        let frontier = try XCTUnwrap(r.frontier)
        XCTAssertEqual(frontier.points.count, r.parabolas.filter(\.bracketed).count)
        XCTAssertEqual(fits[1].parameters["alpha_C"] ?? .nan, frontier.exponent, accuracy: 1e-12)
        XCTAssertEqual(fits[1].intervals?["alpha_C"], frontier.exponentInterval)
        XCTAssertEqual(fits[2].parameters["a"] ?? .nan, a3.a, accuracy: 1e-12)
        XCTAssertEqual(fits[0].dataHash, MeasurementSet.contentHash(of: try store.measurements()))
    }

    /// A file of the store's runs gives the same approaches 2 and 3 as the store (one code path):
    /// the same budgets, all used, and a under every vertex method within 0.02 of the truth.
    func testAFileOfTheSameRunsGivesTheSameApproaches() throws {
        let store = try syntheticStore()
        let options = self.options(bootstrap: 10, seed: 2)
        let fromStore = try StoreAnalysis.analyze(store, options: options)
        let set = try StoreAnalysis.measurementSet(store)
        let fromFile = try StoreAnalysis.analyze(set, options: options)
        XCTAssertEqual(fromFile.runs, fromStore.runs)
        XCTAssertEqual(fromFile.approach2, fromStore.approach2)
        XCTAssertEqual(fromFile.budgets, fromStore.budgets)
        XCTAssertEqual(fromFile.budgets.map(\.status), Array(repeating: .used, count: 4))
        XCTAssertEqual(fromFile.approach3, fromStore.approach3)
        XCTAssertEqual(fromFile.vertex, "parabola")
        XCTAssertEqual(Set(fromFile.vertexSensitivity.keys), ["parabola", "window(5)", "spline"])
        for (method, a) in fromFile.vertexSensitivity { XCTAssertEqual(a, truth.a, accuracy: 0.02, method) }
        XCTAssertEqual(fromFile.vertexSensitivity["parabola"], fromFile.approach2?.a)
        XCTAssertEqual(try XCTUnwrap(fromFile.vertexSpread), fromFile.vertexSensitivity.values.max()! - fromFile.vertexSensitivity.values.min()!)

        var spline = options
        spline.vertex = .spline
        let r = try StoreAnalysis.analyze(set, options: spline)
        XCTAssertEqual(r.vertex, "spline")
        XCTAssertEqual(r.vertexSensitivity["spline"], r.approach2?.a)
    }

    /// The published exponents shown beside the fits are the catalog's (Hoffmann et al. 2022, Table 2).
    /// A ladder and a forecast run trained by ScaleLab (like the demo's) are one study: no
    /// warning. An imported sweep fitted with them is warned about, and `--group-by sweep`
    /// separates the sweeps.
    func testOnlyImportsMixedIntoAFitAreWarnedAbout() throws {
        let store = try syntheticStore()
        var forecast = StoredRun(sweepID: 0, parameters: 3e9, status: .done, createdAt: Date())
        forecast.tokens = 6e10; forecast.flops = 6 * 3e9 * 6e10
        forecast.finalValidationLoss = truth.loss(parameters: 3e9, tokens: 6e10)
        _ = try store.insert(Sweep(name: "forecast", kind: "fixed-size", specJSON: "{}", scalelabVersion: "t", createdAt: Date()),
                             runs: [forecast])
        XCTAssertEqual(try StoreAnalysis.measurementSet(store, warn: true).warnings, [])

        let other = MeasurementSet(measurements: [Observation(parameters: 1e8, tokens: 2e9, compute: 1.2e18, loss: 3.5)],
                                   source: "theirs.csv", format: .csv)
        _ = try store.importMeasurements(other, version: "t")
        let warnings = try StoreAnalysis.measurementSet(store, warn: true).warnings
        XCTAssertEqual(warnings.count, 1, "\(warnings)")
        XCTAssertTrue(warnings[0].hasPrefix("the runs come from 3 sweeps (1 'synthetic' (isoflop), 2 'forecast' (fixed-size), "
                                            + "3 'theirs.csv' (import)), fitted as one law"), warnings[0])
        XCTAssertEqual(try StoreAnalysis.measurementSet(store, sweep: 1, warn: true).warnings, [])

        let groups = try StoreAnalysis.select(store, RowSelection(groupBy: ["kind"]))
        XCTAssertEqual(groups.map(\.set.group), ["kind=fixed-size", "kind=import", "kind=isoflop"])
        XCTAssertEqual(groups.map(\.set.count), [1, 1, 28])
        XCTAssertTrue(groups.allSatisfy { $0.set.warnings.isEmpty })
        let notImported = try StoreAnalysis.select(store, RowSelection(conditions: [RowCondition(column: "kind", values: ["import"], negated: true)]))
        XCTAssertEqual(notImported.count, 1)
        XCTAssertEqual(notImported[0].sweeps.map(\.name), ["synthetic", "forecast"])
        XCTAssertEqual(notImported[0].set.warnings, [])
    }

    func testPublishedExponentsComeFromTheCatalog() throws {
        let r = try StoreAnalysis.analyze(try syntheticStore(), options: options(bootstrap: 0, fit: {
            var o = FitOptions()
            o.threads = 2
            o.grid = ["log_E": [0.5], "log_A": [5], "log_B": [8], "alpha": [0.5], "beta": [0.5]]
            return o
        }()))
        for (method, a) in PublishedLaws.named("hoffmann2022")!.allocationExponents { XCTAssertEqual(r.published[method], a, method) }
        XCTAssertEqual(r.published["epoch2024"], PublishedLaws.epoch2024.a)
        XCTAssertNil(r.approach2?.aInterval, "no bootstrap")
        XCTAssertNil(r.approach3LossInterval(parameters: 1e9, tokens: 2e10), "no bootstrap")
    }

    /// `fit --store --law chinchilla` hands its own approach-3 fit and resamples to the analysis:
    /// the result is the same as the analysis's own, and a bootstrap of another size is not reused.
    func testAHandedOverApproachThreeFitGivesTheSameResult() throws {
        let store = try syntheticStore()
        let options = fewStarts
        let twelve = self.options(bootstrap: 12, seed: 3, fit: options)
        let own = try StoreAnalysis.analyze(store, options: twelve)
        let set = try StoreAnalysis.measurementSet(store)
        let law = try LawAnalysis.run(set, options: twelve, version: "t")
        let (data, fit) = (law.data, law.fit)
        XCTAssertEqual(law.bootstrap?.samples.count, 12)
        let handed = try StoreAnalysis.analyze(store, options: twelve, approach3: law)
        XCTAssertEqual(handed, own)
        XCTAssertEqual(handed.approach3Bootstrap, own.approach3Bootstrap)
        // A 5-sample bootstrap does not stand in for the 12 asked for.
        var small = law
        small.bootstrap = try Bootstrap.run(fit, data: data, options: BootstrapOptions(samples: 5, seed: 3), fitOptions: options)
        let redone = try StoreAnalysis.analyze(store, options: twelve, approach3: small)
        XCTAssertEqual(redone.approach3Bootstrap?.count, 12)
        XCTAssertEqual(redone.approach3Bootstrap, own.approach3Bootstrap)
        // The handed fit is used as it is (here one from a single start, which stops elsewhere in
        // the last digits), not refitted.
        var one = options
        one.grid = ["log_E": [0], "log_A": [4], "log_B": [9], "alpha": [0.3], "beta": [0.6]]
        let other = try LawFitter.fit(ChinchillaLaw(), to: data, options: one)
        var otherLaw = law
        otherLaw.fit = other
        let used = try StoreAnalysis.analyze(store, options: self.options(bootstrap: 0, fit: options), approach3: otherLaw)
        XCTAssertEqual(used.approach3, ChinchillaParameters(other.parameters))
        XCTAssertNotEqual(other.parameters, fit.parameters, "the two starts must stop at different points for this check")
    }

    /// On runs from an exact Chinchilla law the approach-3 back-test is exact, so the combination
    /// puts (almost) all its weight on approach 3 and every forecast of approach 3 is the truth.
    func testLadderBacktestAndForecastOnAnExactLaw() throws {
        let store = try syntheticStore()
        let options = fewStarts
        let analysis = try StoreAnalysis.analyze(store, options: self.options(bootstrap: 20, fit: options))
        let bt = try XCTUnwrap(try LadderBacktest.run(store: store, sweep: 1, analysis: analysis,
                                                      options: self.options(bootstrap: 20, fit: options)))
        XCTAssertEqual(bt.budget, 1e18)
        XCTAssertEqual(bt.runs, 7)
        let best = try XCTUnwrap(bt.approach3BestRun)
        XCTAssertEqual(best.loss, (0..<7).map { i -> Double in
            let N = truth.optimalParameters(compute: 1e18) * pow(10, -0.6 + 0.2 * Double(i))
            return truth.loss(parameters: N, tokens: 1e18 / (6 * N))
        }.min()!, accuracy: 1e-12, "the budget's lowest loss")
        XCTAssertEqual(best.relativeError, 0, accuracy: 1e-4)
        XCTAssertLessThan(try XCTUnwrap(bt.approach3MeanAbsoluteError), 1e-4)
        // The frontier has no E: through three minima of E + (stuff)·C^-x it over-shoots the fall.
        let frontierError = try XCTUnwrap(bt.frontierBestRunError)
        XCTAssertLessThan(frontierError, -1e-3)
        let weight = try XCTUnwrap(bt.combination?.weight)
        XCTAssertEqual(weight, 1, accuracy: 0.05)

        let C = 4e18, N = truth.optimalParameters(compute: C), D = C / (6 * N)
        let f = try XCTUnwrap(LadderForecast(analysis: analysis, backtest: bt, parameters: N, tokens: D, compute: C))
        let measured = truth.loss(parameters: N, tokens: D)
        XCTAssertEqual(f.approach3, measured, accuracy: 1e-4 * measured)
        XCTAssertEqual(try XCTUnwrap(f.combined), weight * f.approach3 + (1 - weight) * f.frontier!, accuracy: 1e-12)
        let interval = try XCTUnwrap(f.combinedInterval)
        XCTAssertLessThanOrEqual(interval[0], interval[1])
        // Approach 3's form interval: its noise interval widened by its rolling back-tests, which
        // ran on this ladder (its budgets below the largest hold more runs than 5 parameters).
        XCTAssertEqual(analysis.approach3Resampling, .residuals)
        let rolling = try XCTUnwrap(analysis.approach3Rolling)
        XCTAssertFalse(rolling.steps.isEmpty)
        let noise = try XCTUnwrap(f.approach3Interval), form = try XCTUnwrap(f.approach3FormInterval)
        XCTAssertEqual(form, rolling.formInterval(noise, compute: C))
        XCTAssertTrue(form[0] <= noise[0] && noise[1] <= form[1], "\(form) contains \(noise)")
        XCTAssertNil(f.approach3FormNote)
        XCTAssertEqual(f.errors(measured: form[0]).approach3InsideForm, true)
        let e = f.errors(measured: measured)
        XCTAssertEqual(e.approach3, 0, accuracy: 1e-4)
        XCTAssertLessThan(abs(e.combined!), abs(e.frontier!), "the weights favour the law whose back-test was right")
        XCTAssertEqual(e.bracketed, e.frontier! <= 0 && e.approach3 >= 0 || e.frontier! >= 0 && e.approach3 <= 0)
    }

    /// Too few runs below the largest budget for approach 3: no back-test of it, no combination,
    /// and no error either.
    func testLadderBacktestWithTooFewRunsForApproachThree() throws {
        let store = try syntheticStore(budgets: [1e15, 1e16], sizes: 3)
        let analysis = try StoreAnalysis.analyze(store, options: options(bootstrap: 0, fit: FitOptions()))
        let bt = try XCTUnwrap(try LadderBacktest.run(store: store, sweep: 1, analysis: analysis))
        XCTAssertEqual(bt.budget, 1e16)
        XCTAssertNil(bt.approach3BestRun, "3 runs left for 5 parameters")
        XCTAssertNil(bt.combination)
    }
}

/// A fresh temporary folder per test, removed at the end.
func temporaryDirectory(_ test: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("analysis-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}
