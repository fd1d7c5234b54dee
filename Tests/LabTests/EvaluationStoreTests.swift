import Foundation
import GRDB
import XCTest
@testable import Lab
import Trainer

/// Issue 15: task evaluations in the store. A finished run's evaluations (ScaleLab's record or
/// any trainer's result) land in the `evaluation` table in the transaction of its curve, are
/// read back by run, sweep, task and metric with the run's N, D and C, and a re-record replaces
/// them. Old stores upgrade in place; damaged rows, read-only and locked stores are clear errors
/// that change nothing. On SQLite and PostgreSQL (`newStores`).
final class EvaluationStoreTests: XCTestCase {
    /// A real run record of a tiny model (trained once for all tests); each test sets its evaluations.
    nonisolated(unsafe) static var trained: RunRecord?

    func trainedRecord() throws -> RunRecord {
        if let r = Self.trained { return r }
        let record = try train(tinyConfig(), corpus: syntheticCorpus(), options: TrainingOptions(version: "test"))
        Self.trained = record
        return record
    }

    func sweep(_ name: String = "t") -> Sweep { testSweep(name) }
    func queuedRun(_ config: TrainingConfig) -> StoredRun { testQueuedRun(config) }

    /// Evaluations at two steps of two tasks, one metric with an infinite value (kept in the record only).
    func evaluations(scale: Double = 1) -> [TaskEvaluation] {
        [TaskEvaluation(step: 4, tokens: 256, task: "addition-3", metric: TaskMetric.exactMatch, value: 0.125 * scale),
         TaskEvaluation(step: 4, tokens: 256, task: "addition-3", metric: TaskMetric.answerBits, value: .infinity),
         TaskEvaluation(step: 12, tokens: 768, task: "addition-3", metric: TaskMetric.exactMatch, value: 0.5 * scale),
         TaskEvaluation(step: 12, tokens: 768, task: "reverse", metric: TaskMetric.tokenProbability, value: 0.75 * scale)]
    }

    /// ScaleLab's record: its finite evaluations are stored (the infinite one stays in
    /// record_json), read back by run; recording again replaces them rather than adding.
    func testARecordsEvaluationsAreStoredAndAReRecordReplacesThem() throws {
        for (store, _) in try newStores(self) {
            let (_, runs) = try store.insert(sweep(), runs: [queuedRun(tinyConfig())])
            let id = runs[0].id!
            var record = try trainedRecord()
            record.evaluations = evaluations()
            try store.record(run: id, record)
            let finite = evaluations().filter(\.value.isFinite)
            XCTAssertEqual(try store.evaluations(run: id).map(\.evaluation), finite.sorted { ($0.step, $0.task, $0.metric) < ($1.step, $1.task, $1.metric) },
                           store.backendName)
            XCTAssertEqual(try store.run(id: id).runRecord?.evaluations, evaluations(), "the record keeps every evaluation")
            XCTAssertEqual(try store.curve(run: id).count, record.learningCurve.count, "the curve in the same write")

            // Two values for one step, task and metric (a record edited by hand): the later one is kept.
            record.evaluations = [TaskEvaluation(step: 12, tokens: 768, task: "addition-3", metric: TaskMetric.exactMatch, value: 0.25),
                                  TaskEvaluation(step: 12, tokens: 768, task: "addition-3", metric: TaskMetric.exactMatch, value: 0.75)]
            try store.record(run: id, record)
            XCTAssertEqual(try store.evaluations(run: id).map(\.value), [0.75], "\(store.backendName): replaced, not added")
            record.evaluations = nil
            try store.record(run: id, record)
            XCTAssertEqual(try store.evaluations(run: id), [], "a record without evaluations leaves none")
        }
    }

