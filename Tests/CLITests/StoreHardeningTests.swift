import Foundation
import GRDB
@testable import Lab
import Trainer
import XCTest

/// Issue 18 (hardening of the store and the runner), as a user meets it: a store locked for a
/// while by another writer, a run left `running` under a pid that now belongs to another process,
/// a run that diverges at once, and stores opened only to be read.
extension LadderCommandTests {
    /// `ladder run` with its stderr kept in a file (read it after the runner exits).
    func startRunner(_ extra: [String], stderr path: String) throws -> Process {
        let p = Process()
        p.executableURL = try XCTUnwrap(CLIRunner.executableURL)
        p.arguments = ["ladder", "run", "--store", store, "--data", corpus, "--json"] + extra
        p.standardOutput = FileHandle.nullDevice
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try p.run()
        return p
    }

    /// Holds SQLite's write lock of the store from a second connection for `seconds`, on a
    /// background thread; the returned group is done when the lock is released.
    func holdWriteLock(for seconds: Double) throws -> DispatchGroup {
        let holder = try DatabaseQueue(path: store)
        let locked = DispatchSemaphore(value: 0), group = DispatchGroup()
        group.enter()
        Thread.detachNewThread {
            try? holder.writeWithoutTransaction { db in
                try db.execute(sql: "BEGIN IMMEDIATE")
                locked.signal()
                Thread.sleep(forTimeInterval: seconds)
                try db.execute(sql: "COMMIT")
            }
            try? holder.close()
            group.leave()
        }
        locked.wait()
        return group
    }

    /// Issue 18.1: another writer holding the store's lock for longer than SQLite's busy timeout
    /// (5 s) while a ladder trains: the runner says on stderr that it waits, then goes on, and
    /// every run ends done.
    func testABriefLockMakesTheRunnerWaitAndGoOn() throws {
        let ids = try planTiny()
        let err = dir.appendingPathComponent("runner.err").path
        let runner = try startRunner(["--workers", "1", "--threads", "1"], stderr: err)
        _ = try XCTUnwrap(try waitForWorkerMidRun(runner), "the ladder finished before a worker could be caught mid-run")
        let released = try holdWriteLock(for: 8)
        released.wait()
        runner.waitUntilExit()
        let stderr = try String(contentsOfFile: err, encoding: .utf8)
        XCTAssertEqual(runner.terminationStatus, 0, stderr)
        XCTAssertTrue(stderr.contains("waiting for the store"), stderr)
        let runs = try status()
        XCTAssertEqual(runs.map { $0["id"] as? Int }, ids.map { $0 })
        XCTAssertEqual(Set(runs.map { $0["status"] as? String }), ["done"], "\(runs)")
    }

    /// Issue 18.1: a store that stays locked past `--lock-timeout`: the runner stops its workers
    /// cleanly (none trains on alone), exits non-zero with what to do, and the next `ladder run`
    /// stores what they left and finishes every run.
    func testAStoreLockedPastTheTimeoutStopsTheWorkersAndTheNextRunFinishes() throws {
        let ids = try planTiny()
        let err = dir.appendingPathComponent("runner.err").path
        let runner = try startRunner(["--workers", "2", "--threads", "1", "--lock-timeout", "1"], stderr: err)
        let mid = try XCTUnwrap(try waitForWorkerMidRun(runner), "the ladder finished before a worker could be caught mid-run")
        let released = try holdWriteLock(for: 12)
        runner.waitUntilExit()
        let stillLocked = released.wait(timeout: .now()) == .timedOut
        let stderr = try String(contentsOfFile: err, encoding: .utf8)
        XCTAssertTrue(stillLocked, "the runner waited for the lock instead of giving up after --lock-timeout")
        XCTAssertNotEqual(runner.terminationStatus, 0, stderr)
        XCTAssertTrue(stderr.contains("locked") && stderr.contains("scalelab ladder run"), stderr)
        XCTAssertFalse(Self.isRunning(mid.pid), "a worker trains on after its runner gave up")
        released.wait()
        _ = try ok(["ladder", "run", "--store", store, "--data", corpus, "--threads", "1"])
        let runs = try status()
        XCTAssertEqual(runs.map { $0["id"] as? Int }, ids.map { $0 })
        XCTAssertEqual(Set(runs.map { $0["status"] as? String }), ["done"], "\(runs)")
    }

