import Foundation
@testable import Lab
import XCTest

/// Issue 14: several runners and users share one PostgreSQL store. Two `ladder run` processes
/// started together on the same ladder: every run is executed exactly once, none is lost.
extension LadderCommandTests {
    /// The test server's URL with a fresh schema (dropped at the end); skips without
    /// `SCALELAB_TEST_POSTGRES_URL`, fails when `CI` is set (make test starts the server).
    func postgresStoreURL() throws -> String {
        let url = ProcessInfo.processInfo.environment["SCALELAB_TEST_POSTGRES_URL"] ?? ""
        if url.isEmpty {
            if ProcessInfo.processInfo.environment["CI"] != nil {
                XCTFail("CI is set but SCALELAB_TEST_POSTGRES_URL is not: make test starts PostgreSQL with scripts/start-postgres.sh")
            }
            throw XCTSkip("SCALELAB_TEST_POSTGRES_URL is not set (bash scripts/start-postgres.sh prints one)")
        }
        let schema = "cli_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        let location = url + (url.contains("?") ? "&" : "?") + "schema=\(schema)"
        addTeardownBlock {
            if let store = try? RunStore.open(location: location) {
                _ = try? store.write { db in try db.execute(sql: "DROP SCHEMA \"\(schema)\" CASCADE") }
                store.close()
            }
        }
        return location
    }

    func testTwoRunnersOnOnePostgreSQLStoreRunEachRunOnce() throws {
        let url = try postgresStoreURL()
        let r = try ok(["ladder", "plan", "--budgets", "1e10,1e11,1e12,1e13,1e14", "--sizes-per-budget", "8", "--context", "16",
                        "--throughput", "1e9", "--store", url, "--json"])
        let ids = try XCTUnwrap((try r.json() as? [String: Any])?["runIDs"] as? [Int])
        XCTAssertGreaterThanOrEqual(ids.count, 30)
        let runDir = dir.appendingPathComponent("shared-runs").path
        let starts = dir.appendingPathComponent("starts.txt").path
        let command = "echo {run_id} >> \(TrainCommandTemplate.shellQuoted(starts)) && \(TrainCommandTemplate.shellQuoted(scalelab)) "
            + "simulate-run --params {params} --tokens {tokens} --seed {run_id} --seconds 0.05 --out {result}"
        let runners = try (0..<2).map { _ -> Process in
            let p = Process()
            p.executableURL = try XCTUnwrap(CLIRunner.executableURL)
            p.arguments = ["ladder", "run", "--store", url, "--workers", "2", "--run-dir", runDir, "--train-command", command, "--json"]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            return p
        }
        for p in runners { try p.run() }
        for p in runners {
            p.waitUntilExit()
            XCTAssertEqual(p.terminationStatus, 0)
        }
        let started = try String(contentsOfFile: starts, encoding: .utf8).split(separator: "\n").compactMap { Int($0) }
        XCTAssertEqual(started.sorted(), ids.sorted(), "every run started exactly once across the two runners")
        let store = try RunStore.open(location: url)
        defer { store.close() }
        let runs = try store.runs()
        XCTAssertEqual(runs.map { Int($0.id!) }, ids)
        for run in runs {
            XCTAssertEqual(run.status, .done, "run \(run.id!): \(run.message ?? "")")
            XCTAssertEqual(run.attempts, 1, "run \(run.id!)")
        }
        XCTAssertEqual(Set(runs.compactMap(\.runnerPID)).count, 2, "both runners took part")
    }
}
