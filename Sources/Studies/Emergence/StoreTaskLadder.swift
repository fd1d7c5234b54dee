import Analysis
import Foundation
import Lab
import LawFitting
import Trainer

/// A sweep's evaluated runs as the two-step forecast's ladder: each run's final loss and metric,
/// and its curve of (validation loss, metric) at every step both were measured.
enum StoreTaskLadder {
    /// The ladder of `task`'s `metric` over the done runs of `sweep`.
    static func read(_ store: RunStore, sweep: Int64, task: String, metric: String) throws -> TaskLadder {
        var runs: [TaskRun] = [], curves: [[TaskCurvePoint]] = []
        for e in try store.evaluatedRuns(sweep: sweep, task: task, metric: metric) {
            guard let id = e.run.id, let loss = e.run.finalValidationLoss, let C = e.run.flops, let D = e.run.tokens,
                  let last = e.evaluations.max(by: { $0.step < $1.step }) else { continue }
            let lossAt = Dictionary(try store.curve(run: id).map { ($0.step, $0.validationLoss) }, uniquingKeysWith: { a, _ in a })
            let curve = e.evaluations.sorted { $0.step < $1.step }.compactMap { ev in
                lossAt[ev.step].map { TaskCurvePoint(loss: $0, metric: ev.value) }
            }
            runs.append(TaskRun(run: "\(id)", parameters: e.run.parameters, tokens: D, compute: C, loss: loss, metric: last.value))
            curves.append(curve)
        }
        return TaskLadder(task: task, runs: runs, curves: curves)
    }

    /// The final metrics of `task` of every done run of `sweeps`, for the emergence analysis.
    static func metrics(_ store: RunStore, sweeps: [Int64], task: String) throws -> [TaskRunMetrics] {
        try sweeps.flatMap { try EmergenceAnalysis.runs(from: store, sweep: $0, task: task).runs }
    }
}
