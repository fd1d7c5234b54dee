import Foundation
import Lab
import Report
import ScalingLaws
import Trainer
import XCTest

@testable import Studies

/// The repetition study on simulated training: every run's final loss comes from a known
/// data-constrained law (R_D* = 6, not the published 15.4, so a fit that ignored the data would
/// fail) times a small seeded noise, through the same plan, fit and forecast code the study runs.
final class RepetitionStudyTests: XCTestCase {
    /// The truth: E, A, B, α = β, R_D*, and R_N* at the value the study holds it to.
    static let truth = DataConstrainedParameters(chinchilla: ChinchillaParameters(E: 0.9, A: 12, B: 40, alpha: 0.35, beta: 0.35),
                                                 repeatedTokenDecay: 6, excessParameterDecay: RepetitionStudy.published.excessParameterDecay)
    /// Relative noise on each simulated loss: ±0.2% (σ of a centred uniform), about the spread of
    /// seeds of one real run.
    static let noise = 0.002

    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("repetition-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    func store() throws -> RunStore { try RunStore.open(path: directory.appendingPathComponent("s.sqlite").path, create: true) }

    /// The N, D and cap U of a planned run, from its stored configuration.
    static func planned(_ run: StoredRun) throws -> (N: Double, D: Double, U: Double) {
        let config = try JSONConventions.decoder().decode(TrainingConfig.self, from: Data(try XCTUnwrap(run.configJSON).utf8))
        return (run.parameters, Double(config.tokens), Double(try XCTUnwrap(config.uniqueTokens)))
    }

    /// Records every queued run of `store` as completed with the truth's loss; `before` runs first with each run.
    static func simulate(_ store: RunStore, noise: Double = RepetitionStudyTests.noise,
                         before: (StoredRun) throws -> Void = { _ in }) throws -> Bool {
        for run in try store.runs() where run.status == .queued {
            try before(run)
            let (N, D, U) = try planned(run)
            var rng = SeededGenerator(seed: UInt64(run.id!))
            let L = truth.loss(parameters: N, tokens: D, uniqueTokens: U) * (1 + noise * (2 * rng.nextUnit() - 1) * 3.0.squareRoot())
            var result = TrainerResult(status: .completed, finalLoss: L, parameters: N, tokens: D, flops: run.flops)
            result.uniqueTokens = U
            try store.record(run: run.id!, trainer: result)
        }
        return false
    }

    func design() -> RepetitionStudy.Design {
        var d = RepetitionStudy.Design.quick()
        d.epochs = [1, 2, 4, 8, 16, 32]
        d.bootstrap = 40
        return d
    }

    func testTheLadderRepeatsEachSizeOverItsEpochsWithCapsThatMakeThem() throws {
        let plan = try RepetitionStudy(design: design()).ladder()
        XCTAssertEqual(plan.runs.count, 3 * 6)
        for size in stride(from: 0, to: plan.runs.count, by: 6) {
            let runs = Array(plan.runs[size..<size + 6])
            XCTAssertEqual(Set(runs.map(\.parameters)).count, 1)
            XCTAssertEqual(Set(runs.map(\.tokens)).count, 1)
            XCTAssertTrue(runs.allSatisfy { $0.config.hyperparameters == runs[0].config.hyperparameters }, "one size, one recipe: the caps are the only difference")
            for (run, e) in zip(runs, design().epochs) {
                let U = try XCTUnwrap(run.config.uniqueTokens), T = run.config.shape.context
                XCTAssertEqual((U - 1) % T, 0, "the cap is whole windows plus one byte")
                let epochs = Double(run.tokens) / Double(U - 1)
                XCTAssertGreaterThan(epochs, e * (1 - Double(T) * e / Double(run.tokens)) - 1e-9)
                XCTAssertLessThanOrEqual(epochs, e + 1e-9)
            }
        }
    }

    func testTheFitRecoversTheLawAndTheForecastIsStoredBeforeTheHeldOutModelTrains() throws {
        let store = try store()
        let study = RepetitionStudy(design: design())
        var trainedAfterForecast: [Int64] = []
        let outcome = try StudyRunner(study: study, store: store, version: "test").run { s in
            try Self.simulate(s) { run in
                if try StudyRunner<RepetitionStudy>.record(in: s, study: "repetition", stage: "forecast") != nil {
                    trainedAfterForecast.append(run.id!)
                }
            }
        }
        guard case .finished(let summary) = outcome else { return XCTFail("the study did not finish") }
        let held = summary.runs.filter { $0.role == "held-out" }
        XCTAssertEqual(held.count, 1)
        XCTAssertEqual(trainedAfterForecast, held.map(\.run), "only the held-out model trains after the forecast")
        XCTAssertEqual(summary.runs.filter { $0.role == "ladder" }.count, 18)
        XCTAssertLessThanOrEqual(try XCTUnwrap(summary.forecastRecordedAt), try XCTUnwrap(summary.heldOutFinishedAt))

        // R_D* within 25% of the truth (0.2% noise on 18 runs), its interval holding it, and far from the published 15.4.
        let rd = try XCTUnwrap(summary.constants.first { $0.name == "R_D_star" })
        XCTAssertEqual(rd.fitted, Self.truth.repeatedTokenDecay, accuracy: 0.25 * Self.truth.repeatedTokenDecay, "\(summary.constants)")
        let interval = try XCTUnwrap(rd.interval)
        XCTAssertTrue(interval[0] <= Self.truth.repeatedTokenDecay && Self.truth.repeatedTokenDecay <= interval[1], "\(interval)")
        XCTAssertEqual(summary.rdStarIntervalHoldsPublished, false)
        XCTAssertEqual(rd.published, 15.387756)
        XCTAssertEqual(summary.constants.first { $0.name == "alpha" }!.fitted, 0.35, accuracy: 0.05)
        XCTAssertTrue(summary.constants.first { $0.name == "R_N_star" }!.fixed)

        // The penalty table: measured against the truth's penalty, up to the noise.
        for p in summary.penalties {
            let D = summary.runs.first { $0.parameters == p.parameters && $0.epochs == p.epochs }!.tokens
            let truth = Self.truth.loss(parameters: p.parameters, tokens: D, uniqueTokens: D / p.epochs)
                / Self.truth.loss(parameters: p.parameters, tokens: D, uniqueTokens: D) - 1
            XCTAssertEqual(p.measured, truth, accuracy: 4 * Self.noise * 3.0.squareRoot())
            XCTAssertEqual(p.fitted, truth, accuracy: 0.01)
        }
        XCTAssertEqual(summary.penalties.filter { $0.epochs < 1.01 }.map(\.measured), [0, 0, 0])

        // The forecast: the truth's loss of the model trained, within 1%.
        let f = summary.forecast
        let truth = Self.truth.loss(parameters: f.parameters, tokens: f.tokens, uniqueTokens: f.uniqueTokens)
        XCTAssertEqual(f.loss, truth, accuracy: 0.01 * truth, "\(f)")
        XCTAssertEqual(summary.forecastWithinFivePercent, true)
        XCTAssertGreaterThan(f.tokens / f.uniqueTokens, 1, "the held-out model repeats its data")
        XCTAssertEqual(f.planParameters, try Self.truth.optimalAllocation(compute: f.compute, uniqueTokens: f.uniqueTokens).parameters,
                       accuracy: 0.3 * f.planParameters)
    }

    func testAStoppedStudyResumesWithoutReplanningOrReforecasting() throws {
        let store = try store()
        let study = RepetitionStudy(design: design())
        var calls = 0
        let first = try StudyRunner(study: study, store: store, version: "test").run { s in
            calls += 1
            return calls == 1 ? try Self.simulate(s) : true
        }
        guard case .stopped = first else { return XCTFail("the study should have stopped") }
        let recorded = try XCTUnwrap(StudyRunner<RepetitionStudy>.record(in: store, study: "repetition", stage: "forecast"))
        let second = try StudyRunner(study: study, store: store, version: "test").run { try Self.simulate($0) }
        guard case .finished(let summary) = second else { return XCTFail("the resumed study did not finish") }
        XCTAssertEqual(try store.sweeps().count, 2, "a resumed study plans nothing twice")
        XCTAssertEqual(try store.fits().count, 1, "a resumed study forecasts once")
        XCTAssertEqual(summary.forecastRecordedAt, recorded.recordedAt.map(RepetitionStudy.timestamp))
        XCTAssertEqual(summary.runs.count, 19)
    }

    func testOtherSettingsOnTheSameStoreAreRefused() throws {
        let store = try store()
        _ = try StudyRunner(study: RepetitionStudy(design: design()), store: store, version: "test").run { _ in true }
        var other = design()
        other.epochs = [1, 2, 4, 8, 16, 64]
        XCTAssertThrowsError(try StudyRunner(study: RepetitionStudy(design: other), store: store, version: "test").run { _ in true }) {
            XCTAssertTrue("\($0)".contains("unique-token caps") && "\($0)".contains("--fresh"), "\($0)")
        }
        other = design()
        other.seed = 3
        XCTAssertThrowsError(try StudyRunner(study: RepetitionStudy(design: other), store: store, version: "test").run { _ in true }) {
            XCTAssertTrue("\($0)".contains("seed 0 there, 3 now"), "\($0)")
        }
    }

    func testBadDesignsAreRefusedWithTheirReason() {
        var d = design()
        d.epochs = [2, 4, 8]
        XCTAssertThrowsError(try d.validate()) { XCTAssertTrue("\($0)".contains("start at 1"), "\($0)") }
        d = design(); d.epochs = [1, 4]
        XCTAssertThrowsError(try d.validate()) { XCTAssertTrue("\($0)".contains("at least 3"), "\($0)") }
        d = design(); d.budgets = [1e9]
        XCTAssertThrowsError(try d.validate()) { XCTAssertTrue("\($0)".contains("at least 2 increasing"), "\($0)") }
        d = design(); d.heldOutBudget = 1e9
        XCTAssertThrowsError(try d.validate()) { XCTAssertTrue("\($0)".contains("above the ladder's largest"), "\($0)") }
        d = design(); d.heldOutScarcity = 0.5
        XCTAssertThrowsError(try d.validate()) { XCTAssertTrue("\($0)".contains("scarcity"), "\($0)") }
        d = design(); d.excessParameterDecay = .nan
        XCTAssertThrowsError(try d.validate()) { XCTAssertTrue("\($0)".contains("R_N*"), "\($0)") }
    }

    func testTheEffectiveFractionIsThePublishedFormula() {
        // D'/D = (1 + R·(1 − e^(−(e−1)/R)))/e: 1 at one epoch; at 4 epochs with R = 15.387756, 0.9105…
        XCTAssertEqual(RepetitionStudy.effectiveFraction(epochs: 1, decay: 15.387756), 1)
        let r = 15.387756
        XCTAssertEqual(RepetitionStudy.effectiveFraction(epochs: 4, decay: r), (1 + r * (1 - exp(-3 / r))) / 4, accuracy: 1e-12)
        XCTAssertEqual(RepetitionStudy.effectiveFraction(epochs: 1000, decay: r), (1 + r) / 1000, accuracy: 1e-6)
    }

    func testTheReportSectionShowsTheConstantsThePenaltiesAndTheForecast() throws {
        let store = try store()
        let study = RepetitionStudy(design: design())
        guard case .finished(let summary) = try StudyRunner(study: study, store: store, version: "test").run(train: { try Self.simulate($0) }) else {
            return XCTFail("the study did not finish")
        }
        let sections = study.sections(summary)
        XCTAssertEqual(sections.count, 1)
        XCTAssertEqual(sections[0].tables.map(\.rows.count), [6, 18, 1])
        XCTAssertEqual(sections[0].plots[0].series.filter { $0.style == .points }.count, 3, "one measured series per size")
        XCTAssertTrue(sections[0].paragraphs.contains { $0.contains("R_D* =") && $0.contains("15.39") })
        let input = ReportInput(title: "t", runs: [], sections: sections,
                                provenance: Provenance(source: "test", dataHash: "", scalelabVersion: "test", seed: 0,
                                                       bootstrapSamples: 0, date: "", machine: ""))
        let page = HTMLReport.render(input)
        XCTAssertTrue(page.contains("id=\"section-study-repetition\""))
        XCTAssertTrue(page.contains("Study: repeated data"))
        XCTAssertFalse(page.contains("NaN") || page.contains("nan\""))
    }
}
