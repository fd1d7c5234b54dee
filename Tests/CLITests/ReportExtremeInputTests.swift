import Foundation
import XCTest

/// `scalelab report` on finite but extreme numbers gives a page or a clear error, never a trap.
final class ReportExtremeInputTests: XCTestCase {
    private var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("scalelab-extreme-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    /// 3 budgets × 6 sizes of Hoffmann et al.'s law, with row `i`'s columns changed by `edit`.
    private func csv(_ name: String, edit: (Int, inout [Double]) -> Void = { _, _ in }) throws -> String {
        var text = "params,tokens,flops,loss\n"
        var i = 0
        for C in [1e18, 1e19, 1e20] {
            for k in 0..<6 {
                let N = 2e7 * pow(10, Double(k) * 0.4) * pow(C / 1e18, 0.5)
                let D = C / (6 * N)
                var row = [N, D, C, (1.69 + 406.4 / pow(N, 0.34) + 410.7 / pow(D, 0.28)) * (1 + 0.01 * sin(Double(i)))]
                edit(i, &row)
                text += row.map { "\($0)" }.joined(separator: ",") + "\n"
                i += 1
            }
        }
        let url = dir.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    func testExtremeFiniteNumbersNeverTrap() throws {
        let grid = ReportCommandTests.grid
        let cases: [(String, [String])] = [
            (try csv("loss-1e15.csv") { i, r in if i == 0 { r[3] = 1e15 } }, []),
            (try csv("loss-1e300.csv") { i, r in if i == 2 { r[3] = 1e300 } }, []),
            (try csv("all-loss-1e300.csv") { _, r in r[3] = 1e300 }, []),
            (try csv("flops-1e300.csv") { i, r in if i == 4 { r[2] = 1e300 } }, []),
            (try csv("loss-subnormal.csv") { i, r in if i == 1 { r[3] = Double.leastNonzeroMagnitude } }, []),
            (try csv("plain.csv"), ["--budget", "1e300"]),
        ]
        for (file, extra) in cases {
            let out = dir.appendingPathComponent(URL(fileURLWithPath: file).lastPathComponent + ".html").path
            let r = try CLIRunner.run(["report", file, "--no-compare", "--bootstrap", "0", "--threads", "1", "--out", out] + grid + extra)
            XCTAssertTrue(r.status == 0 || r.status == 1, "\(file) \(extra): exit \(r.status) (a trap is 132/133): \(r.stderr)")
            XCTAssertEqual(r.stdout, "", "\(file): stdout stays clean")
            if r.status == 0 {
                XCTAssertTrue(try String(contentsOfFile: out, encoding: .utf8).hasPrefix("<!DOCTYPE html>"), file)
            } else {
                XCTAssertTrue(r.stderr.hasPrefix("Error: "), "\(file): \(r.stderr)")
                XCTAssertFalse(r.stderr.contains("Fatal error"), "\(file): \(r.stderr)")
            }
        }
    }
}

/// The long steps of `scalelab report` say what they do on stderr; stdout stays empty.
final class ReportProgressTests: XCTestCase {
    func testReportPrintsAProgressLinePerLongStep() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scalelab-progress-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var text = "params,tokens,flops,loss\n"
        for C in [1e18, 1e19, 1e20] {
            for k in 0..<6 {
                let N = 2e7 * pow(10, Double(k) * 0.4) * pow(C / 1e18, 0.5)
                let D = C / (6 * N)
                text += "\(N),\(D),\(C),\(1.69 + 406.4 / pow(N, 0.34) + 410.7 / pow(D, 0.28))\n"
            }
        }
        let csv = dir.appendingPathComponent("ladder.csv").path
        try text.write(toFile: csv, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("r.html").path
        let r = try CLIRunner.run(["report", csv, "--out", out, "--bootstrap", "3", "--holdout-largest", "3", "--threads", "1",
                                   "--law", "chinchilla"] + ReportCommandTests.grid)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "")
        let lines = r.stderr.split(separator: "\n").map(String.init)
        for expected in ["report: fitting chinchilla to 18 points...", "report: fitting chinchilla (3 bootstrap resamples)...",
                         "report: back-testing chinchilla without the 3 largest-compute points...",
                         "report: drawing the figures and writing \(out)..."] {
            XCTAssertTrue(lines.contains(expected), "no line '\(expected)' in:\n\(r.stderr)")
        }
        XCTAssertTrue(lines.contains { $0.hasPrefix("report: comparing laws: fitting and back-testing ") && $0.hasSuffix(" (1 of \(lines.filter { $0.contains("comparing laws") }.count))...") },
                      r.stderr)
        XCTAssertEqual(lines.last, "report: wrote \(out) (6 figures, 18 runs)")
    }
}