    /// Any trainer's result: its `evaluations`, and its `metrics` as evaluations at the final
    /// step and tokens (`task/metric` names split, plain names under metric `value`).
    func testATrainerResultsEvaluationsAndMetricsAreStored() throws {
        for (store, _) in try newStores(self) {
            let (_, runs) = try store.insert(sweep(), runs: [queuedRun(tinyConfig())])
            let id = runs[0].id!
            let result = TrainerResult(status: .completed, finalLoss: 2.5, parameters: 1000, tokens: 5000,
                                       learningCurve: [.init(tokens: 2500, loss: 3, step: 5), .init(tokens: 5000, loss: 2.5, step: 10)],
                                       metrics: ["hellaswag": 0.25, "arc/acc_norm": 0.5],
                                       evaluations: [TaskEvaluation(step: 5, tokens: 2500, task: "hellaswag", metric: "value", value: 0.125)])
            XCTAssertNil(result.problem())
            try store.record(run: id, trainer: result)
            let stored = try store.evaluations(run: id).map(\.evaluation)
            XCTAssertEqual(stored, [
                TaskEvaluation(step: 5, tokens: 2500, task: "hellaswag", metric: "value", value: 0.125),
                TaskEvaluation(step: 10, tokens: 5000, task: "arc", metric: "acc_norm", value: 0.5),
                TaskEvaluation(step: 10, tokens: 5000, task: "hellaswag", metric: "value", value: 0.25),
            ], store.backendName)
            XCTAssertEqual(try store.run(id: id).metrics, ["hellaswag": 0.25, "arc/acc_norm": 0.5], "metrics_json as before")
        }
    }

    /// The split of `metrics` names and the final step and tokens they are stored at.
    func testMetricsNamesAndTheirFinalStep() {
        XCTAssertTrue(TrainerResult.taskAndMetric("hellaswag") == ("hellaswag", "value"))
        XCTAssertTrue(TrainerResult.taskAndMetric("arc/acc_norm") == ("arc", "acc_norm"))
        XCTAssertTrue(TrainerResult.taskAndMetric("mmlu/stem/acc") == ("mmlu/stem", "acc"))
        XCTAssertTrue(TrainerResult.taskAndMetric("trailing/") == ("trailing/", "value"))
        XCTAssertTrue(TrainerResult.taskAndMetric("/leading") == ("/leading", "value"))
        // No curve, no tokens: step 0 at the planned tokens.
        let bare = TrainerResult(status: .failed, metrics: ["x": 1])
        XCTAssertEqual(bare.taskEvaluations(plannedTokens: 640), [TaskEvaluation(step: 0, tokens: 640, task: "x", metric: "value", value: 1)])
        // The latest step of the curve and the evaluations; an explicit evaluation there wins.
        let both = TrainerResult(status: .completed, finalLoss: 2, parameters: 10, tokens: 900,
                                 learningCurve: [.init(tokens: 100, loss: 3), .init(tokens: 200, loss: 2.5)],
                                 metrics: ["x/m": 1, "y": 2],
                                 evaluations: [TaskEvaluation(step: 7, tokens: 800, task: "x", metric: "m", value: 0.5)])
        XCTAssertEqual(both.taskEvaluations(plannedTokens: 640), [
            TaskEvaluation(step: 7, tokens: 800, task: "x", metric: "m", value: 0.5),
            TaskEvaluation(step: 7, tokens: 900, task: "y", metric: "value", value: 2),
        ])
    }

    /// Reading for an analysis: by sweep, task and metric, with each run's N, D, C and loss, and
    /// the FLOPs spent at each evaluation (C × tokens then ÷ D); unfinished runs only on request.
    func testEvaluationsAreReadBySweepTaskAndMetricWithTheRunsNDC() throws {
        for (store, _) in try newStores(self) {
            let (first, a) = try store.insert(sweep("a"), runs: [queuedRun(tinyConfig()), queuedRun(tinyConfig(seed: 2))])
            let (second, b) = try store.insert(sweep("b"), runs: [queuedRun(tinyConfig(seed: 3))])
            for (i, run) in (a + b).enumerated() {
                let result = TrainerResult(status: i == 1 ? .interrupted : .completed, finalLoss: 3 - Double(i) * 0.25,
                                           parameters: 1000 * Double(i + 1), tokens: 8000, flops: 4.8e7 * Double(i + 1),
                                           evaluations: evaluations(scale: Double(i + 1)).filter(\.value.isFinite))
                try store.record(run: run.id!, trainer: result)
            }
            let all = try store.evaluations()
            XCTAssertEqual(all.keys.sorted(), (a + b).map { $0.id! }, store.backendName)
            XCTAssertEqual(try store.evaluations(sweep: second.id!).keys.sorted(), [b[0].id!])
            let exact = try store.evaluations(task: "addition-3", metric: TaskMetric.exactMatch)
            XCTAssertEqual(exact[a[0].id!]?.map(\.value), [0.125, 0.5])
            XCTAssertEqual(exact[b[0].id!]?.map(\.value), [0.375, 1.5])
            XCTAssertEqual(try store.evaluations(sweep: first.id!, task: "reverse").values.flatMap { $0 }.map(\.metric),
                           [TaskMetric.tokenProbability, TaskMetric.tokenProbability])

            let finished = try store.evaluatedRuns(task: "addition-3", metric: TaskMetric.exactMatch)
            XCTAssertEqual(finished.map { $0.run.id! }, [a[0].id!, b[0].id!], "the interrupted run is left out")
            let top = try XCTUnwrap(finished.last)
            XCTAssertEqual(top.run.parameters, 3000)
            XCTAssertEqual(top.run.tokens, 8000)
            XCTAssertEqual(top.run.flops, 1.44e8)
            XCTAssertEqual(top.run.finalValidationLoss, 2.5)
            XCTAssertEqual(top.evaluations.map(\.step), [4, 12])
            XCTAssertEqual(try XCTUnwrap(top.flops(at: top.evaluations[1])), 1.44e8 * 768 / 8000, accuracy: 1e-6)
            XCTAssertEqual(try store.evaluatedRuns(finishedOnly: false).map { $0.run.id! }, (a + b).map { $0.id! })
        }
    }

