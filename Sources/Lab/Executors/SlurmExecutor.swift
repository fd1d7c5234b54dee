import Foundation

/// How the Slurm executor submits and watches its tasks.
///
/// The resource options go to `sbatch` as its flags; `extraArguments` passes anything else
/// through verbatim.
public struct SlurmOptions: Sendable, Equatable {
    /// `--partition`; nil: the cluster's default partition.
    public var partition: String?
    /// `--time`, as Slurm writes it (`"1:00:00"`, `"2-00:00:00"`, `"30"` minutes); nil: the partition's default.
    public var timeLimit: String?
    /// `--cpus-per-task`; nil: each task's own `cpus` (tasks are grouped into arrays by it).
    public var cpusPerTask: Int?
    /// `--gpus-per-task`; nil: none asked for.
    public var gpusPerTask: Int?
    /// `--mem` (each array task is a job of one task, so this is per task), e.g. `"4G"`; nil: the partition's default.
    public var memoryPerTask: String?
    /// How many tasks of one array run at once: the `%P` of `--array=0-K%P`; nil: no limit.
    public var arrayParallelism: Int?
    /// More `sbatch` arguments, passed through verbatim before the script (e.g. `["--account=lab", "--qos=low"]`).
    public var extraArguments: [String]
    /// The shared run directory (visible to the compute nodes): the batch scripts go to its
    /// `slurm/` folder, and it is the jobs' `--chdir`. nil: the first task's `directory`.
    public var runDirectory: String?
    /// `--job-name` of the arrays.
    public var jobName: String
    /// Seconds between polls while the controller answers.
    public var pollInterval: Double
    /// While `squeue` fails, the poll interval doubles up to this many seconds.
    public var maxPollInterval: Double
    /// `poll` throws once `squeue` has failed for this many seconds in a row; until then it
    /// returns the last states it knew.
    public var outageTimeout: Double
    /// Seconds before the time limit when a task's batch script gets USR2 (`--signal=B:USR2@<s>`):
    /// it then stops its command with SIGTERM (the command checkpoints) and requeues the task.
    public var warningSeconds: Int
    /// Seconds to wait between two `sbatch` calls of one `submit`.
    public var submitPause: Double
    /// The executor's capacity: how many tasks the runner may have submitted at once (Slurm
    /// itself throttles what runs with `arrayParallelism`).
    public var maxTasksInFlight: Int
    /// Largest number of tasks in one array; nil: the cluster's `MaxArraySize` (read once from
    /// `scontrol show config`). An array's indices are 0 to size - 1.
    public var maxArraySize: Int?
    /// A task that left the queue is `.ended(.unknown)` only when its exit file is still missing
    /// after this many seconds (a shared filesystem may show the file late).
    public var exitFileGrace: Double
    /// The Slurm client commands.
    public var commands: SlurmCommands

    /// Options with Slurm's defaults for everything not given.
    public init(partition: String? = nil, timeLimit: String? = nil, cpusPerTask: Int? = nil, gpusPerTask: Int? = nil,
                memoryPerTask: String? = nil, arrayParallelism: Int? = nil, extraArguments: [String] = [],
                runDirectory: String? = nil, jobName: String = "scalelab", pollInterval: Double = 30,
                maxPollInterval: Double = 300, outageTimeout: Double = 600, warningSeconds: Int = 120,
                submitPause: Double = 0, maxTasksInFlight: Int = 10_000, maxArraySize: Int? = nil,
                exitFileGrace: Double = 10, commands: SlurmCommands = SlurmCommands()) {
        self.partition = partition
        self.timeLimit = timeLimit
        self.cpusPerTask = cpusPerTask
        self.gpusPerTask = gpusPerTask
        self.memoryPerTask = memoryPerTask
        self.arrayParallelism = arrayParallelism
        self.extraArguments = extraArguments
        self.runDirectory = runDirectory
        self.jobName = jobName
        self.pollInterval = pollInterval
        self.maxPollInterval = maxPollInterval
        self.outageTimeout = outageTimeout
        self.warningSeconds = warningSeconds
        self.submitPause = submitPause
        self.maxTasksInFlight = maxTasksInFlight
        self.maxArraySize = maxArraySize
        self.exitFileGrace = exitFileGrace
        self.commands = commands
    }
}

