import Foundation
@testable import Lab
import Trainer
import XCTest

/// `scalelab ladder plan|run|status`, `import` and `export` as a user runs them, including the
/// reliability cases: a killed worker, a killed runner, SIGTERM to the runner.
final class LadderCommandTests: XCTestCase {
    var dir: URL!
    var store: String { dir.appendingPathComponent("lab.sqlite").path }
    var corpus: String { dir.appendingPathComponent("corpus.txt").path }

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("ladder-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try Self.writeCorpus(to: corpus)
    }

    /// Seeded pseudo-text for tiny ladders: 20,000 words from a small vocabulary (an LCG picks them).
    static func writeCorpus(to path: String) throws {
        let words = ["the", "king", "and", "queen", "of", "love", "lord", "my", "thou", "art", "sweet", "night"]
        var x: UInt64 = 12345, text = ""
        for _ in 0..<20_000 {
            x = x &* 6364136223846793005 &+ 1442695040888963407
            text += words[Int(x >> 33) % words.count] + " "
        }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func ok(_ args: [String], file: StaticString = #filePath, line: UInt = #line) throws -> CLIRunner.Result {
        let r = try CLIRunner.run(args)
        XCTAssertEqual(r.status, 0, "scalelab \(args.joined(separator: " ")): \(r.stderr)", file: file, line: line)
        return r
    }

    /// A two-run ladder of tiny models, long enough for the kill and SIGTERM tests to catch a worker
    /// mid-run in release builds (`make test`): at 4e9 FLOPs a run took 0.5 s and could finish first.
    func planTiny() throws -> [Int] {
        let r = try ok(["ladder", "plan", "--budgets", "1.6e10", "--sizes-per-budget", "2", "--spread", "0.3", "--context", "16",
                        "--throughput", "1e9", "--store", store, "--json"])
        let doc = try XCTUnwrap(try r.json() as? [String: Any])
        return try XCTUnwrap(doc["runIDs"] as? [Int])
    }

    func status() throws -> [[String: Any]] {
        let doc = try XCTUnwrap(try ok(["ladder", "status", "--store", store, "--json"]).json() as? [String: Any])
        return try XCTUnwrap(doc["runs"] as? [[String: Any]])
    }

    func startRunner(_ extra: [String] = []) throws -> Process {
        let p = Process()
        p.executableURL = try XCTUnwrap(CLIRunner.executableURL)
        p.arguments = ["ladder", "run", "--store", store, "--data", corpus, "--json"] + extra
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }

    /// Polls the store until a run is running with a worker and a checkpoint on disk, i.e. mid-run;
    /// returns its id and worker pid. Fails if the ladder ends first.
    /// Whether `pid` is a live process: exists and is not a zombie (an exited orphan that this
    /// sandbox's PID 1 has not reaped still answers signal 0).
    static func isRunning(_ pid: Int32) -> Bool {
        guard kill(pid, 0) == 0 else { return false }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return true }
        return !stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
    }

