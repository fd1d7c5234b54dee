import Foundation
import XCTest

/// `scalelab report --store DB`: a store's runs in the report, a later sweep held out of the back-test.
final class StoreReportTests: XCTestCase {
    private var dir: URL!
    private var store: String { dir.appendingPathComponent("lab.sqlite").path }

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("scalelab-store-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    /// Imports rows of Hoffmann et al.'s rounded law (1% deterministic noise) as one sweep; returns its id.
    private func importSweep(_ name: String, _ rows: [(N: Double, C: Double)]) throws -> Int {
        var text = "params,tokens,flops,loss\n"
        for (i, r) in rows.enumerated() {
            let D = r.C / (6 * r.N)
            let L = (1.69 + 406.4 / pow(r.N, 0.34) + 410.7 / pow(D, 0.28)) * (1 + 0.01 * sin(Double(i)))
            text += "\(r.N),\(D),\(r.C),\(L)\n"
        }
        let csv = dir.appendingPathComponent("\(name).csv")
        try text.write(to: csv, atomically: true, encoding: .utf8)
        let r = try CLIRunner.run(["import", csv.path, "--store", store, "--name", name, "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        return try XCTUnwrap((try r.json() as? [String: Any])?["sweepID"] as? Int)
    }

    /// A 3-budget × 6-size ladder and one forecast run at 10× the largest budget.
    private func ladderAndForecast() throws -> (ladder: Int, forecast: Int) {
        var ladder: [(N: Double, C: Double)] = []
        for C in [1e18, 1e19, 1e20] {
            for k in 0..<6 { ladder.append((2e7 * pow(10, Double(k) * 0.4) * pow(C / 1e18, 0.5), C)) }
        }
        return (try importSweep("ladder", ladder), try importSweep("forecast", [(1.2e10, 1e21)]))
    }

    func testReportFromStoreHoldsOutTheForecastSweep() throws {
        let (ladder, forecast) = try ladderAndForecast()
        let out = dir.appendingPathComponent("report.html").path
        let r = try CLIRunner.run(["report", "--store", store, "--held-out-sweep", "\(forecast)", "--out", out,
                                   "--bootstrap", "4", "--no-compare", "--threads", "1", "--date", "2025-01-01",
                                   "--machine", "pinned machine"] + ReportCommandTests.grid)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("(6 figures, 19 runs)"), r.stderr)
        let html = try String(contentsOfFile: out, encoding: .utf8)
        XCTAssertTrue(html.hasPrefix("<!DOCTYPE html>"))
        XCTAssertTrue(html.hasSuffix("</html>\n"), String(html.suffix(40)))
        XCTAssertEqual(html.components(separatedBy: "<svg ").count - 1, 6, "loss-compute, isoflop, allocation-parameters, allocation-tokens, residuals, backtest")
        XCTAssertEqual(html.components(separatedBy: "<svg ").count, html.components(separatedBy: "</svg>").count)
        XCTAssertFalse(html.contains("<script"))
        for expected in ["Scaling laws for lab.sqlite", "run 19 (held out)", "held out in back-test", "held out (the 1 largest)",
                         "approach 2: IsoFLOP", "Not drawn — Learning curves"] {
            XCTAssertTrue(html.contains(expected), "page lacks '\(expected)'")
        }

        // Only the ladder: 18 runs, the default back-test (a tenth: 1 run).
        let only = try CLIRunner.run(["report", "--store", store, "--sweep", "\(ladder)", "--out", out, "--bootstrap", "0",
                                      "--no-compare", "--threads", "1"] + ReportCommandTests.grid)
        XCTAssertEqual(only.status, 0, only.stderr)
        XCTAssertTrue(only.stderr.contains("18 runs"), only.stderr)
        XCTAssertFalse(try String(contentsOfFile: out, encoding: .utf8).contains("(held out)"))
    }

    func testBadStoreInvocations() throws {
        let (ladder, _) = try ladderAndForecast()
        for (args, message) in [
            (["report", "--store", store, "--held-out-sweep", "\(ladder)", "--bootstrap", "0", "--no-compare"] + ReportCommandTests.grid,
             "are not the 18 largest by compute"),
            (["report", dir.appendingPathComponent("ladder.csv").path, "--store", store], "exactly one of them"),
            (["report", dir.appendingPathComponent("ladder.csv").path, "--held-out-sweep", "2"], "need --store"),
            (["report", "--store", dir.appendingPathComponent("missing.sqlite").path], "missing.sqlite"),
        ] {
            let r = try CLIRunner.run(args + ["--out", dir.appendingPathComponent("x.html").path])
            XCTAssertNotEqual(r.status, 0, "\(args)")
            XCTAssertTrue(r.stderr.contains(message), "\(args): \(r.stderr)")
        }
    }

    /// `fit --store` on imported runs (no planned budgets): approach 2 groups them by their FLOPs,
    /// and both laws are back-tested on the largest budget, with the weights that make them exact there.
    func testFitStoreBacktestsImportedLadder() throws {
        _ = try ladderAndForecast()
        let r = try CLIRunner.run(["fit", "--store", store, "--law", "chinchilla", "--bootstrap", "20", "--threads", "1", "--json"]
                                  + ReportCommandTests.grid)
        XCTAssertEqual(r.status, 0, r.stderr)
        let doc = try XCTUnwrap(try r.json() as? [String: Any])
        let approaches = try XCTUnwrap(doc["approaches"] as? [String: Any])
        let a2 = try XCTUnwrap((approaches["approach2"] as? [String: Any])?["a"] as? Double, "approach 2 on imported runs")
        XCTAssertEqual(a2, 0.5, accuracy: 0.1, "the ladder's sizes were centred on N ∝ C^0.5")
        XCTAssertNotNil(approaches["frontier"])
        let backtest = try XCTUnwrap(doc["backtest"] as? [String: Any])
        XCTAssertEqual(backtest["budget"] as? Double, 1e21, "the forecast run is the largest budget here")
        XCTAssertEqual(backtest["runs"] as? Int, 1)
        let best = try XCTUnwrap(backtest["approach3BestRun"] as? [String: Any])
        XCTAssertLessThan(abs(try XCTUnwrap(best["relativeError"] as? Double)), 0.05, "approach 3 is the law that made the data")
        XCTAssertNotNil(backtest["frontierBestRunError"] as? Double)
        let text = try CLIRunner.run(["fit", "--store", store, "--law", "chinchilla", "--bootstrap", "0", "--threads", "1"]
                                     + ReportCommandTests.grid)
        XCTAssertEqual(text.status, 0, text.stderr)
        for line in ["Back-test: fitted on the lower budgets, the law predicts the 1 run at C = 1.000e+21",
                     "Back-test of the compute frontier", "Weights that make the two exact on this back-test",
                     // Every budget is said, the held-out run's single size too, and a under each vertex method.
                     "IsoFLOP budgets (approach 2, minimum by parabola):", "budget 1.0e21 FLOPs: 1 size, fewer than 4: not used",
                     "a by vertex method: parabola "] {
            XCTAssertTrue(text.stdout.contains(line), "no '\(line)' in: \(text.stdout)")
        }
    }
}
