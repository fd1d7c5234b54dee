import Foundation
import XCTest

/// `scalelab ladder suggest` on a store of imported runs: the forecast with its interval, the
/// ranked candidates, JSON; bad input refused with what to fix.
final class LadderSuggestCommandTests: XCTestCase {
    var dir: URL!
    var store: String { dir.appendingPathComponent("lab.sqlite").path }

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("suggest-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        // An IsoFLOP ladder of 4 budgets × 5 sizes from a known Chinchilla law, ±1% noise.
        var csv = "N,D,loss\n", i = 0
        for C in [1e11, 3e11, 1e12, 3e12] {
            for e in [-0.5, -0.25, 0, 0.25, 0.5] {
                let N = 3e3 * pow(C / 6e9, 0.47) * pow(10, e), D = C / (6 * N)
                let L = (1.2 + 40 / pow(N, 0.34) + 120 / pow(D, 0.30)) * (1 + 0.01 * sin(Double(i) * 2.1))
                csv += "\(N),\(D),\(L)\n"
                i += 1
            }
        }
        let file = dir.appendingPathComponent("runs.csv").path
        try csv.write(toFile: file, atomically: true, encoding: .utf8)
        let imported = try CLIRunner.run(["import", file, "--store", store])
        XCTAssertEqual(imported.status, 0, imported.stderr)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func testSuggestsRankedRunsWithTheirExpectedShrinkage() throws {
        let r = try CLIRunner.run(["ladder", "suggest", "--store", store, "--budget", "1e14", "--bootstrap", "40", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let s = try XCTUnwrap(try r.json() as? [String: Any])
        XCTAssertEqual(s["budget"] as? Double, 1e14)
        XCTAssertEqual(s["runs"] as? Int, 20)
        let interval = try XCTUnwrap(s["interval"] as? [Double])
        let forecast = try XCTUnwrap(s["forecast"] as? Double)
        XCTAssertTrue(interval[0] <= forecast && forecast <= interval[1], "\(interval) \(forecast)")
        let candidates = try XCTUnwrap(s["candidates"] as? [[String: Any]])
        XCTAssertFalse(candidates.isEmpty)
        let perFLOP = candidates.compactMap { $0["shrinkagePerPetaFLOP"] as? Double }
        XCTAssertEqual(perFLOP, perFLOP.sorted(by: >))
        XCTAssertTrue(candidates.allSatisfy { (($0["shrinkage"] as? Double) ?? -1) >= 0 })

        let text = try CLIRunner.run(["ladder", "suggest", "--store", store, "--budget", "1e14", "--bootstrap", "40", "--top", "3"])
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertTrue(text.stdout.contains("Forecast at 1e+14 FLOPs"), text.stdout)
        XCTAssertTrue(text.stdout.contains("Most shrinkage whatever it costs"), text.stdout)
    }

    func testBadInputIsRefusedWithWhatToFix() throws {
        for (args, says) in [(["--budget", "-5"], "--budget must be a positive"), (["--budget", "1e14", "--bootstrap", "5"], "--bootstrap must be from 20"),
                             (["--budget", "1e14", "--level", "2"], "--level must be between 0 and 1"),
                             (["--budget", "1e14", "--sweep", "99"], "at least 6 finished runs")] {
            let r = try CLIRunner.run(["ladder", "suggest", "--store", store] + args)
            XCTAssertNotEqual(r.status, 0, "\(args)")
            XCTAssertTrue(r.stderr.contains(says), "\(args): \(r.stderr)")
            XCTAssertFalse(r.stderr.contains("Fatal error"), r.stderr)
        }
        let missing = try CLIRunner.run(["ladder", "suggest", "--store", dir.appendingPathComponent("none.sqlite").path, "--budget", "1e14"])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertFalse(missing.stderr.contains("Fatal error"), missing.stderr)
    }
}
