import Foundation
import GRDB
import Trainer

/// One row of the store's `evaluation` table (schema 5): a `TaskEvaluation` of the run `runID`.
/// A run has at most one row per step, task and metric.
public struct StoredEvaluation: Sendable, Codable, Equatable, Hashable, FetchableRecord, PersistableRecord {
    /// The table's name.
    public static let databaseTableName = "evaluation"
    /// The run evaluated.
    public var runID: Int64
    /// Optimizer step of the run at the evaluation.
    public var step: Int
    /// Training tokens the run had seen by then.
    public var tokens: Double
    /// The task's name (`addition-3`, `hellaswag`, …).
    public var task: String
    /// The metric's name (`TaskMetric`, or any name a trainer reports).
    public var metric: String
    /// The metric's value.
    public var value: Double

    enum CodingKeys: String, CodingKey {
        case step, tokens, task, metric, value
        case runID = "run_id"
    }

    /// The row of `evaluation` for run `runID`.
    public init(runID: Int64, _ evaluation: TaskEvaluation) {
        self.runID = runID
        step = evaluation.step; tokens = evaluation.tokens; task = evaluation.task; metric = evaluation.metric; value = evaluation.value
    }

    /// The row as the record the trainer and result files share.
    public var evaluation: TaskEvaluation {
        TaskEvaluation(step: step, tokens: tokens, task: task, metric: metric, value: value)
    }

    /// Reads a row, checking every column: a value of the wrong type, a negative step, a negative
    /// or non-finite token count, an empty name or a non-finite value (a store edited by hand) is
    /// `corruptColumn` naming the run, the row (step, task, metric) and the column.
    static func checked(_ row: Row, path: String) throws(StoreError) -> StoredEvaluation {
        let runID: Int64
        switch (row["run_id"] as DatabaseValue).storage {
        case .int64(let n): runID = n
        case let other:
            throw .corruptColumn(path: path, table: "evaluation", id: 0, column: "run_id", detail: "\(other) is not a run id")
        }
        func text(_ column: String) -> String? {
            if case .string(let s) = (row[column] as DatabaseValue).storage { return s }
            return nil
        }
        func number(_ column: String) -> Double? {
            switch (row[column] as DatabaseValue).storage {
            case .double(let x): return x
            case .int64(let n): return Double(n)
            default: return nil
            }
        }
        let task = text("task"), metric = text("metric")
        var step: Int?
        if case .int64(let n) = (row["step"] as DatabaseValue).storage { step = Int(exactly: n) }
        let which = "step \(step.map(String.init) ?? "?"), task '\(task ?? "?")', metric '\(metric ?? "?")'"
        func corrupt(_ column: String, _ why: String) -> StoreError {
            .corruptColumn(path: path, table: "evaluation", id: runID, column: column, detail: "\(which): \(why)")
        }
        func raw(_ column: String) -> String {
            switch (row[column] as DatabaseValue).storage {
            case .null: return "NULL"
            case .int64(let n): return "\(n)"
            case .double(let x): return "\(x)"
            case .string(let s): return "'\(s)'"
            case .blob(let b): return "a blob of \(b.count) bytes"
            }
        }
        guard let step, step >= 0 else { throw corrupt("step", "\(raw("step")) is not a step >= 0") }
        guard let task, !task.isEmpty else { throw corrupt("task", "\(raw("task")) is not a task name") }
        guard let metric, !metric.isEmpty else { throw corrupt("metric", "\(raw("metric")) is not a metric name") }
        guard let tokens = number("tokens"), tokens.isFinite, tokens >= 0 else {
            throw corrupt("tokens", "\(raw("tokens")) is not a finite token count >= 0")
        }
        guard let value = number("value"), value.isFinite else { throw corrupt("value", "\(raw("value")) is not a finite number") }
        return StoredEvaluation(runID: runID, TaskEvaluation(step: step, tokens: tokens, task: task, metric: metric, value: value))
    }
}

/// A run with its task evaluations, for an analysis of task metrics against N, D, C and loss
/// (`RunStore.evaluatedRuns`).
public struct EvaluatedRun: Sendable, Equatable {
    /// The run: N (`parameters`, `nonEmbeddingParameters`), D (`tokens`), C (`flops`), its final
    /// validation loss, status and sweep.
    public var run: StoredRun
    /// Its evaluations, by step, task and metric.
    public var evaluations: [StoredEvaluation]

    /// The training FLOPs the run had spent at an evaluation: C × (tokens then ÷ D), the run's
    /// FLOPs per token times the tokens seen; nil when the run has no C or D.
    public func flops(at evaluation: StoredEvaluation) -> Double? {
        guard let c = run.flops, let d = run.tokens, d > 0 else { return nil }
        return c / d * evaluation.tokens
    }
}

extension TaskEvaluation {
    /// Why this evaluation cannot be stored, or nil: the step and tokens must be counts >= 0
    /// (tokens finite), the task and metric names not empty, and the value finite unless
    /// `allowingNonFiniteValue` (ScaleLab's own record may hold a NaN metric of a diverged model;
    /// the store keeps such a value in the record only).
    public func problem(allowingNonFiniteValue: Bool = false) -> String? {
        if step < 0 { return "step must be >= 0, got \(step)" }
        if !(tokens.isFinite && tokens >= 0) { return "tokens must be a finite count >= 0, got \(tokens)" }
        if task.isEmpty { return "task must be a non-empty name" }
        if metric.isEmpty { return "metric must be a non-empty name" }
        if !allowingNonFiniteValue && !value.isFinite { return "value must be a finite number, got \(value)" }
        return nil
    }

