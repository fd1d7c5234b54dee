import Foundation
@testable import Lab
import XCTest

/// `scalelab emergence --store`: task evaluations that reached the store through the runner (a
/// `--train-command` reporting them in its result file) are read back with each run's compute
/// and analysed like a file; the answer length of ScaleLab's own tasks is known without
/// `--length`.
extension LadderCommandTests {
    /// A trainer whose per-character probability follows −ln p = 0.02 + 4100·C^−0.378 exactly and
    /// whose exact match is p^4 (addition-3's answers have 4 characters).
    func testEmergenceReadsTheStoresEvaluations() throws {
        let ids = try planLadder(budgets: "1e10,1e11,1e12,1e13", sizes: 2)
        XCTAssertGreaterThanOrEqual(ids.count, 6)
        let command = #"""
            awk -v c={flops} -v n={params} -v d={tokens} 'BEGIN {{ p = exp(-(0.02 + 4100 * c ^ (-0.378))); printf "{{\"status\": \"completed\", \"final_loss\": 2.5, \"parameters\": %s, \"tokens\": %s, \"flops\": %s, \"evaluations\": [{{\"step\": 10, \"tokens\": %s, \"task\": \"addition-3\", \"metric\": \"token_probability\", \"value\": %.9f}}, {{\"step\": 10, \"tokens\": %s, \"task\": \"addition-3\", \"metric\": \"exact_match\", \"value\": %.9f}}]}}", n, d, c, d, p, d, p ^ 4 }}' > {result}.tmp && mv {result}.tmp {result}
            """#
        let r = try CLIRunner.run(["ladder", "run", "--store", store, "--train-command", command, "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)

        let result = try ok(["emergence", "--store", store, "--bootstrap", "20", "--json"])
        let doc = try XCTUnwrap(try result.json() as? [String: Any])
        XCTAssertEqual(doc["task"] as? String, "addition-3")
        XCTAssertEqual(doc["length"] as? Int, 4, "addition-3's answer length, without --length")
        let law = try XCTUnwrap(doc["law"] as? [String: Any])
        XCTAssertEqual(try XCTUnwrap(law["alpha"] as? Double), 0.378, accuracy: 0.003)
        let rows = try XCTUnwrap(doc["rows"] as? [[String: Any]])
        XCTAssertEqual(rows.count, ids.count)
        let lab = try RunStore.open(path: store, create: false, readOnly: true)
        defer { lab.close() }
        let computes = try lab.runs().compactMap(\.flops).sorted()
        XCTAssertEqual(rows.compactMap { $0["compute"] as? Double }.sorted(), computes, "each run at its training compute")
        for row in rows {
            let predicted = try XCTUnwrap(row["predictedExactMatch"] as? Double)
            let measured = try XCTUnwrap(row["exactMatch"] as? Double)
            XCTAssertEqual(predicted, measured, accuracy: 0.005, "\(row)")
        }

        // One sweep only, and the errors of a store read.
        XCTAssertEqual(try ok(["emergence", "--store", store, "--sweep", "1", "--bootstrap", "0", "--json"]).status, 0)
        let unknown = try CLIRunner.run(["emergence", "--store", store, "--task", "arc"])
        XCTAssertEqual(unknown.status, 1, unknown.stderr)
        XCTAssertTrue(unknown.stderr.contains("no rows of task 'arc'"), unknown.stderr)
        let both = try CLIRunner.run(["emergence", "tasks.csv", "--store", store])
        XCTAssertEqual(both.status, 64, both.stderr)
        XCTAssertTrue(both.stderr.contains("give a FILE of task metrics or --store DB"), both.stderr)
        let columns = try CLIRunner.run(["emergence", "--store", store, "--c-column", "C"])
        XCTAssertEqual(columns.status, 64, columns.stderr)
        let empty = dir.appendingPathComponent("empty.sqlite").path
        _ = try ok(["ladder", "plan", "--budgets", "1e10", "--sizes-per-budget", "2", "--context", "16",
                    "--throughput", "1e9", "--store", empty])
        let none = try CLIRunner.run(["emergence", "--store", empty])
        XCTAssertEqual(none.status, 1, none.stderr)
        XCTAssertTrue(none.stderr.contains("no finished run has task evaluations"), none.stderr)
    }

    /// A task that is not one of ScaleLab's needs --length.
    func testEmergenceNeedsALengthForAForeignTask() throws {
        let file = dir.appendingPathComponent("tasks.csv").path
        try "run,C,task,metric,value\nr0,1e12,arc,token_probability,0.5\n".write(toFile: file, atomically: true, encoding: .utf8)
        let r = try CLIRunner.run(["emergence", file])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("'arc' is not one of ScaleLab's tasks, so its answer length is unknown: give --length"), r.stderr)
    }
}
