import Foundation
@testable import Lab
import XCTest

/// `scalelab export --format store` and `scalelab import DUMP` as a user runs them: a ladder
/// store, part trained, moves SQLite → PostgreSQL → SQLite byte for byte; a non-empty
/// destination and a malformed dump are refused with nothing changed.
extension LadderCommandTests {
    func testAStoreDumpMovesBetweenBackendsThroughTheCommandLine() throws {
        let url = try postgresStoreURL()
        _ = try ok(["ladder", "plan", "--budgets", "1e10,1e11", "--sizes-per-budget", "3", "--context", "16",
                    "--throughput", "1e9", "--store", store, "--json"])
        // Runs 1–4 train (simulated), 5 and 6 fail; a second plan stays queued.
        let command = "test {run_id} -le 4 && \(TrainCommandTemplate.shellQuoted(scalelab)) simulate-run --params {params} "
            + "--tokens {tokens} --seed {run_id} --seconds 0.01 --out {result}"
        _ = try CLIRunner.run(["ladder", "run", "--store", store, "--workers", "2", "--max-attempts", "1",
                               "--run-dir", dir.appendingPathComponent("runs").path, "--train-command", command, "--json"])
        _ = try ok(["ladder", "plan", "--budgets", "1e12", "--sizes-per-budget", "2", "--context", "16",
                    "--throughput", "1e9", "--store", store, "--json"])
        let first = dir.appendingPathComponent("a.dump").path
        _ = try ok(["export", "--store", store, "--format", "store", "--out", first])
        let text = try String(contentsOfFile: first, encoding: .utf8)
        XCTAssertTrue(text.hasPrefix(#"{"scalelab_store_dump":1,"schema_version":6,"#), String(text.prefix(120)))
        for state in ["done", "failed", "queued"] { XCTAssertTrue(text.contains(#""status":"\#(state)""#), state) }

        let imported = try ok(["import", first, "--store", url])
        XCTAssertTrue(imported.stdout.hasPrefix("restored 2 sweeps, 8 runs, "), imported.stdout)
        XCTAssertEqual(try ok(["export", "--store", url, "--format", "store"]).stdout, text, "SQLite → PostgreSQL")

        let back = dir.appendingPathComponent("back.sqlite").path
        let second = dir.appendingPathComponent("b.dump").path
        try ok(["export", "--store", url, "--format", "store"]).stdout.write(toFile: second, atomically: true, encoding: .utf8)
        _ = try ok(["import", second, "--store", back])
        XCTAssertEqual(try ok(["export", "--store", back, "--format", "store"]).stdout, text, "PostgreSQL → SQLite")

        // A store with rows is refused, and keeps them.
        let again = try CLIRunner.run(["import", first, "--store", url])
        XCTAssertNotEqual(again.status, 0)
        XCTAssertTrue(again.stderr.contains("the store is not empty") && again.stderr.contains("schema=")
                      && again.stderr.contains("nothing was changed"), again.stderr)
        XCTAssertEqual(try ok(["export", "--store", url, "--format", "store"]).stdout, text)
        // A malformed dump names its line and creates no store.
        var lines = text.split(separator: "\n").map(String.init)
        lines[3] = "{\"table\": \"run\""
        let bad = dir.appendingPathComponent("bad.dump").path
        try (lines.joined(separator: "\n") + "\n").write(toFile: bad, atomically: true, encoding: .utf8)
        let fresh = dir.appendingPathComponent("fresh.sqlite").path
        let refused = try CLIRunner.run(["import", bad, "--store", fresh])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("bad.dump, line 4") && refused.stderr.contains("nothing was stored"), refused.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: fresh))
    }
}