    /// Issue 18.1: Ctrl-C or SIGTERM while the runner waits for a locked store stops its workers
    /// at once (it does not wait out --lock-timeout), exits 130, and the next `ladder run` stores
    /// what they left and finishes every run.
    func testStoppingTheRunnerWhileItWaitsForTheLockStopsItsWorkersAtOnce() throws {
        let ids = try planTiny()
        let err = dir.appendingPathComponent("runner.err").path
        let runner = try startRunner(["--workers", "2", "--threads", "1", "--lock-timeout", "60"], stderr: err)
        _ = try XCTUnwrap(try waitForWorkerMidRun(runner), "the ladder finished before a worker could be caught mid-run")
        let released = try holdWriteLock(for: 15)
        let deadline = Date().addingTimeInterval(12)
        while Date() < deadline, runner.isRunning,
              !((try? String(contentsOfFile: err, encoding: .utf8)) ?? "").contains("waiting for the store") {
            Thread.sleep(forTimeInterval: 0.05)
        }
        let workers = try status().compactMap { $0["workerPID"] as? Int }.map(Int32.init)
        XCTAssertEqual(kill(runner.processIdentifier, SIGTERM), 0)
        runner.waitUntilExit()
        let stillLocked = released.wait(timeout: .now()) == .timedOut
        let stderr = try String(contentsOfFile: err, encoding: .utf8)
        XCTAssertTrue(stderr.contains("waiting for the store"), stderr)
        XCTAssertTrue(stillLocked, "the runner went on waiting for the lock after it was asked to stop: \(stderr)")
        XCTAssertEqual(runner.terminationStatus, 130, stderr)
        for w in workers { XCTAssertFalse(Self.isRunning(w), "worker \(w) trains on after its runner stopped") }
        released.wait()
        _ = try ok(["ladder", "run", "--store", store, "--data", corpus, "--threads", "1"])
        let runs = try status()
        XCTAssertEqual(runs.map { $0["id"] as? Int }, ids.map { $0 })
        XCTAssertEqual(Set(runs.map { $0["status"] as? String }), ["done"], "\(runs)")
    }

    /// Issue 18.2: a run marked `running` by a runner whose pid now belongs to an unrelated live
    /// process (here a `sleep` child with another start time) is recovered and trained, and the
    /// unrelated process is not signalled.
    func testARunMarkedRunningUnderAReusedPIDIsRecoveredAndRetried() throws {
        let ids = try planTiny()
        let sleeper = Process()
        sleeper.executableURL = URL(fileURLWithPath: "/bin/sleep")
        sleeper.arguments = ["120"]
        try sleeper.run()
        defer { sleeper.terminate(); sleeper.waitUntilExit() }
        let lab = try RunStore.open(path: store, create: false)
        let id = Int64(ids[0]), pid = Int64(sleeper.processIdentifier)
        try lab.write { db in
            try db.execute(sql: "UPDATE run SET status = 'running', runner_pid = ?, worker_pid = ?, attempts = 1 WHERE id = ?",
                           arguments: [pid, pid, id])
        }
        // The runner that marked it started at another time than this `sleep` (clock tick 1 after boot).
        try? lab.write { db in
            try db.execute(sql: "UPDATE run SET runner_start_time = 1, worker_start_time = 1 WHERE id = ?", arguments: [id])
        }
        let r = try ok(["ladder", "run", "--store", store, "--data", corpus, "--threads", "1"])
        XCTAssertTrue(r.stderr.contains("run \(id): runner \(pid) is gone"), r.stderr)
        XCTAssertTrue(sleeper.isRunning, "the unrelated process that reused the pid was signalled")
        let runs = try status()
        XCTAssertEqual(Set(runs.map { $0["status"] as? String }), ["done"], "\(runs)")
    }

