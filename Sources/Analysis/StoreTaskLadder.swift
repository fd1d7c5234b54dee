import Foundation
import Lab
import LawFitting

extension TaskLadder {
    /// A store's evaluated runs as the two-step forecast's ladder: each done run's final
    /// validation loss and its last evaluation of `metric` on `task`, and its curve of
    /// (validation loss, metric) at every step at which both were measured.
    ///
    /// - Parameters:
    ///   - store: The run store (read only).
    ///   - sweeps: Only these sweeps' runs; nil reads every sweep.
    ///   - task: The task.
    ///   - metric: The metric (`TaskMetric` name).
    /// - Throws: `StoreError` from the store.
    public static func read(from store: RunStore, sweeps: [Int64]? = nil, task: String, metric: String) throws -> TaskLadder {
        var runs: [TaskRun] = [], curves: [[TaskCurvePoint]] = []
        let evaluated = try sweeps.map { try $0.flatMap { try store.evaluatedRuns(sweep: $0, task: task, metric: metric) } }
            ?? store.evaluatedRuns(task: task, metric: metric)
        for e in evaluated {
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
}
