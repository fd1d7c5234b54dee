import Foundation
import XCTest

/// Issue 18 through the command line: bad input is refused with a message that says what to fix,
/// a non-zero exit (never a trap: 132/133), nothing on stdout, and nothing already stored lost.
final class HardeningCommandTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("hardening-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    private func file(_ name: String, _ text: String) throws -> String {
        let path = dir.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @discardableResult
    private func expectFailure(_ args: [String], contains parts: [String], file: StaticString = #filePath,
                               line: UInt = #line) throws -> CLIRunner.Result {
        let r = try CLIRunner.run(args)
        XCTAssertNotEqual(r.status, 0, "should fail: \(args)", file: file, line: line)
        XCTAssertFalse(Self.trapped(r), "trapped (\(r.status)): \(r.stderr.prefix(500))", file: file, line: line)
        XCTAssertEqual(r.stdout, "", "nothing on stdout when failing", file: file, line: line)
        for part in parts { XCTAssertTrue(r.stderr.contains(part), "stderr lacks '\(part)': \(r.stderr)", file: file, line: line) }
        return r
    }

    /// A Swift trap or crash: killed by SIGILL, SIGTRAP, SIGABRT or SIGSEGV (the status of a
    /// process killed by a signal is the signal's number; a shell reports 128 + it).
    static func trapped(_ r: CLIRunner.Result) -> Bool {
        [4, 5, 6, 11, 132, 133, 134, 139].contains(r.status) || r.stderr.contains("Fatal error")
    }

    // MARK: plan --fit

    /// A valid Chinchilla fit report with two bootstrap refits; `edit` changes it before writing.
    private func fitFile(_ edit: (inout [String: Any]) -> Void = { _ in }) throws -> String {
        var doc: [String: Any] = [
            "law": "chinchilla", "formula": "L = E + A/N^alpha + B/D^beta",
            "parameterOrder": ["E", "A", "B", "alpha", "beta"],
            "parameters": ["E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28],
            "derived": [String: Double](), "budgets": [Any](),
            "fit": ["objective": 0.0, "objectiveKind": "huber", "rmseLog": 0.0, "points": 10, "starts": 1,
                    "convergedStarts": 1, "status": "converged", "message": "", "seconds": 0.0, "evaluations": 1,
                    "spread": [String: Any](), "bestStartObjectives": [Double]()] as [String: Any],
            "bootstrap": ["samples": 2, "failed": 0, "level": 0.9, "seed": 0, "seconds": 0.0,
                          "parameters": [[1.69, 406.4, 410.7, 0.34, 0.28], [1.7, 400.0, 410.0, 0.35, 0.29]]] as [String: Any],
            "scalelabVersion": "0.1.0",
        ]
        edit(&doc)
        let data = try JSONSerialization.data(withJSONObject: doc)
        let path = dir.appendingPathComponent("fit-\(UUID().uuidString).json").path
        try data.write(to: URL(fileURLWithPath: path))
        return path
    }

    private func setParameter(_ name: String, _ value: Any) -> (inout [String: Any]) -> Void {
        { doc in
            var p = doc["parameters"] as! [String: Any]
            p[name] = value
            doc["parameters"] = p
        }
    }

    private func setBootstrap(_ key: String, _ value: Any) -> (inout [String: Any]) -> Void {
        { doc in
            var b = doc["bootstrap"] as! [String: Any]
            b[key] = value
            doc["bootstrap"] = b
        }
    }

    private func plan(_ path: String) -> [String] { ["plan", "--fit", path, "--compute", "5.76e23"] }

    func testValidFitFilePlans() throws {
        let r = try CLIRunner.run(plan(try fitFile()) + ["--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertFalse(r.stdout.contains("nan") || r.stdout.contains("inf"), r.stdout)
    }

    func testFitFileWithAMissingParameter() throws {
        let path = try fitFile { doc in
            var p = doc["parameters"] as! [String: Any]
            p["beta"] = nil
            doc["parameters"] = p
        }
        try expectFailure(plan(path), contains: [path, "'beta'", "no value", "scalelab fit FILE --out"])
    }

    func testFitFileWithANegativeExponent() throws {
        let path = try fitFile(setParameter("alpha", -0.3))
        try expectFailure(plan(path), contains: [path, "alpha = -0.3", "above 0"])
    }

    func testFitFileWithAZeroExponent() throws {
        let path = try fitFile(setParameter("alpha", 0.0))
        try expectFailure(plan(path), contains: [path, "alpha = 0.0", "above 0"])
    }

    func testFitFileWithAZeroScale() throws {
        let path = try fitFile(setParameter("A", 0.0))
        try expectFailure(plan(path), contains: [path, "A = 0.0", "above 0"])
    }

    func testFitFileWithAHugeScale() throws {
        let path = try fitFile(setParameter("A", 1e308))
        try expectFailure(plan(path), contains: [path, "not a finite number"])
    }

    func testFitFileWithNaNParameter() throws {
        let path = try fitFile(setParameter("E", "nan"))
        try expectFailure(plan(path), contains: [path, "E = nan", "not a finite number"])
    }

    func testFitFileWithAnUnknownLaw() throws {
        let path = try fitFile { $0["law"] = "chinchila" }
        try expectFailure(plan(path), contains: [path, "unknown law 'chinchila'", "chinchilla"])
    }

    func testFitFileWithARepeatedParameterName() throws {
        let path = try fitFile { $0["parameterOrder"] = ["E", "A", "B", "alpha", "alpha"] }
        try expectFailure(plan(path), contains: [path, "'alpha' twice"])
    }

    func testFitFileWithABadBootstrapLevel() throws {
        for level in [7.0, 0.0, 1.0, -0.5] {
            let path = try fitFile(setBootstrap("level", level))
            try expectFailure(plan(path), contains: [path, "bootstrap level", "between 0 and 1"])
        }
    }

    func testFitFileWithBadRefits() throws {
        let short = try fitFile(setBootstrap("parameters", [[1.69, 406.4, 410.7, 0.34]]))
        try expectFailure(plan(short), contains: [short, "refit 1 has 4 values", "has 5"])
        let infinite = try fitFile(setBootstrap("parameters", [[1.69, 406.4, 410.7, 0.34, 0.28], [1.69, "inf", 410.7, 0.34, 0.28]]))
        try expectFailure(plan(infinite), contains: [infinite, "refit 2", "A = inf"])
    }

    /// Found by FitFileFuzzTests (seed 1): a refit with α = 1e30 trapped the inference-aware
    /// planner (its search interval [1e-12, 100/α] was empty).
    func testFitFileWithARefitOutOfRange() throws {
        let huge = try fitFile(setBootstrap("parameters", [[1.69, 406.4, 410.7, 0.34, 0.28], [1.69, 406.4, 410.7, 1e30, 0.28]]))
        try expectFailure(plan(huge) + ["--inference-tokens", "1e13"], contains: [huge, "refit 2", "alpha = 1e+30", "outside its valid range"])
        let negative = try fitFile(setBootstrap("parameters", [[1.69, 406.4, 410.7, -0.3, 0.28]]))
        try expectFailure(plan(negative), contains: [negative, "refit 1", "alpha = -0.3", "above 0"])
    }

    // MARK: flops and ladder plan

    func testFlopsRefusesAShapeWhoseCountsOverflow() throws {
        try expectFailure(["flops", "--layers", "1000000000", "--d-model", "1000000", "--heads", "8"],
                          contains: ["parameters", "limit", "2^53", "fewer layers"])
        try expectFailure(["flops", "--layers", "2", "--d-model", "4611686018427387904", "--heads", "1"],
                          contains: ["limit", "2^53"])
        try expectFailure(["flops", "--layers", "2", "--d-model", "64", "--heads", "4", "--head-size", "4611686018427387904"],
                          contains: ["limit", "2^53"])
    }

    func testFlopsStillCountsABigShape() throws {
        let r = try CLIRunner.run(["flops", "--layers", "1000000000", "--d-model", "64", "--heads", "8", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
    }

    func testLadderPlanRefusesABudgetTooLarge() throws {
        try expectFailure(["ladder", "plan", "--budgets", "1e30", "--dry-run"], contains: ["1e+30", "tokens per run", "2^53", "--budgets"])
        try expectFailure(["ladder", "plan", "--kind", "fixed-size", "--size", "1e6", "--range", "1e20,1e25", "--dry-run"],
                          contains: ["--range", "2^53"])
        try expectFailure(["ladder", "plan", "--kind", "fixed-data", "--tokens", "1e30", "--range", "1e6,1e7", "--dry-run"],
                          contains: ["--tokens", "2^53"])
    }

    /// A spread or range so wide that the log-spaced sizes underflow to 0 or overflow to inf
    /// trapped in the shape rule's precondition.
    func testLadderPlanRefusesSpreadsThatOverflow() throws {
        for (spread, shown) in [("400", "400"), ("1e308", "1e+308")] {
            try expectFailure(["ladder", "plan", "--budgets", "1e13", "--spread", spread, "--dry-run"],
                              contains: ["--spread", "at most 5", shown])
        }
        try expectFailure(["ladder", "plan", "--kind", "fixed-data", "--tokens", "1e6", "--range", "1e-300,1e300", "--dry-run"],
                          contains: ["--range", "1e-300", "1e+300", "too wide"])
    }

    /// A context of 1e11 overflowed the activation count (layers × heads × T²) and trapped.
    func testContextAboveTheLimitIsRefused() throws {
        try expectFailure(["ladder", "plan", "--budgets", "1e13", "--context", "100000000000", "--dry-run"],
                          contains: ["--context", "at most 65536", "100000000000"])
        try expectFailure(["train", "--layers", "2", "--d-model", "64", "--heads", "4", "--context", "100000000000",
                           "--tokens", "1000", "--data", "/nonexistent-corpus"],
                          contains: ["--context", "at most 65536"])
    }

    /// `train` counted a billion layers' parameters in Int and trapped.
    func testTrainRefusesAShapeWhoseCountsOverflow() throws {
        for arch in ["transformer", "lstm"] {
            try expectFailure(["train", "--arch", arch, "--layers", "1000000000", "--d-model", "1000000", "--heads", "8",
                               "--data", "/nonexistent-corpus"], contains: ["limit", "2^53"])
        }
    }

    /// A batch of Int.max sequences hung (past 60 s); now it and a micro-batch too large to hold
    /// are refused before anything is read, with the limit.
    func testTrainRefusesAnAbsurdBatch() throws {
        try expectFailure(["train", "--batch", "9223372036854775807", "--data", "/nonexistent-corpus"],
                          contains: ["--batch", "at most 1048576"])
        try expectFailure(["train", "--batch", "65536", "--micro-batch", "65536", "--context", "64", "--data", "/nonexistent-corpus"],
                          contains: ["--micro-batch", "1048576"])
    }

    func testLadderPlanCapsSizesPerBudget() throws {
        let start = Date()
        try expectFailure(["ladder", "plan", "--budgets", "1e13", "--sizes-per-budget", "100000", "--dry-run"],
                          contains: ["--sizes-per-budget", "at most 1000", "100000"])
        XCTAssertLessThan(Date().timeIntervalSince(start), 10)
        let ok = try CLIRunner.run(["ladder", "plan", "--budgets", "1e13", "--sizes-per-budget", "1000", "--dry-run",
                                    "--throughput", "1e9", "--json"])
        XCTAssertEqual(ok.status, 0, ok.stderr)
        XCTAssertLessThan(Date().timeIntervalSince(start), 20, "1000 sizes must plan in seconds")
    }

    // MARK: import

    /// C = 6ND overflows: refused at the door, and the store keeps what it had.
    func testImportRefusesOverflowingCompute() throws {
        let store = dir.appendingPathComponent("lab.sqlite").path
        let good = try file("good.csv", "params,tokens,loss\n1e6,2e7,3.5\n2e6,4e7,3.25\n")
        XCTAssertEqual(try CLIRunner.run(["import", good, "--store", store]).status, 0)
        let before = try CLIRunner.run(["export", "--store", store, "--format", "csv"])
        XCTAssertEqual(before.status, 0, before.stderr)
        let bad = try file("bad.csv", "params,tokens,loss\n1e6,2e7,3.5\n1e200,2e200,3.0\n")
        try expectFailure(["import", bad, "--store", store], contains: ["bad.csv, line 3", "C (FLOPs)", "6ND", "add a C column"])
        let after = try CLIRunner.run(["export", "--store", store, "--format", "csv"])
        XCTAssertEqual(after.stdout, before.stdout, "nothing imported")
        XCTAssertFalse(after.stdout.contains("inf"))
        let report = try CLIRunner.run(["report", "--store", store, "--out", dir.appendingPathComponent("r").path])
        XCTAssertFalse(Self.trapped(report), report.stderr)
    }

    /// A huge cell: refused fast, and stderr holds a short message, not the cell.
    func testImportOfAHugeCellIsShortAndFast() throws {
        let store = dir.appendingPathComponent("lab.sqlite").path
        let bad = try file("huge.csv", "params,tokens,loss\n1e6,2e7,3.5\n1e6," + String(repeating: "7", count: 10_000_000) + ",3\n")
        let start = Date()
        let r = try expectFailure(["import", bad, "--store", store], contains: ["huge.csv, line 3", "10000000 bytes", "not a number"])
        XCTAssertLessThan(Date().timeIntervalSince(start), 5)
        XCTAssertLessThan(r.stderr.utf8.count, 1000)
    }
}