    /// Issue 18.3: `train --lr 1e30` diverges at once. Its record is written (non-finite numbers
    /// as the strings "nan", "inf", "-inf"), says at which step, and keeps the non-finite loss;
    /// the command exits 2. In a ladder such a run is stored `diverged` with its record.
    func testARunThatDivergesAtOnceIsRecordedAndStoredAsDiverged() throws {
        let out = dir.appendingPathComponent("d.json").path
        let r = try CLIRunner.run(["train", "--layers", "1", "--d-model", "8", "--heads", "1", "--context", "16", "--tokens", "2048",
                                   "--batch", "4", "--threads", "1", "--lr", "1e30", "--data", corpus, "--out", out, "--json"])
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertFalse(r.stderr.contains("EncodingError"), r.stderr)
        let data = try Data(contentsOf: URL(fileURLWithPath: out))
        let doc = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        XCTAssertEqual(doc["status"] as? String, "diverged")
        let at = try XCTUnwrap(doc["divergedAtStep"] as? Int, "the record names the step it diverged at")
        let losses = try XCTUnwrap(doc["stepLosses"] as? [Any])
        XCTAssertEqual(losses.count, at, "every step's loss, the non-finite one last")
        XCTAssertTrue(["nan", "inf", "-inf"].contains(losses.last as? String ?? ""), "\(losses)")
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let record = try decoder.decode(RunRecord.self, from: data)
        XCTAssertEqual(record.status, .diverged)
        XCTAssertFalse(record.stepLosses.last?.isFinite ?? true)
        XCTAssertEqual(r.stdout.isEmpty, false, "--json prints the record")

        let ids = try planTiny()
        let lab = try RunStore.open(path: store, create: false)
        var config = try XCTUnwrap(try lab.run(id: Int64(ids[0])).trainingConfig)
        config.hyperparameters.learningRate = 1e30
        let json = try StoreJSON.encode(config, what: "config_json"), id = Int64(ids[0])
        try lab.write { db in try db.execute(sql: "UPDATE run SET config_json = ? WHERE id = ?", arguments: [json, id]) }
        _ = try ok(["ladder", "run", "--store", store, "--data", corpus, "--threads", "1"])
        let diverged = try lab.run(id: id)
        XCTAssertEqual(diverged.status, .diverged, diverged.message ?? "")
        XCTAssertTrue((diverged.message ?? "").contains("diverged"), diverged.message ?? "")
        XCTAssertEqual(try XCTUnwrap(diverged.runRecord).status, .diverged)
        XCTAssertEqual(try lab.run(id: Int64(ids[1])).status, .done)
        _ = try ok(["ladder", "status", "--store", store])
        _ = try ok(["export", "--store", store, "--format", "jsonl"])
    }

