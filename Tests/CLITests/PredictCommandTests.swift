import Foundation
import XCTest

/// `scalelab predict` run as a user runs it: known answers from a law fitted to noise-free data,
/// scoring and coverage, extrapolation flags, old fit files, and one test per kind of bad input.
/// Also `fit --law chinchilla-tied` and `plan --fit` with it.
final class PredictCommandTests: XCTestCase {
    private func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scalelab-predict-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir
    }

    /// Hoffmann's rounded constants, the law the runs below are generated from.
    static func hoffmann(_ N: Double, _ D: Double) -> Double { 1.69 + 406.4 / pow(N, 0.34) + 410.7 / pow(D, 0.28) }

    /// A fit of Chinchilla to 12 noise-free runs (N from 1e7 to 3.2e8, D from 2e8 to 6.3e9), with
    /// 10 bootstrap refits, written to a fit file; one start per parameter keeps it fast.
    private func fitFile(in dir: URL, law: String = "chinchilla", bootstrap: Int = 10) throws -> String {
        var text = "params,tokens,loss\n"
        for i in 0..<12 {
            let N = 1e7 * pow(10, Double(i % 4) * 0.5), D = 2e8 * pow(10, Double(i / 4) * 0.5)
            text += "\(N),\(D),\(Self.hoffmann(N, D))\n"
        }
        let csv = dir.appendingPathComponent("runs.csv").path
        try text.write(toFile: csv, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("\(law).fit.json").path
        var grid = ["--grid", "log_E=0.5", "--grid", "log_A=5", "--grid", "log_B=5", "--grid", "alpha=0.5"]
        if law == "chinchilla" { grid += ["--grid", "beta=0.5"] }
        let r = try CLIRunner.run(["fit", csv, "--law", law, "--bootstrap", "\(bootstrap)", "--out", out] + grid)
        XCTAssertEqual(r.status, 0, r.stderr)
        return out
    }

    private func expectFailure(_ args: [String], contains parts: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try CLIRunner.run(args)
        XCTAssertNotEqual(r.status, 0, "should fail: \(args)", file: file, line: line)
        XCTAssertEqual(r.stdout, "", "nothing on stdout when failing", file: file, line: line)
        for part in parts { XCTAssertTrue(r.stderr.contains(part), "stderr lacks '\(part)': \(r.stderr)", file: file, line: line) }
    }

    /// On noise-free data the fit is the generating law: its prediction at a held-out point is
    /// Hoffmann's loss there; a point inside the range is not flagged, one beyond it is.
    func testPredictsTheGeneratingLawAndFlagsExtrapolation() throws {
        let dir = try temporaryDirectory()
        let fit = try fitFile(in: dir)
        let r = try CLIRunner.run(["predict", "--fit", fit, "--params", "5e7", "7e10", "--tokens", "1e9", "1.4e12",
                                   "--loss", String(Self.hoffmann(5e7, 1e9)), "2.5", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let doc = try XCTUnwrap(try r.json() as? [String: Any])
        XCTAssertEqual(doc["law"] as? String, "chinchilla")
        XCTAssertEqual(doc["refits"] as? Int, 10)
        XCTAssertEqual(doc["level"] as? Double, 0.9, "the fit's level by default")
        XCTAssertTrue((doc["intervalKind"] as? String ?? "").contains("bootstrap"))
        let points = try XCTUnwrap(doc["points"] as? [[String: Any]])
        XCTAssertEqual(points.count, 2)
        let inside = points[0], far = points[1]
        XCTAssertEqual(inside["predicted"] as? Double ?? 0, Self.hoffmann(5e7, 1e9), accuracy: 1e-4)
        XCTAssertEqual(far["predicted"] as? Double ?? 0, Self.hoffmann(7e10, 1.4e12), accuracy: 1e-3)
        XCTAssertEqual(inside["relativeError"] as? Double ?? 1, 0, accuracy: 1e-4)
        XCTAssertEqual(far["relativeError"] as? Double ?? 0, (Self.hoffmann(7e10, 1.4e12) - 2.5) / 2.5, accuracy: 1e-3)
        XCTAssertEqual(far["covered"] as? Bool, false)
        XCTAssertEqual(inside["extrapolated"] as? [String], [])
        let flags = try XCTUnwrap(far["extrapolated"] as? [String])
        XCTAssertEqual(flags.count, 3, "N, D and the compute 6ND: \(flags)")
        XCTAssertTrue(flags[0].hasPrefix("N above the fitted range"), "\(flags)")
        XCTAssertTrue(flags[2].hasPrefix("C above the fitted range"), "\(flags)")
        let interval = try XCTUnwrap(inside["noiseInterval"] as? [Double])
        XCTAssertLessThanOrEqual(interval[0], interval[1])
        // The fit's rolling back-tests (three steps over the six budgets of 6ND) give a form
        // interval: the noise interval inside the budgets, at least as wide beyond them.
        XCTAssertEqual(doc["resampling"] as? String, "residuals")
        XCTAssertEqual(inside["formInterval"] as? [Double], interval)
        let farNoise = try XCTUnwrap(far["noiseInterval"] as? [Double]), farForm = try XCTUnwrap(far["formInterval"] as? [Double])
        XCTAssertTrue(farForm[0] <= farNoise[0] && farNoise[1] <= farForm[1], "\(farForm) holds \(farNoise)")
        XCTAssertNotNil(far["formCovered"] as? Bool)
        let summary = try XCTUnwrap(doc["summary"] as? [String: Any])
        XCTAssertEqual(summary["scored"] as? Int, 2)
        XCTAssertEqual(summary["withInterval"] as? Int, 2)

        // Text: the table, the summary and what the interval is.
        let text = try CLIRunner.run(["predict", "--fit", fit, "--params", "5e7", "--tokens", "1e9", "--level", "0.5"])
        XCTAssertEqual(text.status, 0, text.stderr)
        for part in ["50% noise interval", "predicted", "Intervals: noise interval: the bootstrap percentile interval", "not the error of the law's form",
                     "residual resampling", "50% form interval", "Form: form interval: the bootstrap interval widened"] {
            XCTAssertTrue(text.stdout.contains(part), "stdout lacks '\(part)': \(text.stdout)")
        }
    }

    /// `--points FILE` with and without a loss per row; an old fit file without a data range
    /// still reads, and says extrapolation is not flagged.
    func testPointsFileAndOldFitFiles() throws {
        let dir = try temporaryDirectory()
        let fit = try fitFile(in: dir)
        let points = dir.appendingPathComponent("points.csv").path
        try "N,D,loss\n5e7,1e9,\(Self.hoffmann(5e7, 1e9))\n1e8,2e9,\n".write(toFile: points, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("prediction.json").path
        let r = try CLIRunner.run(["predict", "--fit", fit, "--points", points, "--json", "--out", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        let doc = try XCTUnwrap(try r.json() as? [String: Any])
        let rows = try XCTUnwrap(doc["points"] as? [[String: Any]])
        XCTAssertEqual(rows.map { $0["line"] as? Int }, [2, 3])
        XCTAssertNotNil(rows[0]["loss"] as? Double)
        XCTAssertNil(rows[1]["loss"] as? Double)
        XCTAssertEqual((doc["summary"] as? [String: Any])?["scored"] as? Int, 1)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out))

        // A fit file written before the data range was recorded.
        var report = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: fit))) as? [String: Any])
        var data = try XCTUnwrap(report["data"] as? [String: Any])
        data["ranges"] = nil
        report["data"] = data
        let old = dir.appendingPathComponent("old.fit.json").path
        try JSONSerialization.data(withJSONObject: report).write(to: URL(fileURLWithPath: old))
        let fromOld = try CLIRunner.run(["predict", "--fit", old, "--params", "5e7", "--tokens", "1e9"])
        XCTAssertEqual(fromOld.status, 0, fromOld.stderr)
        XCTAssertTrue(fromOld.stdout.contains("does not record the range"), fromOld.stdout)
    }

    /// Every kind of bad input fails with a message that says what to fix.
    /// A broken power law fitted on N records its variable, so `predict` evaluates it at N (not at
    /// D, the form's default) and asks for `--params`.
    func testABrokenPowerLawOnNIsPredictedAtN() throws {
        let dir = try temporaryDirectory()
        var text = "params,loss\n"
        let sizes = (0..<14).map { 1e6 * pow(10, Double($0) * 0.25) }
        for N in sizes { text += "\(N),\(2.0 + 50 * pow(N, -0.3))\n" }
        let csv = dir.appendingPathComponent("n.csv").path
        try text.write(toFile: csv, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("bnsl.fit.json").path
        let fit = try CLIRunner.run(["fit", csv, "--law", "bnsl", "--x", "N", "--bootstrap", "0", "--out", out])
        XCTAssertEqual(fit.status, 0, fit.stderr)
        let saved = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out))) as? [String: Any])
        XCTAssertEqual(saved["variable"] as? String, "N")
        let r = try CLIRunner.run(["predict", "--fit", out, "--params", "\(sizes[5])", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let points = try XCTUnwrap((try r.json() as? [String: Any])?["points"] as? [[String: Any]])
        let predicted = try XCTUnwrap(points.first?["predicted"] as? Double)
        XCTAssertEqual(predicted, 2.0 + 50 * pow(sizes[5], -0.3), accuracy: 0.01, "the law at N, inside the fitted range")
        try expectFailure(["predict", "--fit", out, "--tokens", "1e9"], contains: ["it reads N"])
    }

    func testBadInput() throws {
        let dir = try temporaryDirectory()
        let fit = try fitFile(in: dir, bootstrap: 0)
        let missing = dir.appendingPathComponent("nope.json").path
        try expectFailure(["predict", "--fit", missing, "--params", "1e8", "--tokens", "1e9"], contains: ["cannot read the fit report", missing])
        let garbage = dir.appendingPathComponent("garbage.json").path
        try "{\"law\": 3}".write(toFile: garbage, atomically: true, encoding: .utf8)
        try expectFailure(["predict", "--fit", garbage, "--params", "1e8", "--tokens", "1e9"], contains: ["cannot read the fit report"])
        try expectFailure(["predict", "--fit", fit, "--params", "1e8"], contains: ["reads D", "--tokens"])
        try expectFailure(["predict", "--fit", fit, "--params", "1e8", "--tokens", "1e9", "--compute", "6e17"], contains: ["does not read C"])
        try expectFailure(["predict", "--fit", fit, "--params", "1e8", "2e8", "--tokens", "1e9", "2e9", "3e9"], contains: ["different numbers of values"])
        try expectFailure(["predict", "--fit", fit, "--params", "-1e8", "--tokens", "1e9"], contains: ["--params"])
        try expectFailure(["predict", "--fit", fit, "--params", "nan", "--tokens", "1e9"], contains: ["--params"])
        try expectFailure(["predict", "--fit", fit], contains: ["give the points"])
        try expectFailure(["predict", "--fit", fit, "--params", "1e8", "--tokens", "1e9", "--level", "1.5"], contains: ["--level"])
        let points = dir.appendingPathComponent("points.csv").path
        try "N,loss\n1e8,3.1\n".write(toFile: points, atomically: true, encoding: .utf8)
        try expectFailure(["predict", "--fit", fit, "--points", points], contains: [points, "no column for"])
        try "N,D\n1e8,abc\n".write(toFile: points, atomically: true, encoding: .utf8)
        try expectFailure(["predict", "--fit", fit, "--points", points], contains: ["line 2", "not a number"])
        // Without refits: predictions, no intervals, and a note saying how to get them.
        let r = try CLIRunner.run(["predict", "--fit", fit, "--params", "1e8", "--tokens", "1e9"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("no bootstrap refits"), r.stdout)
    }

    /// `fit --law chinchilla-tied` prints the (C, M) form and `plan --fit` plans with it: with
    /// α = β the compute-optimal tokens per parameter is (B/A)^(1/α) at every budget.
    func testTiedLawFitAndPlan() throws {
        let dir = try temporaryDirectory()
        let fit = try fitFile(in: dir, law: "chinchilla-tied")
        let doc = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: fit))) as? [String: Any])
        XCTAssertEqual(doc["law"] as? String, "chinchilla-tied")
        let p = try XCTUnwrap(doc["parameters"] as? [String: Double])
        XCTAssertEqual(Set(p.keys), ["E", "A", "B", "alpha"])
        let form = try XCTUnwrap(doc["overtrainingForm"] as? [String: Any])
        let cm = try XCTUnwrap(form["parameters"] as? [String: Double])
        XCTAssertEqual(cm["eta"] ?? 0, p["alpha"]! / 2, accuracy: 1e-12)
        XCTAssertEqual(cm["a"] ?? 0, p["A"]! * pow(6, p["alpha"]! / 2), accuracy: 1e-9 * cm["a"]!)
        XCTAssertNotNil(form["intervals"] as? [String: [Double]])
        for C in ["1e20", "1e24"] {
            let plan = try CLIRunner.run(["plan", "--fit", fit, "--compute", C, "--json"])
            XCTAssertEqual(plan.status, 0, plan.stderr)
            let optimal = try XCTUnwrap((try plan.json() as? [String: Any])?["computeOptimal"] as? [String: Any])
            let M = pow(p["B"]! / p["A"]!, 1 / p["alpha"]!)
            XCTAssertEqual(optimal["tokensPerParameter"] as? Double ?? 0, M, accuracy: 1e-6 * M)
        }
        let text = try CLIRunner.run(["fit", dir.appendingPathComponent("runs.csv").path, "--law", "chinchilla-tied", "--bootstrap", "0",
                                      "--grid", "log_E=0.5", "--grid", "log_A=5", "--grid", "log_B=5", "--grid", "alpha=0.5"])
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertTrue(text.stdout.contains("In compute and tokens per parameter (Gadre et al. 2024)"), text.stdout)
        XCTAssertTrue(text.stdout.contains("eta"), text.stdout)
    }
}
