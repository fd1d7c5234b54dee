import Foundation
import Trainer

/// How to run a ladder's queued runs.
public struct RunnerOptions: Sendable {
    /// The `scalelab` executable the workers run (`WorkerCommand.currentExecutable()`).
    public var executable: String
    /// Worker processes at once. Workers × threads per worker should equal the cores.
    public var workers: Int
    /// Threads of a run's first start, fixed in its stored config (a resumed run keeps the threads it started with).
    public var threadsPerWorker: Int
    /// The corpus every worker trains on (`scalelab worker --data`).
    public var data: String
    /// Where records (`run-<id>.json`), checkpoints (`run-<id>.ckpt`) and logs go.
    public var workDirectory: String
    /// Launches per run before a run that keeps crashing is marked failed.
    public var maxAttempts = 3
    /// How often the runner looks at its workers and the stop flag (seconds).
    public var pollInterval = 0.05
    /// How long one store operation of the runner may wait in all for another process's lock
    /// (a long import, a `sqlite3` shell) before the runner stops its workers cleanly and exits
    /// (seconds). Each attempt also waits the store's busy timeout.
    public var lockTimeout: Double = 120
    /// The user's training command (`ladder run --train-command`); nil trains with ScaleLab's
    /// own worker (`scalelab worker`).
    public var trainCommand: TrainCommandTemplate?

    public init(executable: String, workers: Int, threadsPerWorker: Int, data: String, workDirectory: String) {
        precondition(workers >= 1 && threadsPerWorker >= 1, "workers \(workers) and threads \(threadsPerWorker) must be at least 1")
        self.executable = executable
        self.workers = workers
        self.threadsPerWorker = threadsPerWorker
        self.data = data
        self.workDirectory = workDirectory
    }

    /// The default folder next to a store: `scalelab.sqlite` → `scalelab.sqlite.runs/`.
    public static func defaultWorkDirectory(store: String) -> String { store + ".runs" }
}

/// What a worker is doing, for the per-worker progress line.
public struct WorkerStatus: Sendable, Equatable {
    public var runID: Int64
    public var pid: Int32
    public var shape: String
    public var flops: Double
    public var seconds: Double
    public var resumed: Bool
    /// Slurm's `<array job>_<task>`, for a run on Slurm.
    public var jobID: String?
    /// The worker's latest progress (tokens, loss, tokens/s, ETA), nil until it has reported.
    public var progress: TrainingProgress?
}

extension WorkerStatus {
    /// `transformer L=2 d=64 N=124672 D=2000000`: a run's shape for progress lines.
    static func shape(of c: TrainingConfig) -> String {
        "\(c.shape.architecture.rawValue) L=\(c.shape.layers) d=\(c.shape.dModel) N=\(c.shape.parameterCount) D=\(c.tokens)"
    }
}

/// The overall state, for the progress bar: runs and FLOPs done of the total, and the ETA from
/// this session's measured FLOP rate (FLOPs of runs finished in this session ÷ seconds since start).
public struct RunnerProgress: Sendable, Equatable {
    public var runsDone: Int
    public var runsTotal: Int
    public var flopsDone: Double
    public var flopsTotal: Double
    public var etaSeconds: Double?
    public var workers: [WorkerStatus]
}

/// Something the runner did, for logs and progress displays.
public enum RunnerEvent: Sendable {
    case recovered(runID: Int64, message: String)
    case started(WorkerStatus)
    case finished(runID: Int64, state: RunState, message: String)
    case progress(RunnerProgress)
    /// The store is locked by another process; the runner waits (said once per wait).
    case waiting(message: String)
}

/// The store stayed locked by another process past `RunnerOptions.lockTimeout`. The runner
/// stopped its workers cleanly (each checkpointed and wrote an `interrupted` record) and waited
/// for them; what it could not store is in their record files, which the next `ladder run`
/// stores before it resumes the runs.
public struct RunnerLockTimeout: Error, Sendable, CustomStringConvertible, LocalizedError {
    public var path: String
    public var seconds: Double
    public var detail: String
    /// Runs whose workers were stopped.
    public var stoppedRuns: [Int64]
    /// Runs whose worker's record could not be stored (still `running` in the store, with a dead runner).
    public var unrecordedRuns: [Int64]
    public var workDirectory: String

    public var description: String {
        func list(_ ids: [Int64]) -> String { ids.map(String.init).joined(separator: ", ") }
        var s = "\(path): the store stayed locked by another process for more than \(Int(seconds.rounded())) s (SQLite: \(detail)); "
            + "the runner stopped"
        if !stoppedRuns.isEmpty { s += " its workers (run\(stoppedRuns.count == 1 ? "" : "s") \(list(stoppedRuns)), each checkpointed)" }
        if !unrecordedRuns.isEmpty {
            s += "; the records of run\(unrecordedRuns.count == 1 ? "" : "s") \(list(unrecordedRuns)) wait in \(workDirectory)"
        }
        return s + ". Let the other process finish (or stop it), then run `scalelab ladder run` again: it stores what the "
            + "workers left and resumes; nothing was lost. --lock-timeout sets how long the runner waits"
    }

    public var errorDescription: String? { description }
}

/// The runner cannot go on for a reason other than the store (an executor that stays
/// unreachable, say); the message says what to do.
public struct RunnerError: Error, Sendable, CustomStringConvertible, LocalizedError {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
    public var errorDescription: String? { message }
}

/// How a `run` call ended.
public struct RunnerSummary: Sendable, Codable, Equatable {
    public var finished: Int
    public var byState: [String: Int]
    /// True when a stop request ended it before the queue was empty.
    public var stopped: Bool
}