    /// Issue 18.4: the commands that only read open the store read-only: on a store in
    /// rollback-journal mode (as `sqlite3` or a backup leaves it), `ladder status` and `export`
    /// leave every byte as it was and create no -wal or -shm file (a read-write open would switch
    /// it to WAL, which needs a writable file and folder).
    func testReadingCommandsOpenTheStoreReadOnly() throws {
        _ = try planTiny()
        let q = try DatabaseQueue(path: store)
        _ = try q.writeWithoutTransaction { db in try String.fetchOne(db, sql: "PRAGMA journal_mode = DELETE") }
        try q.close()
        let before = try Data(contentsOf: URL(fileURLWithPath: store))
        XCTAssertEqual(before[18], 1, "rollback-journal mode")
        _ = try ok(["ladder", "status", "--store", store])
        _ = try ok(["export", "--store", store, "--format", "csv"])
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: store)), before)
        for suffix in ["-wal", "-shm", "-journal"] {
            XCTAssertFalse(FileManager.default.fileExists(atPath: store + suffix), suffix)
        }
    }

    /// Runs `scalelab args` with `folder` mounted read-only: in a private mount namespace
    /// (`unshare -m`), the folder bind-mounted read-only over itself, as on a read-only mount
    /// (and unlike chmod, this holds for root too). Nil where mount namespaces are not allowed.
    func runOnReadOnlyMount(_ folder: String, _ args: [String]) throws -> CLIRunner.Result? {
        func q(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        let exe = try XCTUnwrap(CLIRunner.executableURL).path
        let script = "mount --bind \(q(folder)) \(q(folder)) && mount -o remount,bind,ro \(q(folder)) || exit 97; "
            + "touch \(q(folder + "/probe")) 2>/dev/null && exit 98; exec " + ([exe] + args).map(q).joined(separator: " ")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        p.arguments = ["-m", "sh", "-c", script]
        let out = dir.appendingPathComponent("ro.out").path, err = dir.appendingPathComponent("ro.err").path
        for f in [out, err] { _ = FileManager.default.createFile(atPath: f, contents: nil) }
        p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare") else { return nil }
        try p.run()
        p.waitUntilExit()
        let result = CLIRunner.Result(status: p.terminationStatus, stdout: try String(contentsOfFile: out, encoding: .utf8),
                                      stderr: try String(contentsOfFile: err, encoding: .utf8))
        try? FileManager.default.removeItem(atPath: out)
        try? FileManager.default.removeItem(atPath: err)
        if result.status == 97 || result.status == 98 || result.stderr.contains("unshare:") { return nil }
        return result
    }

    /// Issue 18.4: a store on a read-only mount is read by `ladder status` and `export`, and
    /// `import` and `ladder run` say that the store is read-only and what to do.
    func testAStoreOnAReadOnlyMountIsReadAndWritingCommandsSaySo() throws {
        let ids = try planTiny()
        _ = try ok(["ladder", "run", "--store", store, "--data", corpus, "--threads", "1"])
        let good = dir.appendingPathComponent("good.csv").path
        try "params,tokens,loss\n1e6,2e7,3.5\n".write(toFile: good, atomically: true, encoding: .utf8)
        let before = try Data(contentsOf: URL(fileURLWithPath: store))
        guard let status = try runOnReadOnlyMount(dir.path, ["ladder", "status", "--store", store, "--json"]) else {
            throw XCTSkip("mount namespaces (unshare -m) are not allowed here")
        }
        XCTAssertEqual(status.status, 0, status.stderr)
        let doc = try XCTUnwrap(try status.json() as? [String: Any])
        XCTAssertEqual((doc["runs"] as? [Any])?.count, ids.count)
        let export = try XCTUnwrap(try runOnReadOnlyMount(dir.path, ["export", "--store", store, "--format", "csv"]))
        XCTAssertEqual(export.status, 0, export.stderr)
        XCTAssertEqual(export.stdout.split(separator: "\n").count, 1 + ids.count, export.stdout)
        for args in [["import", good, "--store", store], ["ladder", "run", "--store", store, "--data", corpus]] {
            let r = try XCTUnwrap(try runOnReadOnlyMount(dir.path, args))
            XCTAssertNotEqual(r.status, 0, args.joined(separator: " "))
            // `import` checks the store as a file it will write before opening it; `ladder run` opens it.
            let readOnlyStore = r.stderr.contains("\(store): the store is read-only") && r.stderr.contains("copy the store to a writable place")
            let unwritableFolder = args[0] == "import" && r.stderr.contains("cannot write \(store)") && r.stderr.contains("is not writable")
            XCTAssertTrue(readOnlyStore || unwritableFolder, r.stderr)
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: store)), before)
    }
}