/// Runs tasks as Slurm job arrays (`sbatch --array`), watches them with one `squeue` call per
/// poll, and reads how each ended from the exit file its batch script writes.
///
/// - `submit` writes one task file per run and one batch script per array in
///   `<run directory>/slurm/`, and submits arrays of at most the cluster's `MaxArraySize` tasks,
///   `--array=0-K%P`, with `--requeue` and `--signal=B:USR2@<warningSeconds>`. Slurm's own
///   output goes to `/dev/null`; each run's command appends to its log (`TaskSpec/logPath`).
/// - `poll` maps `squeue`'s states: pending ones to `.waiting`, running ones to `.running`; a
///   task that ended or left the queue is `.ended` with the status in its exit file (or
///   `.unknown` without one). While `squeue` fails it returns the last states and backs off.
/// - `interrupt` sends USR2 to running tasks' batch shells (they stop their commands with
///   SIGTERM; the commands checkpoint) and cancels pending ones; `cancel` is `scancel`.
///
/// The monitor does not need `sacct` (no accounting database): see docs/slurm.md.
public final class SlurmExecutor: RunExecutor {
    /// The options this executor was made with.
    public let options: SlurmOptions
    let cluster: SlurmCluster
    let clock = ContinuousClock()

    /// The cluster's MaxArraySize, read once.
    var arraySizeLimit: Int?
    /// The states of the last poll that reached the controller, by run id.
    var lastStates: [Int64: TaskState] = [:]
    /// Since when `squeue` fails, and how often it has in a row.
    var failingSince: ContinuousClock.Instant?
    var failures = 0
    /// When each run was first seen gone without an exit file.
    var missingSince: [Int64: ContinuousClock.Instant] = [:]
    /// Exit files of the tasks this executor submitted (a re-attached task's are not known).
    var exitPaths: [Int64: String] = [:]
    var currentInterval: Double
    var submissions = 0

    /// An executor that submits with `options` to the cluster that `SLURM_CONF` (or the
    /// default configuration) names.
    public init(options: SlurmOptions = SlurmOptions()) {
        self.options = options
        self.cluster = SlurmCluster(commands: options.commands)
        self.currentInterval = options.pollInterval
        self.arraySizeLimit = options.maxArraySize
    }

    /// `.slurm`.
    public var kind: ExecutorKind { .slurm }
    /// `maxTasksInFlight`: the runner may submit that many; Slurm runs `arrayParallelism` of each array at once.
    public var capacity: Int { options.maxTasksInFlight }
    /// `pollInterval`, doubled for each failed `squeue` up to `maxPollInterval`.
    public var pollInterval: Double { currentInterval }
    /// False: Slurm tasks keep running when the monitor stops.
    public var tasksEndWithMonitor: Bool { false }

    // MARK: Submit

    /// Writes the task files and batch scripts and submits the tasks as job arrays; one handle
    /// per task, in order. If an `sbatch` call fails, the arrays already submitted by this call
    /// are cancelled and the error says why.
    public func submit(_ tasks: [TaskSpec]) throws(ExecutorError) -> [TaskHandle] {
        guard !tasks.isEmpty else { return [] }
        _ = try SlurmCluster.resolve(options.commands.sbatch)
        let runDirectory = options.runDirectory ?? tasks[0].directory
        let folder = (runDirectory as NSString).appendingPathComponent("slurm")
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw ExecutorError("cannot create \(folder) for the Slurm batch scripts: \(error.localizedDescription)")
        }
        let limit = try arraySize()

        // Task files; stale exit files go (a task cancelled while pending must not find an old status).
        var taskFiles: [String] = []
        for task in tasks {
            let file = (folder as NSString).appendingPathComponent("run-\(task.runID).task.sh")
            try writeAtomically(SlurmBatchScript.taskFile(task), to: file)
            try? FileManager.default.removeItem(atPath: task.exitPath)
            taskFiles.append(file)
        }

        // Arrays: tasks with the same CPU count, in order, at most `limit` per array.
        var groups: [(cpus: Int, indices: [Int])] = []
        for (i, task) in tasks.enumerated() {
            let cpus = options.cpusPerTask ?? max(1, task.cpus)
            if let g = groups.firstIndex(where: { $0.cpus == cpus }) { groups[g].indices.append(i) }
            else { groups.append((cpus, [i])) }
        }
        var arrays: [(cpus: Int, indices: [Int])] = []
        for g in groups {
            var start = 0
            while start < g.indices.count {
                let end = min(start + limit, g.indices.count)
                arrays.append((g.cpus, Array(g.indices[start..<end])))
                start = end
            }
        }

