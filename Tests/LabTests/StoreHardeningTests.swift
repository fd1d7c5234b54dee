import Foundation
import GRDB
import XCTest
@testable import Lab
import Trainer

/// Issue 18 at the level of the store: read-only opens, the schema 1 → 2 migration, and
/// processes named by pid and start time.
final class StoreHardeningTests: XCTestCase {
    func sweep() -> Sweep { Sweep(name: "t", kind: "isoflop", specJSON: "{}", scalelabVersion: "test", createdAt: Date()) }

    func queuedRun() throws -> StoredRun {
        let config = tinyConfig()
        var r = StoredRun(sweepID: 0, parameters: Double(config.shape.parameterCount), status: .queued, createdAt: Date())
        r.configJSON = try StoreJSON.encode(config, what: "config_json")
        r.tokens = Double(config.tokens)
        r.flops = config.shape.trainingFLOPsPerToken * Double(config.tokens)
        return r
    }

    /// A store opened read-only is read, writes nothing (not even a -wal or -shm file), and a
    /// write through it is `StoreError.readOnly`, which says what to do. Where the test does not
    /// run as root, a 0444 file in a 0555 folder is also read, and refused by a read-write open.
    func testReadOnlyOpenReadsAndWritesNothing() throws {
        let dir = try temporaryDirectory(self)
        let path = dir.appendingPathComponent("s.sqlite").path
        let store = try RunStore.open(path: path)
        _ = try store.insert(sweep(), runs: [try queuedRun()])
        try store.pool.close()
        let before = try Data(contentsOf: URL(fileURLWithPath: path))

        let reader = try RunStore.open(path: path, create: false, readOnly: true)
        XCTAssertTrue(reader.isReadOnly)
        XCTAssertEqual(try reader.runs().count, 1)
        XCTAssertEqual(try reader.summary().runs, 1)
        XCTAssertThrowsError(try reader.insert(sweep(), runs: [])) { e in
            guard case .readOnly(let p, _)? = e as? StoreError else { return XCTFail("\(e)") }
            XCTAssertEqual(p, path)
            XCTAssertTrue("\(e)".contains("copy the store to a writable place") && "\(e)".contains("nothing was changed"), "\(e)")
        }
        XCTAssertThrowsError(try reader.claimNextRun(runnerPID: 1, threads: 1, maxAttempts: 3)) { e in
            guard case .readOnly? = e as? StoreError else { return XCTFail("\(e)") }
        }
        try reader.pool.close()
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), before)
        for suffix in ["-wal", "-shm", "-journal"] { XCTAssertFalse(FileManager.default.fileExists(atPath: path + suffix), suffix) }
        let missing = dir.appendingPathComponent("none.sqlite").path
        XCTAssertThrowsError(try RunStore.open(path: missing, readOnly: true)) { XCTAssertEqual($0 as? StoreError, .missing(path: missing)) }
        XCTAssertFalse(FileManager.default.fileExists(atPath: missing))

        // Permissions: root reads and writes through them, so this part needs another user.
        chmod(path, 0o444)
        chmod(dir.path, 0o555)
        defer { chmod(dir.path, 0o755); chmod(path, 0o644) }
        XCTAssertEqual(try RunStore.open(path: path, create: false, readOnly: true).runs().count, 1)
        if geteuid() != 0 {
            XCTAssertThrowsError(try RunStore.open(path: path, create: false)) { e in
                guard case .readOnly(let p, let detail)? = e as? StoreError else { return XCTFail("\(e)") }
                XCTAssertEqual(p, path)
                XCTAssertTrue(detail.contains("not writable"), detail)
            }
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), before)
    }

    /// A store of schema 1 is read as it is by a read-only open (nothing migrated), and migrated
    /// to the current schema (start-time and executor columns, nil in old rows) by a read-write open, its rows kept.
    func testSchema1StoresAreReadAndMigrated() throws {
        let path = try temporaryDirectory(self).appendingPathComponent("old.sqlite").path
        let q = try DatabaseQueue(path: path)
        try StoreSchema.migrator.migrate(q, upTo: "v1: sweeps, runs, curve points, fits")
        try q.write { db in
            try db.execute(sql: "INSERT INTO sweep (name, kind, spec_json, scalelab_version, created_at) VALUES ('old', 'isoflop', '{}', 'v1', '2026-01-01')")
            try db.execute(sql: """
                INSERT INTO run (sweep_id, parameters, status, created_at, runner_pid, worker_pid) VALUES (1, 1000, 'running', '2026-01-01', 7, 8)
                """)
        }
        try q.close()
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let reader = try RunStore.open(path: path, create: false, readOnly: true)
        XCTAssertEqual(try reader.schemaVersion(), 1)
        XCTAssertEqual(try reader.runs().map(\.runnerPID), [7])
        try reader.pool.close()
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), before, "a read-only open migrates nothing")

        let store = try RunStore.open(path: path, create: false)
        XCTAssertEqual(try store.schemaVersion(), StoreSchema.version)
        let run = try XCTUnwrap(try store.runs().first)
        XCTAssertEqual(run.runnerPID, 7)
        XCTAssertNil(run.runnerStartTime)
        XCTAssertNil(run.workerStartTime)
        let columns = try store.pool.read { db in try db.columns(in: "run").map(\.name) }
        XCTAssertTrue(columns.contains("runner_start_time") && columns.contains("worker_start_time"), "\(columns)")
    }

    /// A pid with its start time names one process: a live process that reused the pid (a
    /// `sleep` child here) with another start time is not the runner that claimed the run, so
    /// the run is abandoned; with its own start time it is alive.
    func testAReusedPIDIsToldApartByItsStartTime() throws {
        let sleeper = Process()
        sleeper.executableURL = URL(fileURLWithPath: "/bin/sleep")
        sleeper.arguments = ["60"]
        try sleeper.run()
        defer { sleeper.terminate(); sleeper.waitUntilExit() }
        let pid = sleeper.processIdentifier
        // The child may still be the forked test process for a moment: wait until it is `sleep`.
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline, !((try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)) ?? "").hasPrefix("/bin/sleep") {
            usleep(10_000)
        }
        let start = try XCTUnwrap(WorkerCommand.startTime(of: pid))
        XCTAssertEqual(WorkerCommand.startTime(of: pid), start, "stable")
        XCTAssertGreaterThanOrEqual(start, try XCTUnwrap(WorkerCommand.startTime(of: 1)))
        XCTAssertTrue(WorkerCommand.isAlive(pid, startedAt: start))
        XCTAssertTrue(WorkerCommand.isAlive(pid, startedAt: nil), "rows of schema 1 have no start time: the pid alone")
        XCTAssertFalse(WorkerCommand.isAlive(pid, startedAt: start - 1))
        XCTAssertFalse(WorkerCommand.isWorker(pid, startedAt: start - 1, writing: "60"))
        XCTAssertTrue(WorkerCommand.isWorker(pid, startedAt: start, writing: "60"), "its command line names '60'")

        for (store, _) in try newStores(self) {
            _ = try store.insert(sweep(), runs: [try queuedRun(), try queuedRun()])
            let reused = try XCTUnwrap(try store.claimNextRun(runnerPID: pid, runnerStartTime: start - 1, threads: 1, maxAttempts: 3))
            let live = try XCTUnwrap(try store.claimNextRun(runnerPID: pid, runnerStartTime: start, threads: 1, maxAttempts: 3))
            try store.setWorker(run: live.id!, pid: pid, startTime: start, resumed: false, checkpoint: "c", record: "r")
            XCTAssertEqual(try store.run(id: live.id!).workerStartTime, start)
            XCTAssertEqual(try store.run(id: reused.id!).runnerStartTime, start - 1)
            XCTAssertEqual(try store.abandonedRuns(isRunning: { WorkerCommand.isAlive($0, startedAt: $1) }).map(\.id), [reused.id],
                           store.backendName)
        }
    }

    /// Runners on several machines share a PostgreSQL store: a run claimed by a runner on
    /// another host is judged by its heartbeat, never by a pid on this machine (the same pid
    /// here is another process). With a fresh heartbeat it is left to its runner, even when no
    /// process here has that pid; with one older than the remote lease it is recovered. A
    /// runner's heartbeat only touches the runs of its own host.
    func testARunOfARunnerOnAnotherHostIsJudgedByItsHeartbeat() throws {
        for (store, _) in try newStores(self) {
            _ = try store.insert(sweep(), runs: [try queuedRun(), try queuedRun()])
            let here = try XCTUnwrap(try store.claimNextRun(runnerPID: getpid(), threads: 1, maxAttempts: 3))
            XCTAssertEqual(try store.run(id: here.id!).runnerHost, WorkerCommand.hostName)
            let there = try XCTUnwrap(try store.claimNextRun(runnerPID: 999_999, threads: 1, maxAttempts: 3))
            try store.write { db in
                try db.execute(sql: "UPDATE run SET runner_host = 'another-machine', runner_pid = ? WHERE id = ?",
                               arguments: [Int64(getpid()), there.id!])
            }
            let alive: @Sendable (Int32, Int64?) -> Bool = { pid, _ in pid != 999_999 }
            XCTAssertEqual(try store.abandonedRuns(isRunning: alive).map(\.id), [], store.backendName)
            XCTAssertEqual(try store.abandonedRuns(isRunning: { _, _ in false }).map(\.id), [here.id],
                           "a pid of another host is never looked up here (\(store.backendName))")
            try store.write { db in
                try db.execute(sql: "UPDATE run SET heartbeat = ? WHERE id = ?", arguments: [Date(timeIntervalSinceNow: -3600), there.id!])
            }
            try store.heartbeat(runnerPID: getpid())
            XCTAssertEqual(try store.abandonedRuns(isRunning: alive).map(\.id), [there.id],
                           "this host's runner with the same pid did not beat for it; its heartbeat is stale (\(store.backendName))")
        }
    }

    /// A run left `running` by a runner of schema 1 (no start time) under a pid that a live
    /// process has reused — the store a user upgrades with the run already stuck — is recovered
    /// once its runner's heartbeat (written every 2 s by a live runner) is older than the lease;
    /// with a fresh heartbeat it is left to its runner.
    func testARunOfASchema1RunnerUnderAReusedPIDIsRecoveredWhenItsHeartbeatIsStale() throws {
        let sleeper = Process()
        sleeper.executableURL = URL(fileURLWithPath: "/bin/sleep")
        sleeper.arguments = ["60"]
        try sleeper.run()
        defer { sleeper.terminate(); sleeper.waitUntilExit() }
        let pid = Int64(sleeper.processIdentifier)
        for (store, _) in try newStores(self) {
            let (_, runs) = try store.insert(sweep(), runs: [try queuedRun(), try queuedRun()])
            let stale = runs[0].id!, fresh = runs[1].id!
            try store.write { db in
                try db.execute(sql: "UPDATE run SET status = 'running', runner_pid = ?, heartbeat = ? WHERE id = ?",
                               arguments: [pid, Date().addingTimeInterval(-3600), stale])
                try db.execute(sql: "UPDATE run SET status = 'running', runner_pid = ?, heartbeat = ? WHERE id = ?",
                               arguments: [pid, Date(), fresh])
            }
            XCTAssertEqual(try store.abandonedRuns(isRunning: { WorkerCommand.isAlive($0, startedAt: $1) }).map(\.id), [stale],
                           store.backendName)
        }
    }

    /// PostgreSQL: a read-only open reads, and refuses every write with `readOnly`, changing nothing.
    func testPostgresReadOnlyOpenRefusesWrites() throws {
        let (store, location) = try TestPostgres.newStore(self, url: try TestPostgres.requireURL())
        _ = try store.insert(sweep(), runs: [try queuedRun()])
        let before = try dump(store)
        let reader = try RunStore.open(location: location, create: false, readOnly: true)
        defer { reader.close() }
        XCTAssertTrue(reader.isReadOnly)
        XCTAssertEqual(try reader.runs().count, 1)
        XCTAssertThrowsError(try reader.claimNextRun(runnerPID: 1, threads: 1, maxAttempts: 3)) { e in
            guard case .readOnly(let p, _)? = e as? StoreError else { return XCTFail("\(e)") }
            XCTAssertEqual(p, location)
            XCTAssertTrue("\(e)".contains("nothing was changed"), "\(e)")
        }
        XCTAssertEqual(try dump(store), before)
    }
}
