import Foundation
import Lab
import Report
import Trainer
import XCTest

@testable import Studies

/// The study mechanism and the emergence study on simulated training: every run's loss, learning
/// curve and evaluations come from a known chain, L(C) = 1 + 30·C^(−0.15) and
/// p(L) = 1/(1 + e^(6(L − 1.9))), exact match p³, so the forecasts have a known answer.
final class EmergenceStudyTests: XCTestCase {
    static func loss(_ C: Double) -> Double { 1 + 30 * pow(C, -0.15) }
    static func p(_ L: Double) -> Double { 1 / (1 + exp(6 * (L - 1.9))) }

    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("studies-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    func store() throws -> RunStore { try RunStore.open(path: directory.appendingPathComponent("s.sqlite").path, create: true) }

    /// Records every queued run of `store` as completed, from the chain; `before` runs first with each run.
    static func simulate(_ store: RunStore, task: String = "addition-2", before: (StoredRun) throws -> Void = { _ in }) throws -> Bool {
        for run in try store.runs() where run.status == .queued {
            try before(run)
            let C = run.flops!, D = run.tokens!
            let fractions = [0.1, 0.2, 0.35, 0.5, 0.7, 0.85, 1.0]
            var curve: [TrainerResult.CurvePoint] = [], evaluations: [TaskEvaluation] = []
            for (i, f) in fractions.enumerated() {
                let L = loss(C * f), q = p(L), step = (i + 1) * 10
                curve.append(.init(tokens: D * f, loss: L, step: step))
                evaluations += [TaskEvaluation(step: step, tokens: D * f, task: task, metric: TaskMetric.tokenProbability, value: q),
                                TaskEvaluation(step: step, tokens: D * f, task: task, metric: TaskMetric.exactMatch, value: pow(q, 3)),
                                TaskEvaluation(step: step, tokens: D * f, task: task, metric: TaskMetric.answerProbability, value: pow(q, 3))]
            }
            try store.record(run: run.id!, trainer: TrainerResult(status: .completed, finalLoss: loss(C), parameters: run.parameters,
                                                                    tokens: D, flops: C, learningCurve: curve, evaluations: evaluations))
        }
        return false
    }

    func design() -> EmergenceStudy.Design {
        var d = EmergenceStudy.Design.quick()
        d.bootstrap = 30
        return d
    }

    func testTheStudyRecordsItsForecastBeforeTheHeldOutModelTrainsAndRecoversTheChain() throws {
        let store = try store()
        let study = EmergenceStudy(design: design())
        var trainedAfterForecast: [Int64] = []
        let outcome = try StudyRunner(study: study, store: store, version: "test").run { s in
            try Self.simulate(s) { run in
                if try StudyRunner<EmergenceStudy>.record(in: s, study: "emergence", stage: "forecast") != nil {
                    trainedAfterForecast.append(run.id!)
                }
            }
        }
        guard case .finished(let summary) = outcome else { return XCTFail("the study did not finish") }
        // Only the held-out model trains after the forecast is stored.
        let heldOut = summary.runs.filter { $0.role == "held-out" }
        XCTAssertEqual(heldOut.count, 1)
        XCTAssertEqual(trainedAfterForecast, heldOut.map(\.run))
        XCTAssertEqual(summary.runs.filter { $0.role == "ladder" }.count, 5)
        XCTAssertLessThanOrEqual(summary.forecastRecordedAt!, summary.heldOutFinishedAt!)
        XCTAssertTrue(summary.notes.isEmpty, "\(summary.notes)")

        // The two-step forecast of p recovers the chain at the held-out compute.
        let target = heldOut[0]
        let truth = Self.p(Self.loss(target.compute))
        XCTAssertEqual(target.p!, truth, accuracy: 1e-12)
        let twoStep = try XCTUnwrap(summary.scores.first { $0.quantity == "p" && $0.method == "two-step" })
        XCTAssertEqual(twoStep.forecast, truth, accuracy: 0.03 * truth, "\(twoStep)")
        XCTAssertEqual(summary.twoStepPWithinTenPercent, true)
        let loss = try XCTUnwrap(summary.scores.first { $0.quantity == "loss" })
        XCTAssertEqual(loss.forecast, Self.loss(target.compute), accuracy: 1e-3)
        // p^ℓ of the two-step forecast is its exact match, and exact match here is p³.
        let em = try XCTUnwrap(summary.scores.first { $0.quantity == "exact_match" && $0.method == "p^l-two-step" })
        XCTAssertEqual(em.forecast, pow(twoStep.forecast, 3), accuracy: 1e-12)
        XCTAssertEqual(em.measured!, pow(truth, 3), accuracy: 1e-12)
        XCTAssertNotNil(summary.emergence)
    }

    func testAStoppedStudyResumesWithoutReplanningOrReforecasting() throws {
        let store = try store()
        let study = EmergenceStudy(design: design())
        // First attempt: the ladder trains, then training stops at the held-out stage.
        var calls = 0
        let first = try StudyRunner(study: study, store: store, version: "test").run { s in
            calls += 1
            return calls == 1 ? try Self.simulate(s) : true
        }
        guard case .stopped = first else { return XCTFail("the study should have stopped") }
        let recorded = try XCTUnwrap(StudyRunner<EmergenceStudy>.record(in: store, study: "emergence", stage: "forecast"))
        XCTAssertEqual(try store.sweeps().count, 2)

        let second = try StudyRunner(study: study, store: store, version: "test").run { try Self.simulate($0) }
        guard case .finished(let summary) = second else { return XCTFail("the resumed study did not finish") }
        XCTAssertEqual(try store.sweeps().count, 2, "a resumed study plans nothing twice")
        XCTAssertEqual(try store.fits().count, 1, "a resumed study forecasts once")
        XCTAssertEqual(summary.forecastRecordedAt, recorded.recordedAt.map(EmergenceStudy.timestamp))
        XCTAssertEqual(summary.runs.count, 6)
    }

    func testAStoreStartedWithOtherSettingsIsRefused() throws {
        let store = try store()
        _ = try StudyRunner(study: EmergenceStudy(design: design()), store: store, version: "test").run { _ in true }
        var other = design()
        other.seed = 7
        XCTAssertThrowsError(try StudyRunner(study: EmergenceStudy(design: other), store: store, version: "test").run { try Self.simulate($0) }) {
            let message = "\($0)"
            XCTAssertTrue(message.contains("other settings") && message.contains("seed 0 there, 7 now") && message.contains("--fresh"), message)
        }
    }

    func testAFixedBatchSetsEveryRunAndAnotherBatchIsRefusedOnResume() throws {
        var fixed = design()
        fixed.batch = 8
        let plan = try EmergenceStudy(design: fixed).plan(budgets: fixed.budgets)
        XCTAssertEqual(Set(plan.runs.map(\.config.hyperparameters.batch)), [8])
        XCTAssertEqual(Set(plan.runs.map(\.config.hyperparameters.microBatch)), [8])
        let store = try store()
        _ = try StudyRunner(study: EmergenceStudy(design: fixed), store: store, version: "test").run { _ in true }
        var other = fixed
        other.batch = 16
        XCTAssertThrowsError(try StudyRunner(study: EmergenceStudy(design: other), store: store, version: "test").run { _ in true }) {
            XCTAssertTrue("\($0)".contains("batches [8, 8, 8, 8, 8] there, [16, 16, 16, 16, 16] now"), "\($0)")
        }
        other.batch = 0
        XCTAssertThrowsError(try other.validate()) { XCTAssertTrue("\($0)".contains("batch"), "\($0)") }
    }

    func testBadDesignsAreRefusedWithTheirReason() {
        var d = design()
        d.budgets = [1e9, 1e10, 1e11]
        XCTAssertThrowsError(try d.validate()) { XCTAssertTrue("\($0)".contains("at least 4 increasing"), "\($0)") }
        d = design(); d.heldOutBudget = 1e10
        XCTAssertThrowsError(try d.validate()) { XCTAssertTrue("\($0)".contains("above the ladder's largest"), "\($0)") }
        d = design(); d.task = "division-2"
        XCTAssertThrowsError(try d.validate())
        d = design(); d.share = 0.99
        XCTAssertThrowsError(try d.validate()) { XCTAssertTrue("\($0)".contains("share"), "\($0)") }
    }

    func testTheReportSectionShowsTheForecastAndTheRuns() throws {
        let store = try store()
        let study = EmergenceStudy(design: design())
        guard case .finished(let summary) = try StudyRunner(study: study, store: store, version: "test").run(train: { try Self.simulate($0) }) else {
            return XCTFail("the study did not finish")
        }
        let sections = study.sections(summary)
        XCTAssertEqual(sections.count, 1)
        XCTAssertEqual(sections[0].tables[0].rows.count, 6)
        XCTAssertTrue(sections[0].tables[1].rows.contains { $0[0] == "p" && $0[1] == "two-step" })
        XCTAssertTrue(sections[0].paragraphs.contains { $0.contains("within the 10% target") })
        let input = ReportInput(title: "t", runs: [], sections: sections,
                                provenance: Provenance(source: "test", dataHash: "", scalelabVersion: "test", seed: 0,
                                                       bootstrapSamples: 0, date: "", machine: ""))
        let page = HTMLReport.render(input)
        XCTAssertTrue(page.contains("id=\"section-study-emergence\""))
        XCTAssertTrue(page.contains("Study: emergence of addition-2"))
        XCTAssertFalse(page.contains("NaN") || page.contains("nan\""))
    }
}