    /// A run's evaluations go with it (foreign key, cascade).
    func testDeletingARunDeletesItsEvaluations() throws {
        for (store, _) in try newStores(self) {
            let (_, runs) = try store.insert(sweep(), runs: [queuedRun(tinyConfig()), queuedRun(tinyConfig(seed: 2))])
            for run in runs {
                try store.record(run: run.id!, trainer: TrainerResult(status: .failed, metrics: ["t/m": 0.5]))
            }
            try store.write { [id = runs[0].id!] db in try db.execute(sql: "DELETE FROM run WHERE id = ?", arguments: [id]) }
            XCTAssertEqual(try store.evaluations().keys.sorted(), [runs[1].id!], store.backendName)
        }
    }

    /// A store of schema 4 (before the table) is read as it is by a read-only open (no
    /// evaluations, nothing written), and upgraded in place by a read-write open: the table is
    /// there, the runs and curves are kept, and evaluations can be recorded.
    func testASchema4StoreUpgradesInPlace() throws {
        for (store, location) in try newStores(self) {
            let (_, runs) = try store.insert(sweep("old"), runs: [queuedRun(tinyConfig())])
            let id = runs[0].id!
            try store.record(run: id, try trainedRecord())
            // Back to schema 4: no evaluation table, no gradient-noise columns, no v5 or v6 migration, version 4.
            try store.write { db in
                try db.execute(sql: "DROP TABLE evaluation")
                for column in ["gradient_squared_norm", "gradient_noise_trace", "noise_measurements"] {
                    try db.execute(sql: "ALTER TABLE curve_point DROP COLUMN \(column)")
                }
                let migrations = "('v5: task evaluations', 'v6: gradient noise of curve points')"
                if db.dialect == .sqlite {
                    try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier IN \(migrations)")
                    try db.execute(sql: "PRAGMA user_version = 4")
                } else {
                    try db.execute(sql: "DELETE FROM scalelab_migrations WHERE identifier IN \(migrations)")
                    try db.execute(sql: "UPDATE scalelab_schema SET version = 4")
                }
            }
            let before = try dump(store)
            store.close()

            let reader = try RunStore.open(location: location, create: false, readOnly: true)
            XCTAssertEqual(try reader.schemaVersion(), 4)
            XCTAssertEqual(try reader.evaluations(run: id), [], "no table, no evaluations")
            XCTAssertEqual(try reader.evaluatedRuns(), [])
            XCTAssertTrue(try StoreDump.text(reader, version: "t").hasPrefix(
                #"{"scalelab_store_dump":1,"schema_version":4,"scalelab_version":"t","rows":{"curve_point":"#))
            reader.close()

            let upgraded = try RunStore.open(location: location, create: false)
            defer { upgraded.close() }
            XCTAssertEqual(try upgraded.schemaVersion(), StoreSchema.version)
            // Every row kept, the new table empty and the curve points' new columns NULL.
            let newColumns = #" (gradient_noise_trace|gradient_squared_norm|noise_measurements)=NULL"#
            XCTAssertEqual(try dump(upgraded).map { $0.replacingOccurrences(of: newColumns, with: "", options: .regularExpression) }, before,
                           "\(upgraded.backendName): every row kept, the new table empty")
            XCTAssertEqual(try upgraded.run(id: id).status, .done)
            var record = try trainedRecord()
            record.evaluations = evaluations()
            try upgraded.record(run: id, record)
            XCTAssertEqual(try upgraded.evaluations(run: id).count, 3)
        }
    }

    /// Rows edited into nonsense are errors naming the run, the row and the column, on every read.
    func testCorruptRowsAreNamedErrors() throws {
        for (store, path) in try newStores(self) {
            let (_, runs) = try store.insert(sweep(), runs: [queuedRun(tinyConfig())])
            let id = runs[0].id!
            try store.record(run: id, trainer: TrainerResult(status: .failed, evaluations: [
                TaskEvaluation(step: 3, tokens: 30, task: "copy", metric: "exact_match", value: 0.5)]))
            let edits: [(String, String, String)] = store.backendName == "sqlite"
                ? [("value = 'half'", "value", "half"), ("step = -1", "step", "is not a step >= 0"),
                   ("task = ''", "task", "is not a task name"), ("tokens = -5", "tokens", "finite token count")]
                : [("value = 'NaN'", "value", "is not a finite number"), ("step = -1", "step", "is not a step >= 0"),
                   ("metric = ''", "metric", "is not a metric name"), ("tokens = 'Infinity'", "tokens", "finite token count")]
            for (edit, column, says) in edits {
                try store.write { db in
                    try db.execute(sql: "DELETE FROM evaluation")
                    try db.execute(sql: "INSERT INTO evaluation (run_id, step, tokens, task, metric, value) VALUES (?, 3, 30, 'copy', 'exact_match', 0.5)",
                                   arguments: [id])
                    try db.execute(sql: "UPDATE evaluation SET \(edit)")
                }
                let reads: [() throws -> Any] = [{ try store.evaluations(run: id) }, { try store.evaluations() },
                                                 { try store.evaluatedRuns(finishedOnly: false) }]
                for read in reads {
                    XCTAssertThrowsError(try read(), edit) { e in
                        guard case let .corruptColumn(p, table, row, c, detail)? = e as? StoreError else { return XCTFail("\(edit): \(e)") }
                        XCTAssertEqual([p, table, c], [path, "evaluation", column], edit)
                        XCTAssertEqual(row, id)
                        XCTAssertTrue(detail.contains(says) && detail.hasPrefix("step ") && detail.contains("task "), "\(edit): \(detail)")
                        XCTAssertTrue("\(e)".contains("run \(id)'s evaluation") && "\(e)".contains("WHERE run_id = \(id)"), "\(e)")
                    }
                }
            }
        }
    }

    /// Recording into a store opened read-only, or one another process keeps locked, is the same
    /// clear error as for a curve, and nothing is written: not the run, its curve or its evaluations.
    func testReadOnlyAndLockedStoresRecordNothing() throws {
        let path = try temporaryDirectory(self).appendingPathComponent("s.sqlite").path
        let store = try RunStore.open(path: path)
        let (_, runs) = try store.insert(sweep(), runs: [queuedRun(tinyConfig())])
        let id = runs[0].id!
        var record = try trainedRecord()
        record.evaluations = evaluations()
        let before = try dump(store)

        let reader = try RunStore.open(path: path, create: false, readOnly: true)
        XCTAssertThrowsError(try reader.record(run: id, record)) { e in
            guard case .readOnly? = e as? StoreError else { return XCTFail("\(e)") }
        }
        reader.close()

        let other = try RunStore.open(path: path, busyTimeout: 0.05)
        var failure: StoreError?
        try store.pool.write { db in
            try db.execute(sql: "UPDATE run SET message = 'holding the lock' WHERE id = ?", arguments: [id])
            do { try other.record(run: id, record) } catch { failure = error as? StoreError }
            try db.execute(sql: "UPDATE run SET message = NULL WHERE id = ?", arguments: [id])
        }
        guard case .locked? = failure else { return XCTFail("expected locked, got \(String(describing: failure))") }
        XCTAssertEqual(try dump(store), before, "nothing recorded")
        try other.record(run: id, record)
        XCTAssertEqual(try store.evaluations(run: id).count, 3, "and it records once the lock is gone")
    }

    /// Result files with evaluations: good entries are read; each bad entry fails the file with
    /// the entry's index, task and metric and what is wrong.
    func testResultFilesWithEvaluationsAndBadEntries() throws {
        let dir = try temporaryDirectory(self)
        let file = dir.appendingPathComponent("result.json").path
        func read(_ evaluations: String, metrics: String = "{}") throws -> Result<RunResult, ResultFileError>? {
            try #"{"status": "completed", "final_loss": 2.5, "parameters": 1000, "tokens": 5000, "metrics": \#(metrics), "evaluations": \#(evaluations)}"#
                .write(toFile: file, atomically: true, encoding: .utf8)
            return RunResult.read(file)
        }
        guard case .success(.trainer(let good))? = try read(#"[{"step": 10, "tokens": 5000, "task": "addition-3", "metric": "exact_match", "value": 0.25}]"#) else {
            return XCTFail("a good file was refused")
        }
        XCTAssertEqual(good.evaluations, [TaskEvaluation(step: 10, tokens: 5000, task: "addition-3", metric: "exact_match", value: 0.25)])

        let ok = #"{"step": 1, "tokens": 10, "task": "a", "metric": "m", "value": 0.5}"#
        let cases: [(String, String)] = [
            (#"[\#(ok), {"step": -1, "tokens": 10, "task": "a", "metric": "m", "value": 0.5}]"#, "evaluations[1] (task 'a', metric 'm'): step must be >= 0, got -1"),
            (#"[{"step": 1, "tokens": -10, "task": "a", "metric": "m", "value": 0.5}]"#, "evaluations[0] (task 'a', metric 'm'): tokens must be a finite count >= 0"),
            (#"[{"step": 1, "tokens": 10, "task": "", "metric": "m", "value": 0.5}]"#, "evaluations[0] (task '', metric 'm'): task must be a non-empty name"),
            (#"[{"step": 1, "tokens": 10, "task": "a", "metric": "", "value": 0.5}]"#, "metric must be a non-empty name"),
            (#"[\#(ok), \#(ok), {"step": 1, "tokens": 10, "task": "a", "metric": "m", "value": "nan"}]"#, "evaluations[2] (task 'a', metric 'm'): value must be a finite number, got nan"),
            (#"[\#(ok), \#(ok)]"#, "evaluations[1] repeats step 1, task 'a', metric 'm'"),
            (#"[\#(ok), {"step": 1.5, "tokens": 10, "task": "a", "metric": "m", "value": 0.5}]"#, "evaluations[1].step must be an integer, got 1.5"),
            (#"[{"step": 1, "tokens": 10, "task": "a", "value": 0.5}]"#, "evaluations[0] has no \"metric\""),
            (#"[{"step": 1, "tokens": "ten", "task": "a", "metric": "m", "value": 0.5}]"#, "evaluations[0].tokens must be a number, got ten"),
            (#"[{"step": 1, "tokens": 10, "task": 3, "metric": "m", "value": 0.5}]"#, "evaluations[0].task must be a string, got 3"),
            (#"{"step": 1}"#, "\"evaluations\" must be an array of objects"),
            (#"[7]"#, "evaluations[0] must be an object"),
        ]
        for (entries, says) in cases {
            guard case .failure(let e)? = try read(entries) else { XCTFail("\(entries) was accepted"); continue }
            XCTAssertEqual(e.path, file)
            XCTAssertTrue(e.detail.contains(says), "\(entries): \(e.detail)")
        }
        guard case .failure(let e)? = try read("[]", metrics: #"{"": 0.5}"#) else { return XCTFail("an empty metric name was accepted") }
        XCTAssertTrue(e.detail.contains("empty name"), e.detail)
    }

    /// ScaleLab's own record with an absurd evaluation (a negative step) is refused with the
    /// entry named; one with an infinite value (answer bits of a probability that underflowed) is read.
    func testARecordWithABadEvaluationIsRefused() throws {
        let file = try temporaryDirectory(self).appendingPathComponent("record.json").path
        var record = try trainedRecord()
        record.evaluations = evaluations()
        try RunRecord.jsonEncoder().encode(record).write(to: URL(fileURLWithPath: file))
        guard case .success(.record(let back))? = RunResult.read(file) else { return XCTFail("a good record was refused") }
        XCTAssertEqual(back.evaluations, evaluations())
        record.evaluations![2].step = -3
        try RunRecord.jsonEncoder().encode(record).write(to: URL(fileURLWithPath: file))
        guard case .failure(let e)? = RunResult.read(file) else { return XCTFail("a negative step was accepted") }
        XCTAssertTrue(e.detail.contains("evaluations[2] (task 'addition-3', metric 'exact_match'): step must be >= 0"), e.detail)
    }
}
