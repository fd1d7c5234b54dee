import Foundation
import LawFitting
import Lab
import Trainer

extension EmergenceAnalysis {
    /// The runs of one task from the rows of a file (`TaskMetricReader`): rows of `task` (or of
    /// the file's one task when nil), grouped by their `run` column (by compute without one),
    /// each run's metrics at its latest `step` when the file has steps.
    ///
    /// - Parameters:
    ///   - rows: The rows read.
    ///   - task: The task to analyse; nil takes the only task in the file.
    ///   - source: The file's name, for messages.
    /// - Throws: `AnalysisError.badOption` when the task is missing or not chosen among several,
    ///   or a run has one metric twice at the same step.
    public static func runs(from rows: [TaskMetricRow], task: String?, source: String) throws(AnalysisError)
        -> (task: String, runs: [TaskRunMetrics])
    {
        let tasks = rows.compactMap(\.task).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        let chosen: String
        if let task {
            guard tasks.contains(task) || (tasks.isEmpty && !rows.isEmpty) else {
                throw .badOption("\(source) has no rows of task '\(task)'; its tasks are "
                    + (tasks.isEmpty ? "(none: it has no task column)" : tasks.joined(separator: ", ")))
            }
            chosen = task
        } else if tasks.count > 1 {
            throw .badOption("\(source) has several tasks (\(tasks.joined(separator: ", "))); choose one with --task")
        } else {
            chosen = tasks.first ?? "task"
        }
        let kept = rows.filter { $0.task == nil || $0.task == chosen }
        // The row kept for each run and metric: the latest step.
        var order: [String] = []
        var latest: [String: [String: TaskMetricRow]] = [:]
        for row in kept {
            let key = row.run ?? String(format: "C = %.6g", row.compute)
            if latest[key] == nil { order.append(key); latest[key] = [:] }
            if let other = latest[key]![row.metric] {
                guard row.run != nil || (row.step != nil && other.step != nil) else {
                    throw .badOption("\(source): lines \(other.line) and \(row.line) both give \(row.metric) at \(key) and the file has "
                        + "no run column, so they read as one run; add a run column naming each run (and a step column "
                        + "if a run has several evaluations)")
                }
                guard let s = row.step, let t = other.step, s != t else {
                    throw .badOption("\(source): run \(key) has \(row.metric) twice (lines \(other.line) and \(row.line)) "
                        + "at the same step; keep one, or add a step column to say which is latest")
                }
                if s < t { continue }
            }
            latest[key]![row.metric] = row
        }
        let runs = order.map { key -> TaskRunMetrics in
            let metrics = latest[key]!
            return TaskRunMetrics(run: metrics.values.first?.run, compute: metrics.values.map(\.compute).max()!,
                                  metrics: metrics.mapValues(\.value))
        }
        return (chosen, runs)
    }

    /// Every metric name ScaleLab's evaluator records, which a wide file may have as columns.
    public static var metricColumns: [String] { TaskMetric.all }
}

extension EmergenceAnalysis {
    /// The runs of one task from a run store: every finished run (of `sweep`, or of the whole
    /// store) with evaluations of `task` (or of the store's one evaluated task), each with its
    /// metrics at its latest evaluated step and C the compute it had spent by then.
    ///
    /// - Parameters:
    ///   - store: The run store (read only).
    ///   - sweep: Only this sweep's runs; nil reads every sweep.
    ///   - task: The task to analyse; nil takes the only task the store has evaluations of.
    /// - Throws: `AnalysisError.noRuns` when no finished run has evaluations, `.badOption` when
    ///   the task is missing or not chosen among several, `StoreError` from the store.
    public static func runs(from store: RunStore, sweep: Int64? = nil, task: String?) throws
        -> (task: String, runs: [TaskRunMetrics])
    {
        let source = store.path + (sweep.map { " (sweep \($0))" } ?? "")
        let evaluated = try store.evaluatedRuns(sweep: sweep)
        guard !evaluated.isEmpty else {
            throw AnalysisError.noRuns(source: source + ": no finished run has task evaluations "
                + "(train with --eval, or have the trainer report evaluations in its result file)")
        }
        var rows: [TaskMetricRow] = []
        for e in evaluated {
            guard let id = e.run.id else { continue }
            for evaluation in e.evaluations {
                // The compute spent when the model was evaluated, not the run's whole budget.
                guard let compute = e.flops(at: evaluation), compute.isFinite, compute > 0 else { continue }
                rows.append(TaskMetricRow(line: 0, run: "run \(id)", compute: compute, step: Double(evaluation.step),
                                          task: evaluation.task, metric: evaluation.metric, value: evaluation.value))
            }
        }
        guard !rows.isEmpty else { throw AnalysisError.noRuns(source: source + ": no evaluated run has a training compute C") }
        let (name, runs) = try runs(from: rows, task: task, source: source)
        return (name, runs.sorted { $0.compute < $1.compute })
    }

    /// The answer length of one of ScaleLab's own task suites (`addition-3` → 4), or nil for
    /// any other name.
    public static func answerLength(task: String) -> Int? {
        (try? TaskSuite(parsing: task))?.answerLength
    }
}
