import Foundation
import Trainer

/// Task evaluations as a text table: one row per task, one column per metric of `TaskMetric.all`.
enum TaskTable {
    static func text(_ evaluations: [TaskEvaluation]) -> String {
        var tasks: [String] = []
        var value: [String: [String: Double]] = [:]
        for e in evaluations {
            if value[e.task] == nil { tasks.append(e.task) }
            value[e.task, default: [:]][e.metric] = e.value
        }
        let width = max(4, tasks.map(\.count).max() ?? 0)
        func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
        func left(_ s: String, _ n: Int) -> String { s.count >= n ? s : String(repeating: " ", count: n - s.count) + s }
        var s = "  " + pad("task", width) + TaskMetric.all.map { "  " + left($0, 18) }.joined() + "\n"
        for t in tasks {
            s += "  " + pad(t, width) + TaskMetric.all.map { m in
                "  " + left(value[t]?[m].map { String(format: "%.4f", $0) } ?? "-", 18)
            }.joined() + "\n"
        }
        return s
    }
}
