import Foundation
import LawFitting
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
        // One seed per rung: the two-mode forecast has no spread to give either mode an interval, and says so.
        XCTAssertFalse(summary.notes.isEmpty)
        XCTAssertTrue(summary.notes.allSatisfy { $0.contains("no interval (run several seeds per rung") }, "\(summary.notes)")

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

    // MARK: - Several seeds per rung and the two-mode forecast

    /// The plan the study made before it had seeds: one spec, one run per budget, the batch set on each.
    static func oneSeedPlan(_ d: EmergenceStudy.Design, budgets: [Double]) throws -> LadderPlan {
        var spec = LadderSpec(kind: .isoflop, budgets: budgets, count: 1, spreadDecades: 0, seed: d.seed)
        spec.mix = [TaskMixture(task: d.task, fraction: d.share)]
        spec.evaluationTasks = [d.task]
        spec.evaluationExamples = d.evaluationExamples
        var plan = try LadderPlanner.plan(spec)
        if let batch = d.batch {
            for i in plan.runs.indices {
                plan.runs[i].config.hyperparameters.batch = batch
                plan.runs[i].config.hyperparameters.microBatch = batch
            }
        }
        return plan
    }

    static func bytes(_ plan: LadderPlan) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(plan)
    }

    func testOneSeedPlansAreByteForByteThePlansOfBefore() throws {
        for batch in [nil, 8] as [Int?] {
            var d = design()
            d.seed = 3
            d.batch = batch
            XCTAssertEqual(d.seeds, 1)
            let study = EmergenceStudy(design: d)
            for budgets in [d.budgets, [d.heldOutBudget]] {
                XCTAssertEqual(try Self.bytes(study.plan(budgets: budgets)), try Self.bytes(Self.oneSeedPlan(d, budgets: budgets)),
                               "batch \(batch.map(String.init) ?? "rule"), budgets \(budgets)")
            }
        }
    }

    func testSeveralSeedsPlanEveryRungAndTheHeldOutModelOncePerSeed() throws {
        var d = design()
        d.seed = 5
        d.seeds = 3
        d.batch = 8
        let study = EmergenceStudy(design: d)
        let ladder = try study.plan(budgets: d.budgets)
        XCTAssertEqual(ladder.runs.count, 15)
        XCTAssertEqual(ladder.spec, try Self.oneSeedPlan(d, budgets: d.budgets).spec, "the first seed's specification")
        for budget in d.budgets {
            let runs = ladder.runs.filter { $0.budget == budget }
            XCTAssertEqual(runs.map(\.config.seed), [5, 6, 7], "budget \(budget)")
            XCTAssertEqual(Set(runs.map(\.parameters)).count, 1, "one shape per budget")
            XCTAssertEqual(Set(runs.map(\.tokens)).count, 1, "the same tokens per budget")
            XCTAssertEqual(Set(runs.map(\.config.hyperparameters.batch)), [8])
        }
        // Seed by seed, the runs are the one-seed plans', one after the other.
        for (k, seed) in [5, 6, 7].enumerated() {
            var one = d
            one.seeds = 1
            one.seed = UInt64(seed)
            XCTAssertEqual(Array(ladder.runs[(5 * k)..<(5 * k + 5)]), try Self.oneSeedPlan(one, budgets: d.budgets).runs)
        }
        let heldOut = try study.plan(budgets: [d.heldOutBudget])
        XCTAssertEqual(heldOut.runs.map(\.config.seed), [5, 6, 7])
        XCTAssertEqual(Set(heldOut.runs.map(\.parameters)).count, 1)
        XCTAssertEqual(d.runSeeds, [5, 6, 7])
    }

    func testSeedsAndTheLearnedExactMatchAreValidatedAndDefaultWhenAbsent() throws {
        var d = design()
        for bad in [0, 9] {
            d.seeds = bad
            XCTAssertThrowsError(try d.validate()) { XCTAssertTrue("\($0)".contains("seeds") && "\($0)".contains("1 to 8"), "\($0)") }
        }
        d = design()
        for bad in [0.0, 1.0, .nan] {
            d.learnedExactMatch = bad
            XCTAssertThrowsError(try d.validate()) { XCTAssertTrue("\($0)".contains("(0, 1)"), "\($0)") }
        }
        // A design stored before seeds existed decodes as one seed, threshold 0.25.
        d = design()
        d.seeds = 4
        d.learnedExactMatch = 0.5
        var object = try XCTUnwrap(JSONSerialization.jsonObject(with: JSONEncoder().encode(d)) as? [String: Any])
        XCTAssertEqual(object["seeds"] as? Int, 4)
        XCTAssertEqual(try JSONDecoder().decode(EmergenceStudy.Design.self, from: JSONEncoder().encode(d)), d)
        object["seeds"] = nil
        object["learnedExactMatch"] = nil
        let old = try JSONDecoder().decode(EmergenceStudy.Design.self, from: JSONSerialization.data(withJSONObject: object))
        XCTAssertEqual(old.seeds, 1)
        XCTAssertEqual(old.learnedExactMatch, 0.25)
        XCTAssertEqual(old.budgets, d.budgets)
    }

    /// The final p of a synthetic run: on the plateau 0.36 + 0.01·(budget index) + 0.002·seed,
    /// having left it 0.86 + 0.03·seed (a different value per seed, so the tests can tell them apart).
    static func finalP(left: Bool, budgetIndex: Int, seed: Int64) -> Double {
        left ? 0.86 + 0.03 * Double(seed) : 0.36 + 0.01 * Double(budgetIndex) + 0.002 * Double(seed)
    }

    /// Records every queued run as completed: the chain's loss and learning curve, p climbing to
    /// `finalP` (exact match 0.015 on the plateau, 0.95 for a run that `left`).
    static func simulateModes(_ store: RunStore, budgets: [Double], left: (StoredRun) -> Bool) throws -> Bool {
        for run in try store.runs() where run.status == .queued {
            let C = run.flops!, D = run.tokens!, seed = run.seed ?? 0
            let index = budgets.firstIndex { abs($0 / (run.budget ?? C) - 1) < 1e-6 } ?? budgets.count
            let learned = left(run), final = finalP(left: learned, budgetIndex: index, seed: seed)
            let fractions = [0.1, 0.2, 0.35, 0.5, 0.7, 0.85, 1.0]
            var curve: [TrainerResult.CurvePoint] = [], evaluations: [TaskEvaluation] = []
            for (i, f) in fractions.enumerated() {
                let L = loss(C * f), step = (i + 1) * 10
                // p climbs to the plateau; a run that leaves it jumps at its last two points.
                let q = i == fractions.count - 1 ? final : (learned && i == fractions.count - 2 ? (0.39 + final) / 2 : 0.39 * min(1, 0.6 + f))
                let em = i == fractions.count - 1 ? (learned ? 0.95 : 0.015) : 0.01
                curve.append(.init(tokens: D * f, loss: L, step: step))
                evaluations += [TaskEvaluation(step: step, tokens: D * f, task: "addition-2", metric: TaskMetric.tokenProbability, value: q),
                                TaskEvaluation(step: step, tokens: D * f, task: "addition-2", metric: TaskMetric.exactMatch, value: em),
                                TaskEvaluation(step: step, tokens: D * f, task: "addition-2", metric: TaskMetric.answerProbability, value: pow(q, 3))]
            }
            try store.record(run: run.id!, trainer: TrainerResult(status: .completed, finalLoss: loss(C), parameters: run.parameters,
                                                                    tokens: D, flops: C, learningCurve: curve, evaluations: evaluations))
        }
        return false
    }

    func testTheTwoModeForecastAndItsScoresOnRunsThatLeftAtTheTwoLargestBudgetsOnly() throws {
        var d = design()
        d.seeds = 3
        let study = EmergenceStudy(design: d)
        let store = try store()
        // Every seed leaves the plateau at the two largest budgets only; of the held-out model's
        // seeds, 0 and 1 leave it and 2 does not.
        let outcome = try StudyRunner(study: study, store: store, version: "test").run { s in
            try Self.simulateModes(s, budgets: d.budgets) { run in
                (run.budget ?? run.flops!) > d.budgets[4] * 1.01 ? run.seed != 2 : (run.budget ?? run.flops!) >= d.budgets[3] * 0.99
            }
        }
        guard case .finished(let summary) = outcome else { return XCTFail("the study did not finish") }
        XCTAssertEqual(summary.runs.filter { $0.role == "ladder" }.count, 15)
        XCTAssertEqual(summary.runs.filter { $0.role == "held-out" }.map(\.seed), [0, 1, 2])

        // The record holds the two-mode forecast, made from the ladder alone.
        let record = try XCTUnwrap(StudyRunner<EmergenceStudy>.record(in: store, study: "emergence", stage: "forecast"))
        for key in ["mode.left-probability", "mode.p-plateau", "mode.p-left", "p.two-mode", "mode.threshold"] {
            XCTAssertNotNil(record.values[key], key)
        }
        let f = try XCTUnwrap(summary.twoMode)
        XCTAssertEqual(f.ladderRuns, 15)
        XCTAssertEqual(f.ladderLeft, 6)
        XCTAssertEqual(f.threshold, 0.25)
        XCTAssertGreaterThan(f.leftProbability, 0.5, "runs left at the two largest budgets: the held-out model, above them, likely leaves")
        XCTAssertGreaterThan(f.logit[1], 0)
        let pi = try XCTUnwrap(f.leftProbabilityInterval)
        XCTAssertTrue(0 <= pi[0] && pi[0] <= pi[1] && pi[1] <= 1, "\(pi)")
        // Each mode: the mean of its runs at the largest budget where it has any, carried forward,
        // with a Student-t prediction interval from the within-budget spread pooled over its budgets.
        func expected(_ left: Bool, _ budgets: [Int]) -> (p: Double, interval: [Double]) {
            let byBudget = budgets.map { i in (0..<3).map { Self.finalP(left: left, budgetIndex: i, seed: Int64($0)) } }
            let top = byBudget.last!, mean = top.reduce(0, +) / 3
            var squares = 0.0
            for ps in byBudget { let m = ps.reduce(0, +) / 3; squares += ps.map { ($0 - m) * ($0 - m) }.reduce(0, +) }
            let dof = 2 * budgets.count
            let half = StudentT.quantile(0.95, degreesOfFreedom: Double(dof)) * (squares / Double(dof)).squareRoot() * (4.0 / 3).squareRoot()
            return (mean, [max(0, mean - half), min(1, mean + half)])
        }
        let stays = expected(false, [0, 1, 2]), leaves = expected(true, [3, 4])
        XCTAssertEqual(try XCTUnwrap(f.plateauP), stays.p, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(f.plateauInterval)[0], stays.interval[0], accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(f.plateauInterval)[1], stays.interval[1], accuracy: 1e-9)
        XCTAssertEqual(f.plateauRuns, 3)
        let ladderComputes = Set(summary.runs.filter { $0.role == "ladder" }.map(\.compute)).sorted()
        XCTAssertEqual(try XCTUnwrap(f.plateauBudget), ladderComputes[2], accuracy: 1e-6 * ladderComputes[2])
        XCTAssertEqual(try XCTUnwrap(f.leftP), leaves.p, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(f.leftInterval)[0], leaves.interval[0], accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(f.leftInterval)[1], leaves.interval[1], accuracy: 1e-9)
        XCTAssertEqual(f.leftRuns, 3)
        let topCompute = summary.runs.filter { $0.role == "ladder" }.map(\.compute).max()!
        XCTAssertEqual(try XCTUnwrap(f.leftBudget), topCompute, accuracy: 1e-6 * topCompute)
        XCTAssertEqual(try XCTUnwrap(f.expectedP), f.leftProbability * f.leftP! + (1 - f.leftProbability) * f.plateauP!, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(summary.scores.first { $0.quantity == "p" && $0.method == "two-mode" }).forecast, f.expectedP!,
                       accuracy: 1e-12)

        // Each held-out run scored in the mode it landed in.
        let runs = try XCTUnwrap(summary.heldOutModes)
        XCTAssertEqual(runs.map(\.seed), [0, 1, 2])
        XCTAssertEqual(runs.map(\.left), [true, true, false])
        XCTAssertEqual(runs.map(\.likelierMode), [true, true, false])
        for r in runs {
            let p = try XCTUnwrap(r.p)
            XCTAssertEqual(r.conditionalForecast, r.left ? f.leftP : f.plateauP)
            XCTAssertEqual(try XCTUnwrap(r.conditionalRelativeError), (r.conditionalForecast! - p) / p, accuracy: 1e-12)
            XCTAssertEqual(r.inPredictionSet, f.predictionSetHolds(p))
        }
        // Seeds 0 and 1 measured the ladder's own top values: inside the interval of p on leaving.
        XCTAssertEqual(runs[0].conditionalCovered, true)
        XCTAssertEqual(runs[1].conditionalCovered, true)
        let brier = (pow(f.leftProbability - 1, 2) * 2 + pow(f.leftProbability, 2)) / 3
        XCTAssertEqual(try XCTUnwrap(summary.leftProbabilityBrier), brier, accuracy: 1e-12)
        // The per-method scores are against the first seed's held-out run.
        XCTAssertEqual(summary.scoredRun, summary.runs.first { $0.role == "held-out" && $0.seed == 0 }?.run)
        XCTAssertTrue(summary.notes.contains { $0.contains("held-out run of seed 0") }, "\(summary.notes)")

        // The report shows the seeds, the two-mode forecast and each held-out run.
        let section = try XCTUnwrap(study.sections(summary).first)
        XCTAssertEqual(section.tables[0].header[2], "seed")
        XCTAssertEqual(section.tables[0].rows.count, 18)
        XCTAssertTrue(section.tables[2].rows.contains { $0[0] == "probability of leaving the plateau" })
        XCTAssertTrue(section.tables[2].rows.contains { $0[3].contains("carried forward, not extrapolated") })
        XCTAssertEqual(section.tables[3].rows.count, 3)
        XCTAssertEqual(section.tables[3].rows.map { $0[2] }, ["left", "left", "plateau"])
        XCTAssertTrue(section.paragraphs.contains { $0.contains("Two-mode forecast: 6 of 15 ladder runs left the plateau") }, "\(section.paragraphs)")
        XCTAssertTrue(section.paragraphs.contains { $0.contains("Brier score") })
        let page = HTMLReport.render(ReportInput(title: "t", runs: [], sections: [section],
                                                 provenance: Provenance(source: "test", dataHash: "", scalelabVersion: "test", seed: 0,
                                                                        bootstrapSamples: 0, date: "", machine: "")))
        XCTAssertFalse(page.contains("NaN") || page.contains("nan\""))
        // The summary round-trips through JSON, and one written before the two-mode forecast still decodes.
        let json = try JSONEncoder().encode(summary)
        XCTAssertEqual(try JSONDecoder().decode(EmergenceStudy.Summary.self, from: json), summary)
        var object = try XCTUnwrap(JSONSerialization.jsonObject(with: json) as? [String: Any])
        for key in ["twoMode", "heldOutModes", "leftProbabilityBrier", "scoredRun"] { object[key] = nil }
        var design = try XCTUnwrap(object["design"] as? [String: Any])
        design["seeds"] = nil
        design["learnedExactMatch"] = nil
        object["design"] = design
        let old = try JSONDecoder().decode(EmergenceStudy.Summary.self, from: JSONSerialization.data(withJSONObject: object))
        XCTAssertNil(old.twoMode)
        XCTAssertEqual(old.design.seeds, 1)
    }

    func testThePredictionSetIsTheUnionOfTheLikelyModesIntervals() {
        func forecast(_ pi: Double, plateau: [Double]?, left: [Double]?, level: Double = 0.9) -> EmergenceStudy.TwoModeForecast {
            EmergenceStudy.TwoModeForecast(threshold: 0.25, compute: 1e13, level: level, ladderRuns: 10, ladderLeft: 3, leftProbability: pi,
                                           leftProbabilityInterval: nil, logit: [0, 1], plateauP: plateau.map { ($0[0] + $0[1]) / 2 },
                                           plateauInterval: plateau, plateauRuns: plateau == nil ? 0 : 5,
                                           leftP: left.map { ($0[0] + $0[1]) / 2 }, leftInterval: left, leftBudget: left == nil ? nil : 4e12,
                                           leftRuns: left == nil ? 0 : 2)
        }
        // Both modes likely: both intervals, and nothing between them.
        var f = forecast(0.5, plateau: [0.3, 0.4], left: [0.8, 0.95])
        XCTAssertEqual(f.minimumModeProbability, 0.05, accuracy: 1e-15)
        XCTAssertEqual(f.predictionSet, [[0.3, 0.4], [0.8, 0.95]])
        XCTAssertEqual([0.35, 0.6, 0.9, 0.97].map(f.predictionSetHolds), [true, false, true, false])
        // Staying has probability 0.03 < (1 − 0.9)/2: only leaving's interval.
        f = forecast(0.97, plateau: [0.3, 0.4], left: [0.8, 0.95])
        XCTAssertEqual(f.predictionSet, [[0.8, 0.95]])
        XCTAssertEqual(f.predictionSetHolds(0.35), false)
        // Leaving has probability 0.06 ≥ 0.05: in the set; at level 0.8 the bar is 0.1 and it is not.
        f = forecast(0.06, plateau: [0.3, 0.4], left: [0.8, 0.95])
        XCTAssertEqual(f.predictionSet, [[0.3, 0.4], [0.8, 0.95]])
        XCTAssertEqual(forecast(0.06, plateau: [0.3, 0.4], left: [0.8, 0.95], level: 0.8).predictionSet, [[0.3, 0.4]])
        // Overlapping intervals merge.
        XCTAssertEqual(forecast(0.5, plateau: [0.3, 0.5], left: [0.45, 0.9]).predictionSet, [[0.3, 0.9]])
        // A likely mode without a forecast is missing from the set, and said to be.
        f = forecast(0.6, plateau: [0.3, 0.4], left: nil)
        XCTAssertEqual(f.predictionSet, [[0.3, 0.4]])
        XCTAssertEqual(f.missingModes, ["left"])
        XCTAssertNil(f.expectedP)
        XCTAssertEqual(forecast(0.01, plateau: [0.3, 0.4], left: nil).missingModes, [])
        XCTAssertNil(forecast(0.99, plateau: [0.3, 0.4], left: nil).predictionSetHolds(0.5), "an empty set judges nothing")

        // Scoring: each run in its mode, the Brier score of π̂.
        f = forecast(0.7, plateau: [0.3, 0.4], left: [0.8, 0.95])
        let rows = [(0.9, 0.97), (0.35, 0.01), (0.6, 0.3)].enumerated().map { i, v in
            EmergenceStudy.RunRow(run: Int64(i + 1), role: "held-out", seed: Int64(i), parameters: 1, tokens: 1, compute: 1e13, loss: 1,
                                  p: v.0, exactMatch: v.1, answerProbability: nil)
        }
        let (runs, brier) = EmergenceStudy.modeScores(f, heldOut: rows)
        XCTAssertEqual(runs.map(\.left), [true, false, true])
        XCTAssertEqual(runs.map(\.inPredictionSet), [true, true, false])
        XCTAssertEqual(runs.map(\.conditionalCovered), [true, true, false])
        XCTAssertEqual(runs.map(\.likelierMode), [true, false, true])
        XCTAssertEqual(runs[1].conditionalForecast!, 0.35, accuracy: 1e-12)
        XCTAssertEqual(runs[2].conditionalRelativeError!, (0.875 - 0.6) / 0.6, accuracy: 1e-12)
        XCTAssertEqual(brier!, (0.09 + 0.49 + 0.09) / 3, accuracy: 1e-12)
    }

    func testAStudyStartedWithOtherSeedsIsRefusedAndResumesWithItsOwn() throws {
        let store = try store()
        var three = design()
        three.seeds = 3
        // The ladder of three seeds is planned, then training stops.
        guard case .stopped = try StudyRunner(study: EmergenceStudy(design: three), store: store, version: "test").run(train: { _ in true }) else {
            return XCTFail("the study should have stopped")
        }
        for seeds in [1, 2] {
            var other = three
            other.seeds = seeds
            XCTAssertThrowsError(try StudyRunner(study: EmergenceStudy(design: other), store: store, version: "test").run { try Self.simulate($0) }) {
                guard case .settingsChanged(_, let stage, let detail) = $0 as? StudyError else { return XCTFail("\($0)") }
                XCTAssertEqual(stage, "ladder")
                XCTAssertTrue(detail.contains("15 runs there, \(5 * seeds) now"), detail)
                XCTAssertTrue("\($0)".contains("--fresh"))
            }
        }
        XCTAssertEqual(try store.runs().count, 15, "a refused study changes nothing")
        XCTAssertEqual(try store.fits().count, 0)
        // With its own seeds it resumes, trains the rest and forecasts once.
        guard case .finished(let summary) = try StudyRunner(study: EmergenceStudy(design: three), store: store, version: "test")
            .run(train: { try Self.simulate($0) }) else { return XCTFail("the resumed study did not finish") }
        XCTAssertEqual(summary.runs.count, 18)
        XCTAssertEqual(summary.heldOutModes?.count, 3)
        XCTAssertEqual(try store.sweeps().count, 2)
        XCTAssertEqual(try store.fits().count, 1)
    }
}