    /// `problem` of the entries of a list, naming the first bad one: `evaluations[3] (task
    /// 'addition-3', metric 'exact_match'): value must be a finite number, got nan`.
    static func problem(in list: [TaskEvaluation], allowingNonFiniteValues: Bool = false) -> String? {
        for (i, e) in list.enumerated() {
            if let p = e.problem(allowingNonFiniteValue: allowingNonFiniteValues) {
                return "evaluations[\(i)] (task '\(e.task)', metric '\(e.metric)'): \(p)"
            }
        }
        return nil
    }
}

// MARK: - Reading and writing the evaluation table

extension RunStore {
    /// The first schema version with the `evaluation` table.
    static let evaluationSchema = 5

    /// The task evaluations of one run, by step, task and metric (none in a store of a schema
    /// before 5, opened read-only and so not migrated).
    ///
    /// Throws `StoreError.corruptColumn` for a row that is not an evaluation (a store edited by
    /// hand), naming the run, the row and the column.
    public func evaluations(run id: Int64) throws(StoreError) -> [StoredEvaluation] {
        try evaluationRows(where: "run_id = ?", arguments: [id.databaseValue])
    }

    /// The task evaluations of the runs of one sweep (or of every run), optionally of one task and
    /// one metric only, grouped by run id, each run's by step, task and metric.
    ///
    /// - Parameters:
    ///   - sweep: a sweep's id; nil for every run.
    ///   - task: keep only this task's rows; nil for every task.
    ///   - metric: keep only this metric's rows; nil for every metric.
    public func evaluations(sweep: Int64? = nil, task: String? = nil, metric: String? = nil)
        throws(StoreError) -> [Int64: [StoredEvaluation]]
    {
        var conditions: [String] = [], arguments: [DatabaseValue] = []
        if let sweep { conditions.append("run_id IN (SELECT id FROM run WHERE sweep_id = ?)"); arguments.append(sweep.databaseValue) }
        if let task { conditions.append("task = ?"); arguments.append(task.databaseValue) }
        if let metric { conditions.append("metric = ?"); arguments.append(metric.databaseValue) }
        let rows = try evaluationRows(where: conditions.isEmpty ? nil : conditions.joined(separator: " AND "), arguments: arguments)
        return Dictionary(grouping: rows, by: \.runID)
    }

    /// The runs of one sweep (or of all) that have evaluations, with them, by run id: what an
    /// analysis of task metrics reads, with each run's N, D, C and loss beside its evaluations.
    ///
    /// - Parameters:
    ///   - sweep: a sweep's id; nil for every run.
    ///   - task: keep only this task's evaluations; nil for every task.
    ///   - metric: keep only this metric's evaluations; nil for every metric.
    ///   - finishedOnly: keep only runs that are done with a final validation loss (those the
    ///     loss fits use); false keeps every run with evaluations, whatever its state.
    public func evaluatedRuns(sweep: Int64? = nil, task: String? = nil, metric: String? = nil,
                              finishedOnly: Bool = true) throws(StoreError) -> [EvaluatedRun] {
        let byRun = try evaluations(sweep: sweep, task: task, metric: metric)
        guard !byRun.isEmpty else { return [] }
        return try runs(sweep: sweep).compactMap { run in
            guard let id = run.id, let evaluations = byRun[id] else { return nil }
            if finishedOnly && !(run.status == .done && run.finalValidationLoss != nil) { return nil }
            return EvaluatedRun(run: run, evaluations: evaluations)
        }
    }

    /// The rows of `evaluation` matching `condition`, each checked (`StoredEvaluation.checked`),
    /// by run, step, task and metric; none before schema 5.
    private func evaluationRows(where condition: String?, arguments: [DatabaseValue]) throws(StoreError) -> [StoredEvaluation] {
        guard try schemaVersion() >= Self.evaluationSchema else { return [] }
        let sql = "SELECT * FROM evaluation" + (condition.map { " WHERE \($0)" } ?? "") + " ORDER BY run_id, step, task, metric"
        let path = self.path
        return try read { db in
            try db.fetchRows(sql: sql, arguments: arguments).map { row throws(StoreError) in try StoredEvaluation.checked(row, path: path) }
        }
    }

    /// Replaces run `id`'s evaluations with `evaluations`, inside the caller's transaction (the one
    /// that records the run's curve points). Entries with a non-finite value are left out (they
    /// stay in the run's record); a later entry for the same step, task and metric replaces an
    /// earlier one.
    static func replaceEvaluations(run id: Int64, with evaluations: [TaskEvaluation], in db: any StoreDatabase) throws {
        try db.execute(sql: "DELETE FROM evaluation WHERE run_id = ?", arguments: [id])
        for e in evaluations where e.value.isFinite {
            try db.execute(sql: """
                INSERT INTO evaluation (run_id, step, tokens, task, metric, value) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (run_id, step, task, metric) DO UPDATE SET tokens = excluded.tokens, value = excluded.value
                """, arguments: [id, e.step, e.tokens, e.task, e.metric, e.value])
        }
    }
}
