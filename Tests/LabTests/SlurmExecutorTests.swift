import Foundation
import XCTest
@testable import Lab

/// The Slurm executor. The parser tests need nothing; the others run tiny shell commands on a
/// real cluster: the one `scripts/start-slurm.sh` starts (`make test` starts it and exports its
/// `SLURM_CONF`). Without a cluster they are skipped, unless `CI` or `SCALELAB_REQUIRE_SLURM` is
/// set: then they fail.
final class SlurmExecutorTests: XCTestCase {
    // MARK: Parsers (no cluster)

    func testParsesMaxArraySizeAndPartitions() {
        let config = """
            Configuration data as of 2026-11-30T21:34:07
            AccountingStorageType   = accounting_storage/none
            MaxArraySize            = 1001
            MaxJobCount             = 100000
            MinJobAge               = 20 sec
            """
        XCTAssertEqual(SlurmCluster.maxArraySize(fromConfig: config), 1001)
        XCTAssertNil(SlurmCluster.maxArraySize(fromConfig: "MaxJobCount = 10\n"))
        XCTAssertEqual(SlurmCluster.partitions(fromSinfo: "debug*\nlong\n"), ["debug", "long"])
        XCTAssertEqual(SlurmCluster.partitions(fromSinfo: "gpu\ngpu\n cpu* \n\n"), ["gpu", "cpu"])
        XCTAssertEqual(SlurmExecutor.parseQueue("12_0 RUNNING\n12_1 PENDING\n7 CANCELLED\n\n"),
                       ["12_0": "RUNNING", "12_1": "PENDING", "7": "CANCELLED"])
        XCTAssertEqual(SlurmBatchScript.quote("it's a \"test\" $HOME"), #"'it'\''s a "test" $HOME'"#)
    }

    func testSbatchArguments() {
        let e = SlurmExecutor(options: SlurmOptions(partition: "long", timeLimit: "1:00:00", gpusPerTask: 1,
                                                    memoryPerTask: "4G", arrayParallelism: 3,
                                                    extraArguments: ["--qos=low"], warningSeconds: 90))
        XCTAssertEqual(e.sbatchArguments(script: "/r/a.sh", count: 5, cpus: 2, directory: "/r"), [
            "--parsable", "--job-name=scalelab", "--array=0-4%3", "--output=/dev/null", "--requeue",
            "--signal=B:USR2@90", "--cpus-per-task=2", "--chdir=/r", "--partition=long", "--time=1:00:00",
            "--gpus-per-task=1", "--mem=4G", "--qos=low", "/r/a.sh",
        ])
        XCTAssertEqual(SlurmExecutor().sbatchArguments(script: "s", count: 1, cpus: 1, directory: "d")[2], "--array=0")
        XCTAssertEqual(SlurmExecutor().capacity, 10_000)
        XCTAssertFalse(SlurmExecutor().tasksEndWithMonitor)
    }

    /// While squeue fails, poll returns the last states and backs off; after the outage timeout it throws.
    func testSqueueOutageBacksOffThenThrows() throws {
        let dir = try temporaryDirectory(self)
        let failing = dir.appendingPathComponent("squeue-down").path
        try "#!/bin/sh\necho 'squeue: error: slurm_load_jobs error: Unable to contact slurm controller (connect failure)' >&2\nexit 1\n"
            .write(toFile: failing, atomically: true, encoding: .utf8)
        chmod(failing, 0o755)
        let e = SlurmExecutor(options: SlurmOptions(pollInterval: 0.1, maxPollInterval: 0.4, outageTimeout: 1,
                                                    commands: SlurmCommands(squeue: failing)))
        let handles = [TaskHandle(runID: 1, executor: .slurm, jobID: "5_0", arrayJobID: 5, arrayTaskID: 0)]
        e.lastStates[1] = .running
        XCTAssertEqual(try e.poll(handles), [1: .running])
        XCTAssertEqual(e.pollInterval, 0.2, accuracy: 1e-9)
        _ = try e.poll(handles)
        _ = try e.poll(handles)
        XCTAssertEqual(e.pollInterval, 0.4, accuracy: 1e-9)
        Thread.sleep(forTimeInterval: 1.1)
        XCTAssertThrowsError(try e.poll(handles)) { error in
            let m = (error as? ExecutorError)?.message ?? ""
            XCTAssertTrue(m.contains("squeue has failed") && m.contains("Unable to contact slurm controller"), m)
        }
    }

    func testMissingSbatchSaysWhatToDo() throws {
        let dir = try temporaryDirectory(self)
        let task = TaskSpec(runID: 1, arguments: ["/bin/true"], logPath: dir.path + "/run-1.log",
                            resultPath: dir.path + "/run-1.json", exitPath: dir.path + "/run-1.exit",
                            directory: dir.path, cpus: 1)
        for sbatch in ["sbatch-not-installed-here", "/nonexistent/bin/sbatch"] {
            let e = SlurmExecutor(options: SlurmOptions(maxArraySize: 10, commands: SlurmCommands(sbatch: sbatch)))
            XCTAssertThrowsError(try e.submit([task])) { error in
                let m = (error as? ExecutorError)?.message ?? ""
                XCTAssertTrue(m.contains(sbatch) && m.contains("scripts/start-slurm.sh"), m)
            }
        }
    }

    // MARK: On the cluster

    /// Skips (or fails, when CI requires Slurm) without a cluster that answers.
    func requireCluster() throws {
        let env = ProcessInfo.processInfo.environment
        let required = env["CI"] != nil || env["SCALELAB_REQUIRE_SLURM"] != nil
        var problem: String?
        if env["SLURM_CONF"] == nil {
            problem = "SLURM_CONF is not set"
        } else {
            do {
                let out = try SlurmCluster.run("scontrol", ["ping"])
                if out.status != 0 || !out.stdout.contains("is UP") { problem = "scontrol ping: \(out.message)" }
            } catch {
                problem = error.message
            }
        }
        guard let problem else { return }
        let hint = "run `export \"$(bash scripts/start-slurm.sh | tail -1)\"` first"
        if required {
            XCTFail("CI requires a Slurm cluster but there is none (\(problem)); \(hint)")
            throw ExecutorError("no Slurm cluster")
        }
        throw XCTSkip("no Slurm cluster (\(problem)); \(hint)")
    }

    /// A run folder with a space in its name, and tasks running `script` under `/bin/sh`.
    func runFolder() throws -> String {
        let dir = try temporaryDirectory(self).appendingPathComponent("run folder")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.path
    }

    func task(_ id: Int64, in dir: String, _ script: String, arguments: [String] = [], environment: [String: String] = [:]) -> TaskSpec {
        TaskSpec(runID: id, arguments: ["/bin/sh", "-c", script, "sh"] + arguments,
                 logPath: dir + "/run-\(id).log", resultPath: dir + "/run-\(id).json", exitPath: dir + "/run-\(id).exit",
                 directory: dir, cpus: 1, environment: environment)
    }

    func executor(_ dir: String, _ change: (inout SlurmOptions) -> Void = { _ in }) -> SlurmExecutor {
        var o = SlurmOptions(runDirectory: dir, jobName: "scalelab-test", pollInterval: 0.5, exitFileGrace: 1)
        change(&o)
        return SlurmExecutor(options: o)
    }

    /// Cancels the handles at the end of the test, so no task outlives it.
    func cleanUp(_ e: SlurmExecutor, _ handles: [TaskHandle]) {
        addTeardownBlock { try? e.cancel(handles) }
    }

    /// Polls until every task ended (or `timeout`); returns the last states and how many polls it took.
    @discardableResult
    func waitUntilEnded(_ e: SlurmExecutor, _ handles: [TaskHandle], timeout: Double = 120,
                        onPoll: ([Int64: TaskState]) -> Void = { _ in }) throws -> (states: [Int64: TaskState], polls: Int) {
        let deadline = Date().addingTimeInterval(timeout)
        var polls = 0
        while true {
            let states = try e.poll(handles)
            polls += 1
            onPoll(states)
            let ended = states.values.allSatisfy { if case .ended = $0 { return true } else { return false } }
            if ended || Date() > deadline {
                XCTAssertTrue(ended, "not all ended in \(timeout) s: \(states)")
                return (states, polls)
            }
            Thread.sleep(forTimeInterval: e.pollInterval)
        }
    }

    /// Polls until `runID` is running.
    func waitUntilRunning(_ e: SlurmExecutor, _ handles: [TaskHandle], _ runID: Int64, timeout: Double = 60) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try e.poll(handles)[runID] == .running { return }
            Thread.sleep(forTimeInterval: 0.25)
        }
        XCTFail("run \(runID) did not start in \(timeout) s")
    }

    func read(_ path: String) -> String {
        (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }

    func count(_ needle: String, in text: String) -> Int {
        text.components(separatedBy: needle).count - 1
    }

    /// 25 tasks in arrays of at most 10 (three arrays, two tasks of each at once): every one runs
    /// exactly once and exits 0, its log is named by its run id, arguments and environment with
    /// quotes and spaces arrive intact, and every poll is one squeue call.
    func testArraysRunEveryTaskOnceWithOneSqueuePerPoll() throws {
        try requireCluster()
        let dir = try runFolder()
        let squeue = try SlurmCluster.resolve("squeue")
        let counting = dir + "/squeue counting"
        try "#!/bin/sh\necho \"$*\" >> \"\(dir)/squeue-calls\"\nexec \(squeue) \"$@\"\n"
            .write(toFile: counting, atomically: true, encoding: .utf8)
        chmod(counting, 0o755)
        let e = executor(dir) {
            $0.arrayParallelism = 2
            $0.maxArraySize = 10
            $0.submitPause = 0.1
            $0.commands.squeue = counting
        }
        let odd = #"it's "quoted" $HOME `x` \ and spaced"#
        let script = #"printf '%s|%s|%s\n' "$SCALELAB_RUN_ID" "$1" "$ODD" >> ran; echo ok > "result-$SCALELAB_RUN_ID.tmp" && mv "result-$SCALELAB_RUN_ID.tmp" "RESULT-$SCALELAB_RUN_ID""#
        let tasks = (1...25).map { task(Int64($0), in: dir, script, arguments: [odd], environment: ["ODD": odd]) }
        let handles = try e.submit(tasks)
        cleanUp(e, handles)
        XCTAssertEqual(handles.map(\.runID), Array(1...25))
        XCTAssertEqual(Set(handles.compactMap(\.arrayJobID)).count, 3)
        let indices: [Int64] = Array(0..<10) + Array(0..<10) + Array(0..<5)
        XCTAssertEqual(handles.map { $0.arrayTaskID! }, indices)
        XCTAssertEqual(handles[12].jobID, "\(handles[12].arrayJobID!)_2")
        let start = Date()
        let (states, polls) = try waitUntilEnded(e, handles)
        print("slurm: 25 tasks in 3 arrays ended in \(String(format: "%.1f", Date().timeIntervalSince(start))) s, \(polls) polls")
        XCTAssertEqual(states, Dictionary(uniqueKeysWithValues: (1...25).map { (Int64($0), TaskState.ended(.exited(0))) }))
        let lines = read(dir + "/ran").split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.sorted(), (1...25).map { "\($0)|\(odd)|\(odd)" }.sorted())
        for id in 1...25 {
            XCTAssertEqual(read(dir + "/RESULT-\(id)"), "ok\n")
            let log = read(dir + "/run-\(id).log")
            XCTAssertEqual(count("=== scalelab: run \(id), Slurm task", in: log), 1, log)
            XCTAssertTrue(log.contains("run \(id) ended with status 0"), log)
            XCTAssertEqual(read(dir + "/run-\(id).exit"), "0\n")
        }
        XCTAssertEqual(read(dir + "/squeue-calls").split(separator: "\n").count, polls, "one squeue call per poll")
    }

    /// A command killed with kill -9 ends `.signalled(9)`.
    func testKilledCommandEndsSignalled() throws {
        try requireCluster()
        let dir = try runFolder()
        let e = executor(dir)
        let marker = "scalelab-kill-\(UUID().uuidString)"
        let handles = try e.submit([task(1, in: dir, "sleep 300; true", arguments: [marker])])
        cleanUp(e, handles)
        try waitUntilRunning(e, handles, 1)
        var pid: Int32?
        for _ in 0..<40 where pid == nil {
            pid = Self.processes(containing: marker).first
            if pid == nil { Thread.sleep(forTimeInterval: 0.25) }
        }
        guard let pid else { return XCTFail("no process with \(marker) in its command line") }
        XCTAssertEqual(kill(pid, SIGKILL), 0)
        let (states, _) = try waitUntilEnded(e, handles, timeout: 60)
        XCTAssertEqual(states[1], .ended(.signalled(9)))
    }

    /// A task requeued (`scontrol requeue`) while it runs runs again and ends with exit 0; its
    /// log shows both attempts, and no poll reported it ended in between.
    func testRequeuedTaskRunsAgain() throws {
        try requireCluster()
        let dir = try runFolder()
        let e = executor(dir)
        let handles = try e.submit([task(1, in: dir, "echo attempt; sleep 5")])
        cleanUp(e, handles)
        try waitUntilRunning(e, handles, 1)
        let out = try SlurmCluster.run("scontrol", ["requeue", handles[0].jobID!])
        XCTAssertEqual(out.status, 0, out.message)
        var seen: [TaskState] = []
        let (states, _) = try waitUntilEnded(e, handles, timeout: 90) { seen.append($0[1]!) }
        XCTAssertEqual(states[1], .ended(.exited(0)))
        XCTAssertEqual(seen.filter { if case .ended = $0 { return true } else { return false } }.count, 1, "\(seen)")
        XCTAssertTrue(seen.contains(.waiting), "requeued: pending again before it ran again: \(seen)")
        let log = read(dir + "/run-1.log")
        XCTAssertEqual(count("=== scalelab: run 1, Slurm task", in: log), 2, log)
        XCTAssertTrue(log.contains("attempt 2,"), log)
    }

    /// `interrupt` stops a running task with SIGTERM to its command (no requeue: the time limit
    /// is far), and cancels a pending one; `cancel` removes pending tasks.
    func testInterruptAndCancel() throws {
        try requireCluster()
        let dir = try runFolder()
        let e = executor(dir) { $0.arrayParallelism = 1; $0.timeLimit = "30:00" }
        let script = "trap 'echo stopping; exit 3' TERM; sleep 120 & wait"
        let handles = try e.submit((1...3).map { task(Int64($0), in: dir, script) })
        cleanUp(e, handles)
        try waitUntilRunning(e, handles, 1)
        Thread.sleep(forTimeInterval: 0.5)   // the trap is set
        XCTAssertEqual(try e.poll(handles)[2], .waiting)
        e.interrupt(Array(handles[0...1]))
        let (interrupted, _) = try waitUntilEnded(e, Array(handles[0...1]), timeout: 60)
        XCTAssertEqual(interrupted[1], .ended(.exited(3)))
        guard case .ended(.unknown(let why))? = interrupted[2] else { return XCTFail("\(interrupted)") }
        XCTAssertTrue(why.contains(handles[1].jobID!), why)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/run-2.log"), "a cancelled pending task never ran")
        let log1 = read(dir + "/run-1.log")
        XCTAssertTrue(log1.contains("stopping") && !log1.contains("requeueing"), log1)

        // Run 3 starts once run 1 is gone (%1); cancel it and a pending new one.
        let more = try e.submit([task(4, in: dir, script)])
        try waitUntilRunning(e, [handles[2]], 3)
        try e.cancel([handles[2]] + more)
        let (cancelled, _) = try waitUntilEnded(e, [handles[2]] + more, timeout: 60)
        XCTAssertEqual(cancelled[3], .ended(.exited(3)), "SIGTERM from scancel reaches the command")
        if case .ended(.unknown) = cancelled[4] {} else if cancelled[4] != .ended(.exited(3)) {
            XCTFail("\(cancelled): \(read(dir + "/run-4.log")) exit: \(read(dir + "/run-4.exit"))")
        }
        try e.cancel(handles)   // gone already: no error
    }

    /// USR2 before the time limit: the command stops (SIGTERM), the task requeues itself and
    /// its second attempt finishes.
    func testTimeLimitWarningRequeuesTheTask() throws {
        try requireCluster()
        let dir = try runFolder()
        let e = executor(dir) { $0.timeLimit = "1"; $0.warningSeconds = 50 }
        let script = """
            if [ -e second ]; then echo finished; exit 0; fi
            touch second; trap 'echo checkpointed; exit 4' TERM; sleep 200 & wait
            """
        let handles = try e.submit([task(1, in: dir, script)])
        cleanUp(e, handles)
        let start = Date()
        let (states, _) = try waitUntilEnded(e, handles, timeout: 150)
        print("slurm: time-limit warning, requeue and second attempt in \(String(format: "%.1f", Date().timeIntervalSince(start))) s")
        XCTAssertEqual(states[1], .ended(.exited(0)))
        let log = read(dir + "/run-1.log")
        XCTAssertTrue(log.contains("checkpointed") && log.contains("requeueing") && log.contains("finished"), log)
        XCTAssertEqual(count("=== scalelab: run 1, Slurm task", in: log), 2, log)
    }

    /// A partition that does not exist: the error names it and lists the cluster's partitions.
    func testUnknownPartitionListsPartitions() throws {
        try requireCluster()
        let dir = try runFolder()
        let e = executor(dir) { $0.partition = "no-such-partition" }
        XCTAssertThrowsError(try e.submit([task(1, in: dir, "true")])) { error in
            let m = (error as? ExecutorError)?.message ?? ""
            XCTAssertTrue(m.contains("'no-such-partition' does not exist") && m.contains("debug"), m)
        }
        let bad = executor(dir) { $0.extraArguments = ["--time=not-a-time"] }
        XCTAssertThrowsError(try bad.submit([task(1, in: dir, "true")])) { error in
            let m = (error as? ExecutorError)?.message ?? ""
            XCTAssertTrue(m.contains("sbatch rejected") && m.contains("Invalid --time specification"), m)
        }
        XCTAssertEqual(try SlurmCluster().maxArraySize(), 1001)
        XCTAssertTrue(try SlurmCluster().partitions().contains("debug"))
    }

    /// Jobs the controller no longer knows (squeue: "Invalid job id specified") end unknown, from one call.
    func testTasksUnknownToTheControllerEndUnknown() throws {
        try requireCluster()
        let dir = try runFolder()
        let e = executor(dir) { $0.exitFileGrace = 0 }
        let handles = [TaskHandle(runID: 7, executor: .slurm, jobID: "987654_3", arrayJobID: 987_654, arrayTaskID: 3)]
        guard case .ended(.unknown(let why))? = try e.poll(handles)[7] else { return XCTFail() }
        XCTAssertTrue(why.contains("987654_3 left the queue without an exit status"), why)
    }

    /// Pids of processes whose command line contains `text`.
    static func processes(containing text: String) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry -> Int32? in
            guard let pid = Int32(entry), let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") else { return nil }
            let words = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            return words.contains(text) ? pid : nil
        }
    }
}
