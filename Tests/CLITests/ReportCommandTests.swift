import Foundation
import XCTest

/// `scalelab report` and `scalelab plot` run as a user runs them.
final class ReportCommandTests: XCTestCase {
    /// One start per parameter keeps the debug-built fits fast.
    static let grid = ["--grid", "log_E=0.5", "--grid", "log_A=6", "--grid", "log_B=6", "--grid", "alpha=0.3", "--grid", "beta=0.3"]

    private var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("scalelab-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    /// 3 budgets × 6 sizes from Hoffmann et al.'s rounded law, with 1% deterministic noise.
    private func ladderCSV() throws -> String {
        var text = "params,tokens,flops,loss\n"
        var i = 0
        for C in [1e18, 1e19, 1e20] {
            for k in 0..<6 {
                let N = 2e7 * pow(10, Double(k) * 0.4) * pow(C / 1e18, 0.5)
                let D = C / (6 * N)
                let L = (1.69 + 406.4 / pow(N, 0.34) + 410.7 / pow(D, 0.28)) * (1 + 0.01 * sin(Double(i)))
                text += "\(N),\(D),\(C),\(L)\n"
                i += 1
            }
        }
        let url = dir.appendingPathComponent("ladder.csv")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    func testReportWritesOneSelfContainedPage() throws {
        let csv = try ladderCSV()
        let out = dir.appendingPathComponent("report.html").path
        let saved = dir.appendingPathComponent("input.json").path
        let r = try CLIRunner.run(["report", csv, "--out", out, "--budget", "1e22", "--bootstrap", "4", "--seed", "3",
                                   "--no-compare", "--holdout-largest", "3", "--threads", "1", "--save-input", saved,
                                   "--date", "2025-01-01", "--machine", "pinned machine"] + Self.grid)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "", "the page goes to --out, not stdout")
        XCTAssertTrue(r.stderr.contains("6 figures"), r.stderr)
        let html = try String(contentsOfFile: out, encoding: .utf8)
        XCTAssertTrue(html.hasPrefix("<!DOCTYPE html>"))
        XCTAssertEqual(html.components(separatedBy: "<svg ").count - 1, 6, "loss-compute, isoflop, allocation-parameters, allocation-tokens, residuals, backtest")
        XCTAssertFalse(html.contains("<script"))
        for expected in ["pinned machine", "2025-01-01", "Budget C = 1e22 FLOPs", "Hoffmann 2022", "approach 2: IsoFLOP",
                         "4 resamples (residual resampling), seed 3", "Not drawn — Learning curves"] {
            XCTAssertTrue(html.contains(expected), "page lacks '\(expected)'")
        }

        // The saved input draws any single figure without refitting, the same as in the page.
        let svg = dir.appendingPathComponent("isoflop.svg").path
        let p = try CLIRunner.run(["plot", "isoflop", "--input", saved, "--out", svg])
        XCTAssertEqual(p.status, 0, p.stderr)
        let figure = try String(contentsOfFile: svg, encoding: .utf8)
        XCTAssertTrue(figure.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        XCTAssertTrue(html.contains(figure), "the standalone figure is the one inlined in the page")
    }

    func testPlotFromMeasurements() throws {
        let csv = try ladderCSV()
        let svg = dir.appendingPathComponent("loss.svg").path
        let r = try CLIRunner.run(["plot", "loss-compute", csv, "--out", svg, "--bootstrap", "0", "--no-compare", "--threads", "1"] + Self.grid)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(try String(contentsOfFile: svg, encoding: .utf8).contains("<title id=\"loss-compute-title\">Loss against compute</title>"))
    }

    func testPlotSaysWhyAFigureIsMissing() throws {
        let csv = try ladderCSV()
        let r = try CLIRunner.run(["plot", "learning-curves", csv, "--out", dir.appendingPathComponent("x.svg").path,
                                   "--bootstrap", "0", "--no-compare", "--threads", "1"] + Self.grid)
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("no run has a learning curve"), r.stderr)
    }

    func testBadInvocations() throws {
        let csv = try ladderCSV()
        for (args, message) in [
            (["report", "--out", "x.html"], "give a measurements FILE or --input"),
            (["report", csv, "--law", "nope"], "unknown law 'nope'"),
            (["report", csv, "--bootstrap", "-1"], "--bootstrap must be 0 or more"),
            (["plot", "pie", csv, "--out", "x.svg"], "pie"),
            (["report", dir.appendingPathComponent("missing.csv").path], "missing.csv"),
        ] {
            let r = try CLIRunner.run(args)
            XCTAssertNotEqual(r.status, 0, "\(args)")
            XCTAssertTrue(r.stderr.contains(message), "\(args): \(r.stderr)")
        }
    }
}
