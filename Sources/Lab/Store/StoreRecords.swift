import Foundation
import GRDB
import Trainer

/// Where a run stands in the store.
public enum RunState: String, Sendable, Codable, CaseIterable, DatabaseValueConvertible {
    /// Planned, not started.
    case queued
    /// A worker process is training it (see `workerPID`, `heartbeat`).
    case running
    /// Trained the whole budget; has final losses.
    case done
    /// The worker failed for a reason a retry will not fix, or crashed too often (see `message`).
    case failed
    /// Stopped (Ctrl-C, SIGTERM, a killed worker or runner); `ladder run` continues it from its checkpoint.
    case interrupted
    /// The loss became NaN or infinite; not retried.
    case diverged

    /// States a run never leaves by itself.
    public var isFinal: Bool { self == .done || self == .failed || self == .diverged }
}

/// One sweep: a ladder plan or one imported file.
public struct Sweep: Sendable, Codable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "sweep"
    public var id: Int64?
    public var name: String
    /// `isoflop`, `fixed-size`, `fixed-data` or `import`.
    public var kind: String
    /// The plan (`LadderPlan`) or the import's description, as JSON.
    public var specJSON: String
    public var scalelabVersion: String
    public var createdAt: Date

    enum CodingKeys: String, CodingKey {
        case id, name, kind
        case specJSON = "spec_json", scalelabVersion = "scalelab_version", createdAt = "created_at"
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// One run in the store: planned (with its `TrainingConfig`) or imported (numbers only).
///
/// `parameters` is N counting every parameter (Chinchilla's convention), `nonEmbeddingParameters`
/// Kaplan's N; `tokens` and `flops` are the planned D and C until the run is done, then the
/// tokens and FLOPs actually trained.
public struct StoredRun: Sendable, Codable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "run"
    public var id: Int64?
    public var sweepID: Int64
    public var configJSON: String?
    public var arch: String?
    public var seed: Int64?
    public var parameters: Double
    public var nonEmbeddingParameters: Double?
    public var tokens: Double?
    public var flops: Double?
    public var budget: Double?
    public var uniqueTokens: Double?
    public var status: RunState
    public var message: String?
    public var createdAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?
    public var wallSeconds: Double?
    public var tokensPerSecond: Double?
    public var finalTrainLoss: Double?
    public var finalValidationLoss: Double?
    public var finalBitsPerByte: Double?
    public var checkpointPath: String?
    public var recordPath: String?
    public var workerPID: Int64?
    public var runnerPID: Int64?
    /// Start times (clock ticks since boot, `/proc/<pid>/stat` field 22) of the runner and the
    /// worker: a pid with its start time survives pid reuse. Nil in rows of schema 1.
    public var runnerStartTime: Int64?
    public var workerStartTime: Int64?
    public var heartbeat: Date?
    public var attempts: Int = 0
    public var resumes: Int = 0
    public var recordJSON: String?
    /// `local` or `slurm` once launched (schema 3).
    public var executor: String?
    /// Slurm's `<array job>_<task>` of the run's latest launch; nil locally.
    public var jobID: String?
    public var arrayJobID: Int64?
    public var arrayTaskID: Int64?
    /// The run's log file.
    public var logPath: String?
    /// The training command line of its latest launch.
    public var command: String?
    /// Task metrics from the trainer's result file, `{"name": value}` JSON.
    public var metricsJSON: String?
    /// The host of `runnerPID` (schema 4): a pid is only checked on its own host.
    public var runnerHost: String?

    enum CodingKeys: String, CodingKey {
        case id, arch, seed, parameters, tokens, flops, budget, status, message, heartbeat, attempts, resumes
        case sweepID = "sweep_id", configJSON = "config_json", nonEmbeddingParameters = "non_embedding_parameters"
        case uniqueTokens = "unique_tokens", createdAt = "created_at", startedAt = "started_at"
        case finishedAt = "finished_at", wallSeconds = "wall_seconds", tokensPerSecond = "tokens_per_second"
        case finalTrainLoss = "final_train_loss", finalValidationLoss = "final_validation_loss"
        case finalBitsPerByte = "final_bits_per_byte", checkpointPath = "checkpoint_path"
        case recordPath = "record_path", workerPID = "worker_pid", runnerPID = "runner_pid"
        case runnerStartTime = "runner_start_time", workerStartTime = "worker_start_time"
        case recordJSON = "record_json"
        case executor, command, jobID = "job_id", arrayJobID = "array_job_id", arrayTaskID = "array_task_id"
        case logPath = "log_path", metricsJSON = "metrics_json", runnerHost = "runner_host"
    }

    public init(sweepID: Int64, parameters: Double, status: RunState, createdAt: Date) {
        self.sweepID = sweepID
        self.parameters = parameters
        self.status = status
        self.createdAt = createdAt
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// One learning-curve point of a run, with the training FLOPs spent to reach it.
public struct StoredCurvePoint: Sendable, Codable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "curve_point"
    public var runID: Int64
    public var step: Int
    public var tokens: Double
    /// Training FLOPs after `tokens` tokens: flops per token × tokens.
    public var flops: Double
    public var trainLoss: Double
    public var validationLoss: Double
    public var validationBitsPerByte: Double
    public var learningRate: Double
    /// The gradient noise measured over the steps since the run's previous point
    /// (`GradientNoise`: the mean estimates of |G|² and tr(Σ), and how many steps were measured);
    /// nil when the run did not measure it.
    public var gradientSquaredNorm: Double?
    public var gradientNoiseTrace: Double?
    public var noiseMeasurements: Int?

    public init(runID: Int64, step: Int, tokens: Double, flops: Double, trainLoss: Double, validationLoss: Double,
                validationBitsPerByte: Double, learningRate: Double, gradientNoise: GradientNoise? = nil) {
        self.runID = runID; self.step = step; self.tokens = tokens; self.flops = flops; self.trainLoss = trainLoss
        self.validationLoss = validationLoss; self.validationBitsPerByte = validationBitsPerByte; self.learningRate = learningRate
        self.gradientSquaredNorm = gradientNoise?.gradientSquaredNorm
        self.gradientNoiseTrace = gradientNoise?.trace
        self.noiseMeasurements = gradientNoise?.measurements
    }

    /// The point's gradient noise, nil when not measured.
    public var gradientNoise: GradientNoise? {
        GradientNoise(gradientSquaredNorm: gradientSquaredNorm, trace: gradientNoiseTrace, measurements: noiseMeasurements)
    }

    enum CodingKeys: String, CodingKey {
        case step, tokens, flops
        case runID = "run_id", trainLoss = "train_loss", validationLoss = "validation_loss"
        case validationBitsPerByte = "validation_bits_per_byte", learningRate = "learning_rate"
        case gradientSquaredNorm = "gradient_squared_norm", gradientNoiseTrace = "gradient_noise_trace"
        case noiseMeasurements = "noise_measurements"
    }
}

/// A fit saved in the store: which law, by which method, on which data (the content hash of the
/// measurements), the parameters and their intervals, by which ScaleLab version and when.
public struct StoredFit: Sendable, Codable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "fit"
    public var id: Int64?
    public var law: String
    public var method: String
    public var dataHash: String
    public var points: Int
    /// `{"name": value}` JSON.
    public var parametersJSON: String
    /// `{"name": [low, high]}` JSON, or nil without intervals.
    public var intervalsJSON: String?
    public var scalelabVersion: String
    public var createdAt: Date

    enum CodingKeys: String, CodingKey {
        case id, law, method, points
        case dataHash = "data_hash", parametersJSON = "parameters_json", intervalsJSON = "intervals_json"
        case scalelabVersion = "scalelab_version", createdAt = "created_at"
    }

    /// Throws `StoreError.unencodable` if the parameters or intervals cannot be written as JSON.
    public init(law: String, method: String, dataHash: String, points: Int, parameters: [String: Double],
                intervals: [String: [Double]]?, scalelabVersion: String, createdAt: Date = Date()) throws(StoreError) {
        self.law = law
        self.method = method
        self.dataHash = dataHash
        self.points = points
        self.parametersJSON = try StoreJSON.encode(parameters, what: "the \(law) fit's parameters_json")
        self.intervalsJSON = try intervals.map { v throws(StoreError) in try StoreJSON.encode(v, what: "the \(law) fit's intervals_json") }
        self.scalelabVersion = scalelabVersion
        self.createdAt = createdAt
    }

    /// The fitted parameters by name. The store checks this column whenever it reads fits
    /// (`fits()` throws `StoreError.corruptColumn` for one that does not decode), so the `try?`
    /// below cannot fail for a fit read from the store.
    public var parameters: [String: Double] {
        (try? StoreJSON.decode([String: Double].self, from: parametersJSON, path: "", table: "fit", id: id, column: "parameters_json")) ?? [:]
    }

    /// The parameters' intervals by name (nil without intervals); checked like `parameters`.
    public var intervals: [String: [Double]]? {
        try? StoreJSON.decode([String: [Double]].self, from: intervalsJSON, path: "", table: "fit", id: id, column: "intervals_json")
    }

    /// Throws `corruptColumn` for a parameters or intervals column that does not decode.
    func checkColumns(path: String) throws(StoreError) {
        _ = try StoreJSON.decode([String: Double].self, from: parametersJSON, path: path, table: "fit", id: id, column: "parameters_json")
        _ = try StoreJSON.decode([String: [Double]].self, from: intervalsJSON, path: path, table: "fit", id: id, column: "intervals_json")
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