    func waitForWorkerMidRun(_ runner: Process) throws -> (id: Int, pid: Int32)? {
        while runner.isRunning {
            for r in try status() where r["status"] as? String == "running" {
                guard let id = r["id"] as? Int, let pid = r["workerPID"] as? Int else { continue }
                if FileManager.default.fileExists(atPath: store + ".runs/run-\(id).ckpt") { return (id, Int32(pid)) }
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return nil
    }

    func testPlanPrintsATableAndStoresQueuedRuns() throws {
        let r = try ok(["ladder", "plan", "--budgets", "1e11,1e12", "--sizes-per-budget", "3", "--throughput", "2e9", "--store", store])
        XCTAssertTrue(r.stdout.contains("IsoFLOP ladder: 2 budgets × 3 sizes → 6 runs"), r.stdout)
        XCTAssertTrue(r.stdout.contains("estimated wall time"), r.stdout)
        let runs = try status()
        XCTAssertEqual(runs.count, 6)
        XCTAssertEqual(Set(runs.map { $0["status"] as? String }), ["queued"])
        let bad = try CLIRunner.run(["ladder", "plan", "--kind", "fixed-size", "--store", store])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("--size"), bad.stderr)
        XCTAssertEqual(try status().count, 6, "a failed plan stores nothing")
    }

    func testPlanWithTheCandidateRecipe() throws {
        let r = try ok(["ladder", "plan", "--budgets", "3e10", "--sizes-per-budget", "2", "--throughput", "2e9", "--recipe", "candidate",
                        "--dry-run", "--json"])
        let plan = try XCTUnwrap((try r.json() as? [String: Any])?["plan"] as? [String: Any])
        XCTAssertEqual((plan["spec"] as? [String: Any])?["recipe"] as? String, "candidate")
        let runs = try XCTUnwrap(plan["runs"] as? [[String: Any]])
        XCTAssertEqual(runs.count, 2)
        for run in runs {
            let h = try XCTUnwrap((run["config"] as? [String: Any])?["hyperparameters"] as? [String: Any])
            XCTAssertEqual((h["adamw"] as? [String: Any])?["beta2"] as? Double, 0.99, "\(h)")
        }
        let bad = try CLIRunner.run(["ladder", "plan", "--budgets", "3e10", "--recipe", "tuned", "--dry-run"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("--recipe") && bad.stderr.contains("candidate"), bad.stderr)
    }

    func testImportIsAllOrNothingAndExportReadsBack() throws {
        let good = dir.appendingPathComponent("good.csv").path
        try "params,tokens,loss\n1e6,2e7,3.5\n2e6,4e7,3.25\n".write(toFile: good, atomically: true, encoding: .utf8)
        XCTAssertTrue(try ok(["import", good, "--store", store]).stdout.contains("imported 2 runs"))
        let before = try ok(["export", "--store", store, "--format", "csv"]).stdout
        let bad = dir.appendingPathComponent("bad.csv").path
        try "params,tokens,loss\n1e6,2e7,3.5\n2e6,-4e7,3.25\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let r = try CLIRunner.run(["import", bad, "--store", store])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("bad.csv, line 3, column 'tokens'"), r.stderr)
        XCTAssertEqual(try ok(["export", "--store", store, "--format", "csv"]).stdout, before, "nothing imported")
        let out = dir.appendingPathComponent("out.jsonl").path
        _ = try ok(["export", "--store", store, "--format", "jsonl", "--out", out])
        let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 2)
        XCTAssertTrue(lines[0].contains("\"params\":1000000"), String(lines[0]))
        let missing = try CLIRunner.run(["export", "--store", dir.appendingPathComponent("none.sqlite").path])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("no run store here"), missing.stderr)
    }

