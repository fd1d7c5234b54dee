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
    /// The worker's latest progress (tokens, loss, tokens/s, ETA), nil until it has reported.
    public var progress: TrainingProgress?
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
}

/// How a `run` call ended.
public struct RunnerSummary: Sendable, Codable, Equatable {
    public var finished: Int
    public var byState: [String: Int]
    /// True when a stop request ended it before the queue was empty.
    public var stopped: Bool
}
