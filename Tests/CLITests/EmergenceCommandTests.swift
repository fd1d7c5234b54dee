import Foundation
import XCTest

/// `scalelab emergence` run as a user runs it: a ladder written from a known smooth law, in the
/// long and the wide layout, and one test per kind of bad input.
final class EmergenceCommandTests: XCTestCase {
    private func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scalelab-emergence-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir
    }

    /// `−ln p = 0.02 + 1.87e4·C^−0.35` on 10 runs from 1e12 to 1e18 FLOPs, off by a fixed ±1%
    /// pattern (noise-free data would leave both break laws at rounding error, where AICc means
    /// nothing), and the exact match p^4 each run would have.
    static func p(_ i: Int) -> Double {
        let C = compute[i]
        return exp(-(0.02 + 1.87e4 * pow(C, -0.35)) * (1 + 0.01 * sin(1.7 * Double(i))))
    }
    static let compute = (0..<10).map { 1e12 * pow(1e6, Double($0) / 9) }

    /// The ladder as a long file (run, C, task, metric, value) with a second task beside it.
    private func longFile(in dir: URL) throws -> String {
        var text = "run,C,task,metric,value\n"
        for (i, C) in Self.compute.enumerated() {
            let p = Self.p(i)
            text += "r\(i),\(C),addition-3,token_probability,\(p)\n"
            text += "r\(i),\(C),addition-3,exact_match,\(pow(p, 4))\n"
            text += "r\(i),\(C),copy,exact_match,0.5\n"
        }
        let path = dir.appendingPathComponent("tasks.csv").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The law is recovered, p^4 predicts the measured exact match, the break is in exact match's
    /// error rate and not in −ln p, and the back-test forecasts the largest run.
    func testRecoversTheLawFromALongFile() throws {
        let dir = try temporaryDirectory()
        let file = try longFile(in: dir)
        let r = try CLIRunner.run(["emergence", file, "--task", "addition-3", "--length", "4", "--bootstrap", "20", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let doc = try XCTUnwrap(try r.json() as? [String: Any])
        XCTAssertEqual(doc["task"] as? String, "addition-3")
        XCTAssertEqual(doc["smoothMetric"] as? String, "token_probability")
        let law = try XCTUnwrap(doc["law"] as? [String: Any])
        XCTAssertEqual(law["alpha"] as? Double ?? 0, 0.35, accuracy: 0.02)
        XCTAssertEqual(law["E"] as? Double ?? 0, 0.02, accuracy: 0.004)
        let rows = try XCTUnwrap(doc["rows"] as? [[String: Any]])
        XCTAssertEqual(rows.count, 10)
        for row in rows { XCTAssertEqual(row["error"] as? Double ?? 1, 0, accuracy: 0.03) }
        let breaks = try XCTUnwrap(doc["breaks"] as? [String: Any])
        XCTAssertEqual((breaks["smooth"] as? [String: Any])?["found"] as? Bool, false)
        XCTAssertEqual((breaks["exactMatchError"] as? [String: Any])?["found"] as? Bool, true)
        let forecast = try XCTUnwrap(((doc["backtest"] as? [String: Any])?["forecasts"] as? [[String: Any]])?.first)
        XCTAssertEqual(forecast["pRelativeError"] as? Double ?? 1, 0, accuracy: 0.01)
    }

    /// The same ladder, wide (one column per metric, C from N and D), gives the same law; the text
    /// output has the table, the sharpness, the breaks and the back-test.
    func testReadsAWideFileAndPrintsTables() throws {
        let dir = try temporaryDirectory()
        var text = "name,params,tokens,exact_match,token_probability\n"
        for (i, C) in Self.compute.enumerated() {
            let p = Self.p(i)
            text += "r\(i),1e8,\(C / 6e8),\(pow(p, 4)),\(p)\n"
        }
        let file = dir.appendingPathComponent("wide.csv").path
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        let r = try CLIRunner.run(["emergence", file, "--length", "4", "--bootstrap", "0"])
        XCTAssertEqual(r.status, 0, r.stderr)
        for part in ["Smooth law: -ln p = E + A*C^-alpha: E = 0.0", "predicted EM", "Sharpness",
                     "1 - exact match: a break at C", "Back-test"] {
            XCTAssertTrue(r.stdout.contains(part), "stdout lacks '\(part)':\n\(r.stdout)")
        }
    }

    private func expectFailure(_ args: [String], status: Int32 = 1, contains parts: [String],
                               file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try CLIRunner.run(args)
        XCTAssertEqual(r.status, status, "\(args): \(r.stderr)", file: file, line: line)
        XCTAssertEqual(r.stdout, "", file: file, line: line)
        for part in parts { XCTAssertTrue(r.stderr.contains(part), "stderr lacks '\(part)': \(r.stderr)", file: file, line: line) }
    }

    /// Bad input says what to fix.
    func testBadInputSaysWhatToFix() throws {
        let dir = try temporaryDirectory()
        let file = try longFile(in: dir)
        try expectFailure(["emergence", file, "--length", "4"], contains: ["several tasks (addition-3, copy)", "--task"])
        try expectFailure(["emergence", file, "--length", "4", "--task", "sorting"], contains: ["no rows of task 'sorting'"])
        try expectFailure(["emergence", file, "--length", "4", "--task", "copy"], contains: ["token_probability or answer_bits"])
        try expectFailure(["emergence", file, "--length", "0"], status: 64, contains: ["--length must be at least 1"])
        try expectFailure(["emergence", file, "--length", "4", "--metric", "exact_match"], status: 64, contains: ["--metric must be"])
        let noMetrics = dir.appendingPathComponent("none.csv").path
        try "C,loss\n1e12,2\n".write(toFile: noMetrics, atomically: true, encoding: .utf8)
        try expectFailure(["emergence", noMetrics, "--length", "4"], contains: ["no task metrics", "metric and value"])
        let notNumber = dir.appendingPathComponent("nan.csv").path
        try "C,metric,value\n1e12,token_probability,high\n".write(toFile: notNumber, atomically: true, encoding: .utf8)
        try expectFailure(["emergence", notNumber, "--length", "4"], contains: ["line 2", "'high' is not a number"])
        let noCompute = dir.appendingPathComponent("nocompute.csv").path
        try "run,metric,value\nr1,token_probability,0.5\n".write(toFile: noCompute, atomically: true, encoding: .utf8)
        try expectFailure(["emergence", noCompute, "--length", "4"], contains: ["no column for C (FLOPs)"])
    }
}
