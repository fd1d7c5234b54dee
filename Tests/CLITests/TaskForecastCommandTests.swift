import Foundation
import XCTest

/// `scalelab task-forecast` run as a user runs it, on the OLMo ladder fixture.
final class TaskForecastCommandTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// With the paper's settings the JSON carries the published chained forecasts for 13B-5T (MMLU
    /// 0.512680, OpenBookQA 0.448648), scored against the measured accuracies of the target rows.
    func testOLMoSettingsOnTheFixture() throws {
        let r = try CLIRunner.run(["task-forecast", Self.fixtures.appendingPathComponent("olmo_ladder_tasks.csv").path,
                                   "--curves", Self.fixtures.appendingPathComponent("olmo_ladder_task_curves.csv").path,
                                   "--target-params", "13202396160", "--target-tokens", "5000088518656",
                                   "--settings", "olmo", "--bootstrap", "0", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let list = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])
        XCTAssertEqual(list.count, 8)
        let byTask = Dictionary(uniqueKeysWithValues: list.map { ($0["task"] as! String, $0) })
        let mmlu = try XCTUnwrap(byTask["mmlu_avg_test_5shot"])
        XCTAssertEqual(mmlu["chained"] as! Double, 0.5126797, accuracy: 1e-4 * 0.5127)
        XCTAssertEqual(mmlu["actualMetric"] as! Double, 0.516140, accuracy: 1e-6)
        XCTAssertEqual(byTask["openbookqa_test_5shot"]?["chained"] as! Double, 0.448648, accuracy: 1e-4 * 0.4486)
        XCTAssertNil(mmlu["chainedInterval"], "no bootstrap, no interval")
    }

    /// The table names every task; a missing column fails with a message naming it and the option.
    func testTableAndAMissingColumn() throws {
        let file = Self.fixtures.appendingPathComponent("olmo_ladder_tasks.csv").path
        let r = try CLIRunner.run(["task-forecast", file, "--target-params", "13202396160", "--target-tokens", "5000088518656",
                                   "--settings", "olmo", "--bootstrap", "0"])
        XCTAssertEqual(r.status, 0, r.stderr)
        for task in ["mmlu_avg_test_5shot", "hellaswag_val_5shot", "openbookqa_test_5shot"] { XCTAssertTrue(r.stdout.contains(task), r.stdout) }
        let bad = try CLIRunner.run(["task-forecast", file, "--target-params", "1e10", "--target-tokens", "1e12",
                                     "--metric-column", "acc"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("'acc'") && bad.stderr.contains("--metric-column"), bad.stderr)
        XCTAssertEqual(bad.stdout, "")

        // A misspelled role would put the target into the fit: it is refused, with its line.
        let text = try String(contentsOfFile: file, encoding: .utf8).replacingOccurrences(of: ",target\n", with: ",tagret\n")
        let misspelled = FileManager.default.temporaryDirectory.appendingPathComponent("tasks-\(UUID().uuidString).csv")
        try text.write(to: misspelled, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: misspelled) }
        let role = try CLIRunner.run(["task-forecast", misspelled.path, "--target-params", "13202396160",
                                      "--target-tokens", "5000088518656", "--settings", "olmo", "--bootstrap", "0"])
        XCTAssertEqual(role.status, 1, role.stderr)
        XCTAssertTrue(role.stderr.contains("role 'tagret' is neither 'ladder'"), role.stderr)
    }
}