        var handles = [TaskHandle?](repeating: nil, count: tasks.count)
        var submitted: [Int64] = []
        for (n, array) in arrays.enumerated() {
            if n > 0, options.submitPause > 0 { Thread.sleep(forTimeInterval: options.submitPause) }
            submissions += 1
            let stamp = "\(Int(Date().timeIntervalSince1970))-\(getpid())-\(submissions)"
            let script = (folder as NSString).appendingPathComponent("array-\(stamp).sh")
            let list = (folder as NSString).appendingPathComponent("array-\(stamp).tasks")
            let jobID: Int64
            do {
                try writeAtomically(SlurmBatchScript.batchScript(
                    taskFiles: array.indices.map { taskFiles[$0] }, scontrol: options.commands.scontrol,
                    squeue: options.commands.squeue, warningSeconds: options.warningSeconds), to: script)
                try writeAtomically(array.indices.enumerated().map { k, i in
                    "\(k)\t\(tasks[i].runID)\t\(tasks[i].arguments.map(SlurmBatchScript.quote).joined(separator: " "))\n"
                }.joined(), to: list)
                jobID = try sbatch(script: script, count: array.indices.count, cpus: array.cpus, directory: runDirectory)
            } catch {
                if !submitted.isEmpty {
                    _ = try? SlurmCluster.run(options.commands.scancel, submitted.map(String.init))
                }
                throw error
            }
            submitted.append(jobID)
            for (k, i) in array.indices.enumerated() {
                let task = tasks[i]
                handles[i] = TaskHandle(runID: task.runID, executor: .slurm, jobID: "\(jobID)_\(k)",
                                        arrayJobID: jobID, arrayTaskID: Int64(k))
                exitPaths[task.runID] = task.exitPath
                lastStates[task.runID] = .waiting
                missingSince[task.runID] = nil
            }
        }
        return handles.map { $0! }
    }

    /// The largest array: `options.maxArraySize`, else the cluster's `MaxArraySize` (read once).
    func arraySize() throws(ExecutorError) -> Int {
        if let size = arraySizeLimit { return max(1, size) }
        let size = try cluster.maxArraySize()
        guard size > 0 else {
            throw ExecutorError("the cluster's MaxArraySize is \(size): job arrays are disabled; ask its administrators")
        }
        arraySizeLimit = size
        return size
    }

    /// The `sbatch` arguments for an array of `count` tasks of `cpus` CPUs each.
    func sbatchArguments(script: String, count: Int, cpus: Int, directory: String) -> [String] {
        let range = count == 1 ? "0" : "0-\(count - 1)"
        var args = ["--parsable", "--job-name=\(options.jobName)",
                    "--array=\(range)" + (options.arrayParallelism.map { "%\(max(1, $0))" } ?? ""),
                    "--output=/dev/null", "--requeue", "--signal=B:USR2@\(options.warningSeconds)",
                    "--cpus-per-task=\(cpus)", "--chdir=\(directory)"]
        if let p = options.partition { args.append("--partition=\(p)") }
        if let t = options.timeLimit { args.append("--time=\(t)") }
        if let g = options.gpusPerTask { args.append("--gpus-per-task=\(g)") }
        if let m = options.memoryPerTask { args.append("--mem=\(m)") }
        return args + options.extraArguments + [script]
    }

    /// Submits one array; returns its job id.
    func sbatch(script: String, count: Int, cpus: Int, directory: String) throws(ExecutorError) -> Int64 {
        let sbatch = options.commands.sbatch
        let out = try SlurmCluster.run(sbatch, sbatchArguments(script: script, count: count, cpus: cpus, directory: directory))
        if out.status != 0 {
            let message = out.message
            if message.lowercased().contains("invalid partition"), let partition = options.partition {
                let known = (try? cluster.partitions()).map { $0.joined(separator: ", ") } ?? "(sinfo did not answer)"
                throw ExecutorError("the Slurm partition '\(partition)' does not exist; the cluster's partitions are: "
                    + "\(known). Choose one of them (or none, for the default)")
            }
            if SlurmCluster.controllerUnreachable(message) {
                throw SlurmCluster.failure(sbatch, "(submitting \(script))", out)
            }
            throw ExecutorError("sbatch rejected the job array \(script) (status \(out.status)): \(message)")
        }
        // --parsable prints "<job id>" or "<job id>;<cluster>".
        let first = out.stdout.split(whereSeparator: \.isNewline).last.map(String.init) ?? ""
        guard let id = Int64(first.split(separator: ";").first.map(String.init)?.trimmingCharacters(in: .whitespaces) ?? "") else {
            throw ExecutorError("sbatch accepted \(script) but printed no job id: '\(out.stdout.trimmingCharacters(in: .whitespacesAndNewlines))'")
        }
        return id
    }

    func writeAtomically(_ text: String, to path: String) throws(ExecutorError) {
        let tmp = path + ".tmp"
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: tmp))
        } catch {
            throw ExecutorError("cannot write \(path): \(error.localizedDescription)")
        }
        guard rename(tmp, path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: tmp)
            throw ExecutorError("cannot rename \(tmp) to \(path): \(reason)")
        }
    }

    // MARK: Poll

    /// `squeue`'s states of the tasks' arrays by task (`<array>_<index>`), from one call, or the
    /// failed call's output.
    func queue(_ handles: [TaskHandle]) throws(ExecutorError) -> Result<[String: String], ExecutorError> {
        let arrays = Set(handles.compactMap { $0.arrayJobID ?? $0.jobID.flatMap(Self.arrayJobID) }).sorted()
        if arrays.isEmpty { return .success([:]) }
        let out = try SlurmCluster.run(options.commands.squeue, [
            "--noheader", "--array", "--states=all", "--jobs=" + arrays.map(String.init).joined(separator: ","),
            "--format=%i %T",
        ])
        if out.status != 0 {
            // Every job asked for has left the controller: nothing is queued.
            if out.message.contains("Invalid job id specified") { return .success([:]) }
            return .failure(SlurmCluster.failure(options.commands.squeue, "--jobs=…", out))
        }
        return .success(Self.parseQueue(out.stdout))
    }

    /// `<job id> <state>` lines of `squeue --format='%i %T'` as a dictionary.
    static func parseQueue(_ text: String) -> [String: String] {
        var states: [String: String] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count >= 2 else { continue }
            states[String(parts[0])] = String(parts[1])
        }
        return states
    }

    static func arrayJobID(_ jobID: String) -> Int64? {
        Int64(jobID.split(separator: "_").first.map(String.init) ?? "")
    }

    /// Slurm's job states, as `squeue --format=%T` prints them.
    static let waitingStates: Set<String> = ["PENDING", "CONFIGURING", "REQUEUED", "REQUEUE_FED", "REQUEUE_HOLD",
                                             "RESV_DEL_HOLD", "SPECIAL_EXIT", "POWER_UP_NODE"]
    static let runningStates: Set<String> = ["RUNNING", "COMPLETING", "SUSPENDED", "STOPPED", "SIGNALING",
                                             "STAGE_OUT", "RESIZING"]

    /// The state of each task by run id, from one `squeue` call for all of them.
    ///
    /// While `squeue` fails (the controller is busy or down) this returns the last states it
    /// knew and doubles `pollInterval` (up to `maxPollInterval`); it throws once the failures
    /// have lasted `outageTimeout` seconds.
    public func poll(_ handles: [TaskHandle]) throws(ExecutorError) -> [Int64: TaskState] {
        if handles.isEmpty { return [:] }
        let queued: [String: String]
        switch try queue(handles) {
        case .success(let q):
            queued = q
            failingSince = nil
            failures = 0
            currentInterval = options.pollInterval
        case .failure(let error):
            let now = clock.now
            let since = failingSince ?? now
            failingSince = since
            failures += 1
            let seconds = Double((now - since).components.seconds)
            if seconds >= options.outageTimeout {
                throw ExecutorError("squeue has failed for \(Int(seconds)) s (\(failures) calls in a row); the last time: "
                    + "\(error.message). The tasks stay in Slurm: once the controller answers again, "
                    + "`scalelab ladder run` re-attaches to them")
            }
            currentInterval = min(max(currentInterval, 0.001) * 2, max(options.maxPollInterval, options.pollInterval))
            return Dictionary(handles.map { ($0.runID, lastStates[$0.runID] ?? .waiting) }, uniquingKeysWith: { a, _ in a })
        }
        var states: [Int64: TaskState] = [:]
        for handle in handles {
            let id = handle.jobID ?? "\(handle.arrayJobID ?? -1)_\(handle.arrayTaskID ?? -1)"
            let slurmState = queued[id]
            let state: TaskState
            if let s = slurmState, Self.waitingStates.contains(s) {
                state = .waiting
                missingSince[handle.runID] = nil
            } else if let s = slurmState, Self.runningStates.contains(s) || !Self.isFinal(s) {
                state = .running
                missingSince[handle.runID] = nil
            } else {
                state = ended(handle, jobID: id, slurmState: slurmState)
            }
            states[handle.runID] = state
            lastStates[handle.runID] = state
        }
        return states
    }

    /// States after which a job runs no more (it may still be listed for `MinJobAge` seconds).
    /// PREEMPTED is not among them: a job submitted with `--requeue` is requeued after it.
    static let finalStates: Set<String> = ["COMPLETED", "CANCELLED", "FAILED", "TIMEOUT", "NODE_FAIL",
                                           "BOOT_FAIL", "DEADLINE", "OUT_OF_MEMORY", "REVOKED"]
    static func isFinal(_ state: String) -> Bool { finalStates.contains(state) }

    /// How a task that ended (or left the queue) ended: the status in its exit file; without
    /// one, the previous state until `exitFileGrace` has passed, then `.unknown`.
    func ended(_ handle: TaskHandle, jobID: String, slurmState: String?) -> TaskState {
        let runID = handle.runID
        if let path = exitPaths[runID] ?? defaultExitPath(runID), let code = Self.readExit(path) {
            missingSince[runID] = nil
            return .ended(code > 128 ? .signalled(code - 128) : .exited(code))
        }
        let now = clock.now
        let since = missingSince[runID] ?? now
        missingSince[runID] = since
        if now - since < .milliseconds(Int64(options.exitFileGrace * 1000)) {
            let previous = lastStates[runID] ?? .waiting
            if case .ended = previous { return .running }
            return previous
        }
        let how = slurmState.map { "ended \($0)" } ?? "left the queue"
        return .ended(.unknown("Slurm job \(jobID) \(how) without an exit status: cancelled, or its node failed"))
    }

    /// A re-attached task's exit file, by the runner's naming (`run-<id>.exit` in the run directory).
    func defaultExitPath(_ runID: Int64) -> String? {
        options.runDirectory.map { ($0 as NSString).appendingPathComponent("run-\(runID).exit") }
    }

    /// The exit status in an exit file (one decimal line), or nil.
    static func readExit(_ path: String) -> Int32? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return Int32(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    // MARK: Stop

    /// Asks the tasks to checkpoint and stop: USR2 to the batch shells of running tasks (which
    /// send SIGTERM to their commands; no requeue, since the time limit is not near), in one
    /// `scancel --signal=USR2 --batch` call; pending tasks are cancelled in one `scancel` call.
    /// Which is which comes from one `squeue` call (or the last poll, if that fails).
    public func interrupt(_ handles: [TaskHandle]) {
        guard !handles.isEmpty else { return }
        let queued = (try? queue(handles)).flatMap { try? $0.get() }
        var running: [String] = [], pending: [String] = []
        for handle in handles {
            guard let id = handle.jobID else { continue }
            let isPending: Bool
            if let queued {
                guard let s = queued[id], !Self.isFinal(s) else { continue }
                isPending = Self.waitingStates.contains(s)
            } else {
                isPending = lastStates[handle.runID] == .waiting
            }
            if isPending { pending.append(id) } else { running.append(id) }
        }
        if !pending.isEmpty { _ = try? SlurmCluster.run(options.commands.scancel, pending) }
        if !running.isEmpty { _ = try? SlurmCluster.run(options.commands.scancel, ["--signal=USR2", "--batch"] + running) }
    }

    /// Cancels the tasks in one `scancel` call (running ones get SIGTERM, then SIGKILL after
    /// the cluster's `KillWait`). Tasks that already left the queue are no error.
    public func cancel(_ handles: [TaskHandle]) throws(ExecutorError) {
        let ids = handles.compactMap(\.jobID)
        guard !ids.isEmpty else { return }
        let out = try SlurmCluster.run(options.commands.scancel, ids)
        if out.status != 0 {
            let errors = out.stderr.split(whereSeparator: \.isNewline).filter {
                !$0.contains("Invalid job id specified") && !$0.contains("already completing or completed")
            }
            if !errors.isEmpty || out.stderr.isEmpty {
                throw SlurmCluster.failure(options.commands.scancel, ids.joined(separator: " "), out)
            }
        }
    }
}
