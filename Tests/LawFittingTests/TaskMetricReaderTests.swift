import Foundation
import LawFitting
import Testing

/// `TaskMetricReader`: task metrics per run in the long and the wide layout, from CSV and JSON
/// Lines, with C read or derived, and bad input refused with file, line and column.
@Suite struct TaskMetricReaderTests {
    let reader = TaskMetricReader(metricNames: ["exact_match", "token_probability"])

    func read(_ text: String, _ format: MeasurementFileFormat = .csv) throws -> [TaskMetricRow] {
        try reader.read(bytes: Array(text.utf8), source: "m.\(format.rawValue)", format: format)
    }

    /// Long rows keep their run, task, step, metric and value; C = 6·N·D when only N and D are given.
    @Test func readsLongRowsAndDerivesCompute() throws {
        let rows = try read("run,params,tokens,task,step,metric,value\nr1,1e6,1e8,add-3,100,exact_match,0\nr1,1e6,1e8,add-3,200,exact_match,0.25\n")
        #expect(rows.count == 2)
        #expect(rows[1] == TaskMetricRow(line: 3, run: "r1", compute: 6e14, step: 200, task: "add-3", metric: "exact_match", value: 0.25))
    }

    /// Wide JSON Lines: one row per metric column with a value; an absent key is no value, and a
    /// `loss` column is neither a metric nor in the way.
    @Test func readsWideJSONLines() throws {
        let rows = try read("""
            {"run": 3, "C": 1e15, "loss": 2.5, "exact_match": 0.5, "token_probability": 0.9}
            {"run": 4, "C": 2e15, "exact_match": 0.6}
            """, .jsonLines)
        #expect(rows.map(\.metric) == ["exact_match", "token_probability", "exact_match"])
        #expect(rows.map(\.run) == ["3", "3", "4"])
        #expect(rows.map(\.compute) == [1e15, 1e15, 2e15])
        #expect(rows.allSatisfy { $0.task == nil && $0.step == nil })
    }

    /// Errors name what to fix.
    @Test func refusesBadInput() {
        func message(_ text: String) -> String {
            do { _ = try read(text); return "" } catch { return "\(error)" }
        }
        #expect(message("C,loss\n1e15,2\n").contains("no task metrics"))
        #expect(message("C,metric,value\n1e15,exact_match,\n").contains("line 2: metric exact_match has no value"))
        #expect(message("C,metric,value\n1e15,,0.5\n").contains("the metric column is empty"))
        #expect(message("C,exact_match\n1e15,nan\n").contains("not a finite number"))
        #expect(message("C,exact_match\n-1,0.5\n").contains("must be positive"))
    }
}