    /// `train --progress-file` (what the runner reads for its per-worker lines) ends holding the
    /// last step's progress; the worker's arguments pass it and every schedule setting.
    func testTrainWritesItsProgressFileForTheRunner() throws {
        let progress = dir.appendingPathComponent("p.json").path
        _ = try ok(["train", "--layers", "1", "--d-model", "8", "--heads", "1", "--context", "16", "--tokens", "2048",
                    "--batch", "4", "--threads", "1", "--data", corpus, "--progress-file", progress, "--json"])
        let p = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: progress))) as? [String: Any])
        XCTAssertEqual(p["step"] as? Int, 32)
        XCTAssertEqual(p["steps"] as? Int, 32)
        XCTAssertEqual(p["tokens"] as? Int, 2048)
        XCTAssertGreaterThan(p["loss"] as? Double ?? 0, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: progress + ".tmp"))
        let bad = try CLIRunner.run(["train", "--tokens", "2048", "--data", corpus, "--final-lr-fraction", "2"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("--final-lr-fraction must be in [0, 1], got 2"), bad.stderr)
    }

    /// The runner hands each worker its run's stored config as a file (`run-<id>.config.json`,
    /// removed when the run is done), so every field reaches the trainer, including those
    /// `scalelab train` has no flag for (AdamW betas and clip, the validation split, the curve bytes).
    func testWorkersTrainTheStoredConfigEvenWhereTrainHasNoFlag() throws {
        let ids = try planTiny()
        let lab = try RunStore.open(path: store, create: false)
        var config = try XCTUnwrap(try lab.run(id: Int64(ids[0])).trainingConfig)
        config.hyperparameters.adamw.beta2 = 0.99
        config.hyperparameters.adamw.clipNorm = 0.5
        config.validationFraction = 0.2
        config.curveValidationBytes = 4096
        let json = try StoreJSON.encode(config, what: "config_json"), id = Int64(ids[0])
        try lab.write { db in try db.execute(sql: "UPDATE run SET config_json = ? WHERE id = ?", arguments: [json, id]) }
        _ = try ok(["ladder", "run", "--store", store, "--data", corpus, "--threads", "1"])
        for id in ids.map(Int64.init) {
            let run = try lab.run(id: id)
            XCTAssertEqual(run.status, .done, run.message ?? "")
            let record = try XCTUnwrap(run.runRecord)
            XCTAssertEqual(record.config, run.trainingConfig)
            XCTAssertFalse(FileManager.default.fileExists(atPath: store + ".runs/run-\(id).config.json"))
        }
        let trained = try XCTUnwrap(try lab.run(id: Int64(ids[0])).runRecord).config
        XCTAssertEqual(trained.hyperparameters.adamw.beta2, 0.99)
        XCTAssertEqual(trained.hyperparameters.adamw.clipNorm, 0.5)
        XCTAssertEqual(trained.validationFraction, 0.2)
        XCTAssertEqual(trained.curveValidationBytes, 4096)
    }

    /// `scalelab worker --config` trains bitwise what `scalelab train` trains for the same config,
    /// and the same again when run twice: the config file changes nothing but how it arrives.
    func testWorkerTrainsBitwiseLikeTrain() throws {
        func record(_ path: String) throws -> RunRecord {
            try JSONDecoder().decode(RunRecord.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        }
        let a = dir.appendingPathComponent("a.json").path
        _ = try ok(["train", "--layers", "1", "--d-model", "8", "--heads", "1", "--context", "16", "--tokens", "2048",
                    "--batch", "4", "--threads", "1", "--seed", "3", "--data", corpus, "--out", a, "--json"])
        let byTrain = try record(a)
        let configFile = dir.appendingPathComponent("run-1.config.json").path
        try WorkerCommand.writeConfig(byTrain.config, to: configFile)
        XCTAssertFalse(FileManager.default.fileExists(atPath: configFile + ".tmp"))
        XCTAssertEqual(try WorkerCommand.readConfig(at: configFile), byTrain.config)
        var byWorker: [RunRecord] = []
        for name in ["b", "c"] {
            let out = dir.appendingPathComponent("\(name).json").path
            let r = try ok(WorkerCommand.arguments(config: configFile, data: corpus, record: out,
                                                   checkpoint: out + ".ckpt", progress: nil))
            XCTAssertTrue(r.stderr.contains("completed: "), r.stderr)   // the record goes to --out, the log gets a summary
            byWorker.append(try record(out))
        }
        for w in byWorker {
            XCTAssertEqual(w.config, byTrain.config)
            XCTAssertEqual(w.stepLosses.map(\.bitPattern), byTrain.stepLosses.map(\.bitPattern))
            XCTAssertEqual(w.learningCurve.map(\.validationLoss.bitPattern), byTrain.learningCurve.map(\.validationLoss.bitPattern))
            XCTAssertEqual(w.finalValidationLoss?.bitPattern, byTrain.finalValidationLoss?.bitPattern)
        }
        let missing = try CLIRunner.run(["worker", "--config", dir.appendingPathComponent("none.json").path, "--data", corpus,
                                         "--out", a, "--checkpoint", a + ".ckpt"])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("none.json"), missing.stderr)
    }

    /// A run whose stored config was damaged through SQL stops `ladder status` and `ladder run`
    /// with an error naming the store, the run, the column and what to do; nothing is trained.
    func testCorruptConfigColumnIsAnErrorNamingTheRun() throws {
        let ids = try planTiny()
        let lab = try RunStore.open(path: store, create: false)
        let id = Int64(ids[0])
        try lab.write { db in try db.execute(sql: "UPDATE run SET config_json = '{\"shape\":' WHERE id = ?", arguments: [id]) }
        for args in [["ladder", "status", "--store", store], ["ladder", "run", "--store", store, "--data", corpus]] {
            let r = try CLIRunner.run(args)
            XCTAssertNotEqual(r.status, 0, args.joined(separator: " "))
            XCTAssertTrue(r.stderr.contains("\(store): run \(id): column config_json cannot be read (not valid JSON)"), r.stderr)
            XCTAssertTrue(r.stderr.contains("Restore") && r.stderr.contains("DELETE FROM run WHERE id = \(id)"), r.stderr)
        }
        let states = try lab.read { db in try db.values(String.self, sql: "SELECT status FROM run") }
        XCTAssertEqual(Set(states), ["queued"], "nothing was claimed or trained")
    }

    /// kill -9 one worker mid-run: the other run finishes, the killed one is relaunched from its
    /// checkpoint (a second attempt that resumed), and every run ends done exactly once.
    func testKilledWorkerMarksOnlyItsRunWhichResumes() throws {
        let ids = try planTiny()
        let runner = try startRunner(["--workers", "2", "--threads", "1"])
        let victim = try XCTUnwrap(try waitForWorkerMidRun(runner), "the ladder finished before a worker could be caught mid-run")
        XCTAssertEqual(kill(victim.pid, SIGKILL), 0)
        runner.waitUntilExit()
        XCTAssertEqual(runner.terminationStatus, 0)
        let runs = try status()
        XCTAssertEqual(runs.map { $0["id"] as? Int }, ids.map { $0 })
        for r in runs {
            XCTAssertEqual(r["status"] as? String, "done", "\(r)")
            let killed = r["id"] as? Int == victim.id
            XCTAssertEqual(r["attempts"] as? Int, killed ? 2 : 1, "\(r)")
            XCTAssertEqual(r["resumes"] as? Int, killed ? 1 : 0, "\(r)")
        }
    }

    /// kill -9 the runner mid-run: running `ladder run` again stops the orphaned worker cleanly
    /// (or stores the record it left), resumes, and ends with every planned run done once.
    func testKilledRunnerResumesWithNothingLostOrDuplicated() throws {
        let ids = try planTiny()
        let runner = try startRunner(["--workers", "1"])
        let mid = try XCTUnwrap(try waitForWorkerMidRun(runner))
        XCTAssertEqual(kill(runner.processIdentifier, SIGKILL), 0)
        runner.waitUntilExit()
        let again = try ok(["ladder", "run", "--store", store, "--data", corpus])
        XCTAssertTrue(again.stderr.contains("run \(mid.id): runner"), again.stderr)
        XCTAssertFalse(Self.isRunning(mid.pid), "the orphaned worker is gone")
        let runs = try status()
        XCTAssertEqual(runs.map { $0["id"] as? Int }, ids.map { $0 })
        XCTAssertEqual(Set(runs.map { $0["status"] as? String }), ["done"])
        let export = try ok(["export", "--store", store, "--format", "csv"]).stdout
        XCTAssertEqual(export.split(separator: "\n").count, 1 + ids.count, "one row per run")
    }

    /// SIGTERM to the runner: workers checkpoint and stop, runs become interrupted (none left
    /// running), exit status 130; the next `ladder run` finishes them from their checkpoints.
    func testSIGTERMStopsCleanlyAndTheNextRunFinishes() throws {
        _ = try planTiny()
        let runner = try startRunner(["--workers", "1"])
        let mid = try XCTUnwrap(try waitForWorkerMidRun(runner))
        XCTAssertEqual(kill(runner.processIdentifier, SIGTERM), 0)
        runner.waitUntilExit()
        XCTAssertEqual(runner.terminationStatus, 130)
        let stopped = try status()
        XCTAssertFalse(stopped.contains { $0["status"] as? String == "running" }, "\(stopped)")
        let victim = try XCTUnwrap(stopped.first { $0["id"] as? Int == mid.id })
        XCTAssertEqual(victim["status"] as? String, "interrupted", "\(victim)")
        XCTAssertTrue((victim["message"] as? String ?? "").contains("checkpoint written"), "\(victim)")
        _ = try ok(["ladder", "run", "--store", store, "--data", corpus])
        let runs = try status()
        XCTAssertEqual(Set(runs.map { $0["status"] as? String }), ["done"])
        XCTAssertEqual(try XCTUnwrap(runs.first { $0["id"] as? Int == mid.id })["resumes"] as? Int, 1)
    }
}
