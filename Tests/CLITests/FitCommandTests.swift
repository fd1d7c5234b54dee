import Foundation
import XCTest

/// `scalelab fit` run as a user runs it: the JSON contract, the comparison table, and one test per
/// kind of bad input (non-zero exit, nothing on stdout, a message that says what to fix).
final class FitCommandTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures")

    private func temporaryFile(_ name: String, _ text: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scalelab-fit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    /// A small Chinchilla-shaped CSV from Hoffmann's rounded constants (no noise).
    private func chinchillaCSV(rows: Int = 12) throws -> String {
        var text = "params,tokens,loss\n"
        for i in 0..<rows {
            let N = 1e7 * pow(10, Double(i % 4) * 0.5), D = 2e8 * pow(10, Double(i / 4) * 0.5)
            text += "\(N),\(D),\(1.69 + 406.4 / pow(N, 0.34) + 410.7 / pow(D, 0.28))\n"
        }
        return try temporaryFile("runs.csv", text)
    }

    private func expectFailure(_ args: [String], contains parts: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try CLIRunner.run(args)
        XCTAssertNotEqual(r.status, 0, "should fail: \(args)", file: file, line: line)
        XCTAssertEqual(r.stdout, "", "nothing on stdout when failing", file: file, line: line)
        for part in parts { XCTAssertTrue(r.stderr.contains(part), "stderr lacks '\(part)': \(r.stderr)", file: file, line: line) }
    }

    /// The keys scripts rely on, with a bootstrap, a budget and a back-test.
    func testJSONContract() throws {
        let path = try chinchillaCSV()
        let r = try CLIRunner.run(["fit", path, "--law", "chinchilla", "--grid", "log_E=0.5", "--grid", "log_A=5",
                                   "--grid", "log_B=5", "--grid", "alpha=0.5", "--grid", "beta=0.5",
                                   "--bootstrap", "20", "--seed", "3", "--budget", "5.76e23", "--holdout-largest", "2", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let doc = try XCTUnwrap(try r.json() as? [String: Any])
        XCTAssertEqual(doc["law"] as? String, "chinchilla")
        let parameters = try XCTUnwrap(doc["parameters"] as? [String: Double])
        XCTAssertEqual(Set(parameters.keys), ["E", "A", "B", "alpha", "beta"])
        XCTAssertEqual(parameters["alpha"] ?? 0, 0.34, accuracy: 1e-3)
        XCTAssertEqual(parameters["E"] ?? 0, 1.69, accuracy: 1e-3)
        let intervals = try XCTUnwrap(doc["intervals"] as? [String: [Double]])
        XCTAssertEqual(Set(intervals.keys), ["E", "A", "B", "alpha", "beta"])
        XCTAssertTrue(intervals.values.allSatisfy { $0.count == 2 && $0[0] <= $0[1] })
        let derived = try XCTUnwrap(doc["derived"] as? [String: Double])
        XCTAssertEqual(derived["a"] ?? 0, 0.28 / 0.62, accuracy: 1e-3)
        XCTAssertEqual(derived["b"] ?? 0, 0.34 / 0.62, accuracy: 1e-3)
        let fit = try XCTUnwrap(doc["fit"] as? [String: Any])
        for key in ["objective", "rmseLog", "points", "starts", "convergedStarts", "status"] {
            XCTAssertNotNil(fit[key], "fit.\(key)")
        }
        XCTAssertEqual(fit["points"] as? Int, 12)
        XCTAssertEqual(fit["starts"] as? Int, 1)
        let budgets = try XCTUnwrap(doc["budgets"] as? [[String: Any]])
        let values = try XCTUnwrap(budgets.first?["values"] as? [String: Double])
        XCTAssertEqual((values["N_opt"] ?? 0) / 3.22e10, 1, accuracy: 0.01, "Hoffmann's N_opt at 5.76e23")
        let holdout = try XCTUnwrap(doc["holdout"] as? [String: Any])
        XCTAssertEqual(holdout["k"] as? Int, 2)
        XCTAssertEqual((doc["bootstrap"] as? [String: Any])?["resampling"] as? String, "residuals", "the default resampling")
        // 6ND of the 4 × 3 grid falls on 6 budgets (1, 2, 3, 3, 2, 1 runs): three rolling steps
        // fit more than 5 points. The budget's loss has a form interval holding its noise interval.
        let rolling = try XCTUnwrap(doc["rollingBacktest"] as? [String: Any])
        XCTAssertEqual((rolling["budgets"] as? [Double])?.count, 6)
        XCTAssertEqual((rolling["steps"] as? [Any])?.count, 3)
        let noise = try XCTUnwrap((budgets.first?["intervals"] as? [String: [Double]])?["loss"])
        let form = try XCTUnwrap(budgets.first?["lossFormInterval"] as? [Double])
        XCTAssertTrue(form[0] <= noise[0] && noise[1] <= form[1], "\(form) holds \(noise)")
    }

    /// `--resampling cases` gives the case bootstrap back; the JSON records it and the text names
    /// the resampling in its interval header, as it does the default's.
    func testResamplingIsChosenRecordedAndNamed() throws {
        let path = try chinchillaCSV()
        let grid = ["--grid", "log_E=0.5", "--grid", "log_A=5", "--grid", "log_B=5", "--grid", "alpha=0.5", "--grid", "beta=0.5"]
        let cases = try CLIRunner.run(["fit", path, "--bootstrap", "8", "--resampling", "cases", "--json"] + grid)
        XCTAssertEqual(cases.status, 0, cases.stderr)
        let doc = try XCTUnwrap(try cases.json() as? [String: Any])
        XCTAssertEqual((doc["bootstrap"] as? [String: Any])?["resampling"] as? String, "cases")
        let text = try CLIRunner.run(["fit", path, "--bootstrap", "8", "--resampling", "cases", "--budget", "1e24"] + grid)
        XCTAssertTrue(text.stdout.contains("90% bootstrap intervals (case resampling):"), text.stdout)
        XCTAssertTrue(text.stdout.contains("loss form interval"), text.stdout)
        XCTAssertTrue(text.stdout.contains("Intervals: noise = bootstrap (case resampling); form = "), text.stdout)
        let residual = try CLIRunner.run(["fit", path, "--bootstrap", "8"] + grid)
        XCTAssertTrue(residual.stdout.contains("90% bootstrap intervals (residual resampling):"), residual.stdout)
        try expectFailure(["fit", path, "--resampling", "pairs"], contains: ["--resampling"])
    }

    /// `plan --fit` reads what `fit --out` wrote and carries the bootstrap into intervals.
    func testPlanFromFitReport() throws {
        let path = try chinchillaCSV()
        let out = path + ".fit.json"
        let fit = try CLIRunner.run(["fit", path, "--grid", "log_A=5", "--grid", "log_B=5", "--grid", "log_E=0.5",
                                     "--grid", "alpha=0.5", "--grid", "beta=0.5", "--bootstrap", "10", "--out", out])
        XCTAssertEqual(fit.status, 0, fit.stderr)
        XCTAssertTrue(fit.stdout.contains("90% interval"), fit.stdout)
        let plan = try CLIRunner.run(["plan", "--fit", out, "--compute", "5.76e23", "--json"])
        XCTAssertEqual(plan.status, 0, plan.stderr)
        let doc = try XCTUnwrap(try plan.json() as? [String: Any])
        let optimal = try XCTUnwrap(doc["computeOptimal"] as? [String: Any])
        XCTAssertEqual((optimal["parameters"] as? Double ?? 0) / 3.22e10, 1, accuracy: 0.01)
        XCTAssertNotNil(doc["intervals"] as? [String: [Double]])

        // A report with a non-finite number (written as "nan", the way `fit` writes one) still
        // reads; one without its parameter order says which key is missing.
        var text = try String(contentsOfFile: out, encoding: .utf8)
        let spread = try XCTUnwrap(text.range(of: #""spread" : {"#))
        text.replaceSubrange(spread, with: #""spread" : { "nan_demo" : [ "nan", "inf" ], "#)
        try text.write(toFile: out, atomically: true, encoding: .utf8)
        let withNaN = try CLIRunner.run(["plan", "--fit", out, "--compute", "5.76e23"])
        XCTAssertEqual(withNaN.status, 0, withNaN.stderr)
        try text.replacingOccurrences(of: #""parameterOrder""#, with: #""parameter_order""#).write(toFile: out, atomically: true, encoding: .utf8)
        try expectFailure(["plan", "--fit", out, "--compute", "5.76e23"], contains: [out, #"no key "parameterOrder""#, "scalelab fit FILE --out"])
    }

    /// `--law all` fits every applicable law and ranks them.
    func testCompareAllLaws() throws {
        let bnsl = Self.fixtures.appendingPathComponent("bnsl_4digit_addition.csv").path
        let r = try CLIRunner.run(["fit", bnsl, "--law", "all", "--holdout-largest", "3", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let doc = try XCTUnwrap(try r.json() as? [String: Any])
        let laws = try XCTUnwrap(doc["laws"] as? [[String: Any]])
        XCTAssertEqual(Set(laws.compactMap { $0["law"] as? String }), ["power-d", "kaplan-d", "bnsl"])
        XCTAssertEqual(laws.first?["law"] as? String, "bnsl", "the broken law extrapolates the emergent drop best")
    }

    func testMissingFile() throws {
        try expectFailure(["fit", "/nonexistent/runs.csv"], contains: ["/nonexistent/runs.csv", "no such file"])
    }

    func testMissingColumn() throws {
        let path = try temporaryFile("runs.csv", "params,loss\n1e8,3.1\n2e8,3.0\n")
        try expectFailure(["fit", path], contains: ["no column for", "found columns: params, loss", "--d-column"])
    }

    func testNonNumericValue() throws {
        let path = try temporaryFile("runs.csv", "params,tokens,loss\n1e8,2e9,3.1\n2e8,abc,3.0\n")
        try expectFailure(["fit", path], contains: ["line 3", "column 'tokens'", "'abc' is not a number"])
    }

    func testNaNValue() throws {
        let path = try temporaryFile("runs.csv", "params,tokens,loss\n1e8,2e9,nan\n")
        try expectFailure(["fit", path], contains: ["line 2", "column 'loss'", "not a finite number"])
    }

    func testNegativeSize() throws {
        let path = try temporaryFile("runs.csv", "params,tokens,loss\n-1e8,2e9,3.1\n")
        try expectFailure(["fit", path], contains: ["line 2", "column 'params'", "must be positive", "-1e8"])
    }

    func testNonPositiveLoss() throws {
        let path = try temporaryFile("runs.csv", "params,tokens,loss\n1e8,2e9,0\n")
        try expectFailure(["fit", path], contains: ["line 2", "column 'loss'", "must be positive"])
    }

    /// C given at 10 × 6ND is fitted (chinchilla reads N and D) but said on stderr, and the fit
    /// records which column each quantity came from and how C compares with 6ND.
    func testComputeFarFromSixNDWarnsAndIsRecorded() throws {
        var text = "params,tokens,flops,loss\n"
        for N in [1e7, 3e7, 1e8, 3e8] {
            for D in [2e8, 6e8, 2e9] { text += "\(N),\(D),\(60 * N * D),\(1.69 + 406.4 / pow(N, 0.34) + 410.7 / pow(D, 0.28))\n" }
        }
        let path = try temporaryFile("tenfold.csv", text)
        let r = try CLIRunner.run(["fit", path, "--bootstrap", "0", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("warning: the C column is not 6ND on every row"), r.stderr)
        let json = try XCTUnwrap(try r.json() as? [String: Any])
        let data = try XCTUnwrap(json["data"] as? [String: Any])
        XCTAssertEqual(data["columns"] as? [String: String], ["N": "params", "D": "tokens", "C": "flops", "L": "loss"])
        let check = try XCTUnwrap(data["computeCheck"] as? [String: Any])
        XCTAssertEqual(try XCTUnwrap(check["medianRatio"] as? Double), 10, accuracy: 1e-9)
        XCTAssertEqual(check["rowsOutside"] as? Int, 12)
        let all = try CLIRunner.run(["fit", path, "--law", "all", "--json", "--threads", "1"])
        XCTAssertEqual(all.status, 0, all.stderr)
        XCTAssertTrue(all.stderr.contains("warning: the C column is not 6ND"), "the comparison reads C too: \(all.stderr)")
        let textRun = try CLIRunner.run(["fit", path, "--bootstrap", "0"])
        XCTAssertTrue(textRun.stdout.contains("Columns: N ← params, D ← tokens, C ← flops, L ← loss"), textRun.stdout)
        XCTAssertTrue(textRun.stdout.contains("C/(6ND): median 10.000"), textRun.stdout)
    }

    func testAComputeColumnOfLogValuesIsRefused() throws {
        let path = try temporaryFile("logc.csv", "params,compute,loss\n1e8,2.0,3.1\n2e8,3.1,3.0\n4e8,4.0,2.9\n8e8,3.5,2.8\n")
        try expectFailure(["fit", path, "--law", "power-c"], contains: ["column 'compute'", "log10", "--c-column"])
    }

    /// `import` refuses the same column as `fit` does, and writes nothing.
    func testImportRefusesAComputeColumnOfLogValues() throws {
        let path = try temporaryFile("logc.csv", "params,tokens,compute,loss\n1e8,2e9,2.0,3.1\n2e8,2e9,3.1,3.0\n")
        let store = (path as NSString).deletingLastPathComponent + "/s.sqlite"
        try expectFailure(["import", path, "--store", store], contains: ["column 'compute'", "log10", "--c-column"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: store), "the file is refused before the store is opened")
    }

    func testTooFewPointsForTheLaw() throws {
        let path = try temporaryFile("runs.csv", "params,tokens,loss\n1e8,2e9,3.1\n2e8,2e9,3.0\n4e8,4e9,2.9\n")
        try expectFailure(["fit", path, "--law", "chinchilla"], contains: ["chinchilla has 5 parameters", "3 usable rows", "need at least 6", "--fix"])
    }

    func testUnknownLaw() throws {
        let path = try chinchillaCSV()
        try expectFailure(["fit", path, "--law", "gpt-law"], contains: ["unknown law 'gpt-law'", "chinchilla"])
    }

    func testMalformedJSONLines() throws {
        let path = try temporaryFile("runs.jsonl", "{\"params\": 1e8, \"tokens\": 2e9, \"loss\": 3.1}\n{\"params\": 2e8,\n")
        try expectFailure(["fit", path], contains: ["line 2", "not valid JSON"])
    }

    func testBadBootstrapOptions() throws {
        let path = try chinchillaCSV()
        try expectFailure(["fit", path, "--bootstrap", "-5"], contains: ["--bootstrap must be 0 or more"])
        try expectFailure(["fit", path, "--level", "95"], contains: ["--level must be between 0 and 1"])
    }
}
