import Foundation

/// Where a ladder's runs are launched: worker processes on this machine (`local`, the embedded
/// default) or tasks of Slurm job arrays (`slurm`).
///
/// The runner (`LadderRunner`) owns everything else: it claims runs from the store, writes each
/// run's config file, builds its command line (`TaskSpec`), and stores what the command leaves
/// in its result file. An executor only starts tasks, reports their states in one batched
/// query per poll, and stops them. Results never travel through the executor: each task writes
/// its result file once, by atomic rename, in the run directory, and the runner reads it.
public protocol RunExecutor: AnyObject {
    /// `local` or `slurm`; stored in the run's `executor` column.
    var kind: ExecutorKind { get }
    /// Tasks this executor takes at once; the runner claims no more runs than that.
    var capacity: Int { get }
    /// Seconds between two polls of the runner.
    var pollInterval: Double { get }
    /// Whether a task ends when the monitoring process stops (local workers are stopped with it;
    /// Slurm tasks keep running, and a later `ladder run` re-attaches to them).
    var tasksEndWithMonitor: Bool { get }

    /// Starts `tasks` (the runner passes at most `capacity - running` of them); returns one
    /// handle per task, in order. A task that could not be started throws and none of the
    /// batch's tasks is left running.
    func submit(_ tasks: [TaskSpec]) throws(ExecutorError) -> [TaskHandle]

    /// The state of each task, by run id, from one query (one `squeue` call, not one per task).
    /// A task the executor no longer knows and that left no exit status is `.ended(.unknown)`.
    func poll(_ handles: [TaskHandle]) throws(ExecutorError) -> [Int64: TaskState]

    /// Asks tasks to checkpoint and stop (SIGINT to a local worker; Slurm: the warning signal).
    func interrupt(_ handles: [TaskHandle])

    /// Cancels tasks for good (`scancel`); a local worker is killed.
    func cancel(_ handles: [TaskHandle]) throws(ExecutorError)
}

/// The executors ScaleLab has.
public enum ExecutorKind: String, Sendable, Codable, CaseIterable {
    case local
    case slurm
}

/// One run to launch: the command line and where its files are.
public struct TaskSpec: Sendable, Equatable {
    public var runID: Int64
    /// argv: the executable (an absolute path, or a name looked up on the PATH) and its arguments.
    public var arguments: [String]
    /// The run's log: the command's stdout and stderr, appended across attempts.
    public var logPath: String
    /// Where the command writes its result (`run-<id>.json`), once, by atomic rename.
    public var resultPath: String
    /// Where an executor that cannot watch the process itself has the exit status written
    /// (`run-<id>.exit`, one decimal line: the exit code, or 128 + the signal number).
    public var exitPath: String
    /// The run directory (shared with the compute nodes for Slurm); the command's working directory.
    public var directory: String
    /// CPUs the task uses (the run's threads): Slurm's `--cpus-per-task`.
    public var cpus: Int
    /// Variables added to the command's environment (`SCALELAB_RUN_ID`, `SCALELAB_RESULT`, …).
    public var environment: [String: String]

    public init(runID: Int64, arguments: [String], logPath: String, resultPath: String, exitPath: String,
                directory: String, cpus: Int, environment: [String: String] = [:]) {
        self.runID = runID
        self.arguments = arguments
        self.logPath = logPath
        self.resultPath = resultPath
        self.exitPath = exitPath
        self.directory = directory
        self.cpus = cpus
        self.environment = environment
    }
}

/// How the runner finds a launched task again; stored with the run, so a later runner can
/// re-attach to a Slurm task or recognize an orphaned local worker.
public struct TaskHandle: Sendable, Equatable, Codable {
    public var runID: Int64
    public var executor: ExecutorKind
    /// Local: the worker's pid and start time (`WorkerCommand.startTime(of:)`).
    public var pid: Int32?
    public var startTime: Int64?
    /// Slurm: `<array job>_<task>`, the array's job id and the task's index in it.
    public var jobID: String?
    public var arrayJobID: Int64?
    public var arrayTaskID: Int64?

    public init(runID: Int64, executor: ExecutorKind, pid: Int32? = nil, startTime: Int64? = nil, jobID: String? = nil,
                arrayJobID: Int64? = nil, arrayTaskID: Int64? = nil) {
        self.runID = runID
        self.executor = executor
        self.pid = pid
        self.startTime = startTime
        self.jobID = jobID
        self.arrayJobID = arrayJobID
        self.arrayTaskID = arrayTaskID
    }
}

/// Where a task stands.
public enum TaskState: Sendable, Equatable {
    /// Submitted, not started (Slurm PENDING, or requeued and pending again).
    case waiting
    /// Its command is running.
    case running
    /// Its command ended; the runner now reads the result file.
    case ended(TaskExit)
}

/// How a task's command ended.
public enum TaskExit: Sendable, Equatable {
    /// It exited with this status.
    case exited(Int32)
    /// A signal killed it (kill -9, the OOM killer, a time limit without a checkpoint).
    case signalled(Int32)
    /// The executor lost it without an exit status (cancelled while pending, a node failure).
    case unknown(String)
}

/// An executor could not do what was asked; says what to fix.
public struct ExecutorError: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
    public var errorDescription: String? { message }
}
