import Foundation
import GRDB
import ScalingLaws
import Trainer

/// Which N a query returns: all parameters (Chinchilla) or non-embedding (Kaplan).
public enum ParameterConvention: String, Sendable, Codable, CaseIterable {
    case total
    case nonEmbedding = "non-embedding"
}

/// Counts by state and the compute planned and done, for `ladder status` and the runner.
public struct StoreSummary: Sendable, Codable, Equatable {
    public var runs: Int
    public var byState: [String: Int]
    /// Planned training FLOPs of every run that is not imported.
    public var plannedFLOPs: Double
    /// FLOPs of the planned runs that are done.
    public var doneFLOPs: Double
    public var sweeps: Int
    public var fits: Int
}

// MARK: - Sweeps, runs and curves

extension RunStore {
    /// All sweeps, oldest first.
    public func sweeps() throws(StoreError) -> [Sweep] {
        try read { db in try db.fetchAll(Sweep.self, sql: "SELECT * FROM sweep ORDER BY id") }
    }

    /// The runs of one sweep (or of all), by id.
    ///
    /// Throws `StoreError.corruptColumn` if a run's config or record JSON does not decode (as do
    /// `run(id:)`, `claimNextRun` and `abandonedRuns`), naming the run and the column.
    public func runs(sweep: Int64? = nil) throws(StoreError) -> [StoredRun] {
        let runs = try read { db in
            if let sweep { return try db.fetchAll(StoredRun.self, sql: "SELECT * FROM run WHERE sweep_id = ? ORDER BY id", arguments: [sweep]) }
            return try db.fetchAll(StoredRun.self, sql: "SELECT * FROM run ORDER BY id")
        }
        for r in runs { try r.checkColumns(path: path) }
        return runs
    }

    /// One run; throws `noSuchRun` if the id is not in the store.
    public func run(id: Int64) throws(StoreError) -> StoredRun {
        let path = self.path
        let run = try read { db in
            guard let r = try db.fetch(StoredRun.self, id: id) else { throw StoreError.noSuchRun(path: path, id: id) }
            return r
        }
        try run.checkColumns(path: path)
        return run
    }

    /// The learning curve of one run, by step.
    public func curve(run id: Int64) throws(StoreError) -> [StoredCurvePoint] {
        try read { db in
            try db.fetchAll(StoredCurvePoint.self, sql: "SELECT * FROM curve_point WHERE run_id = ? ORDER BY step", arguments: [id])
        }
    }

    /// Every learning-curve point of every done run, grouped by run id.
    public func curves() throws(StoreError) -> [Int64: [StoredCurvePoint]] {
        let points = try read { db in
            try db.fetchAll(StoredCurvePoint.self, sql: """
                SELECT curve_point.* FROM curve_point JOIN run ON run.id = curve_point.run_id
                WHERE run.status = 'done' ORDER BY curve_point.run_id, curve_point.step
                """)
        }
        return Dictionary(grouping: points, by: \.runID)
    }

    /// The finished runs (done, with a final validation loss) as measurements for the fitter:
    /// N in `convention`, D and C as trained, loss in nats per token. Ordered by run id, so the
    /// same store always gives the same content hash.
    ///
    /// Throws `StoreError.corruptColumn` for a value that is not a positive finite number (a
    /// store written before import refused C = 6ND overflowing, or edited by hand): the fitter
    /// and the planner cannot use it, and guessing would hide it.
    public func measurements(convention: ParameterConvention = .total, sweep: Int64? = nil)
        throws(StoreError) -> [Observation]
    {
        var out: [Observation] = []
        for r in try runs(sweep: sweep) {
            guard r.status == .done, let loss = r.finalValidationLoss else { continue }
            let N = convention == .total ? r.parameters : r.nonEmbeddingParameters
            guard let N else { continue }
            let columns: [(String, Double?)] = [
                (convention == .total ? "parameters" : "non_embedding_parameters", N), ("tokens", r.tokens),
                ("flops", r.flops), ("unique_tokens", r.uniqueTokens), ("final_validation_loss", loss),
            ]
            for case let (column, x?) in columns where !(x.isFinite && x > 0) {
                throw .corruptColumn(path: path, table: "run", id: r.id ?? 0, column: column,
                                     detail: "\(x) is not a positive finite number")
            }
            out.append(Observation(parameters: N, tokens: r.tokens, compute: r.flops,
                                   uniqueTokens: r.uniqueTokens, loss: loss))
        }
        return out
    }

    /// Counts by state and compute planned and done.
    public func summary() throws(StoreError) -> StoreSummary {
        try read { db in
            let rows = try db.fetchRows(sql: "SELECT status, COUNT(*) AS n FROM run GROUP BY status", arguments: [])
            var byState: [String: Int] = [:]
            for row in rows { byState[row["status"]] = row["n"] }
            // COALESCE(SUM) rather than SQLite's TOTAL: the same in both dialects (0 without rows).
            let planned = try db.values(Double.self, sql: "SELECT COALESCE(SUM(flops), 0) FROM run WHERE config_json IS NOT NULL").first ?? 0
            let done = try db.values(Double.self, sql: "SELECT COALESCE(SUM(flops), 0) FROM run WHERE config_json IS NOT NULL AND status = 'done'").first ?? 0
            return StoreSummary(runs: byState.values.reduce(0, +), byState: byState, plannedFLOPs: planned,
                                doneFLOPs: done, sweeps: try db.count("sweep"), fits: try db.count("fit"))
        }
    }

    /// The planned runs' progress for the runner's display, in one query (no JSON decoded, so
    /// it stays cheap on a ladder of thousands of runs): planned runs, those done, the FLOPs of
    /// planned runs not failed or diverged, and the FLOPs of those done.
    public func plannedProgress() throws(StoreError) -> (runs: Int, done: Int, flops: Double, doneFLOPs: Double) {
        try read { db in
            let row = try db.fetchRows(sql: """
                SELECT COUNT(*) AS runs, COALESCE(SUM(CASE WHEN status = 'done' THEN 1 ELSE 0 END), 0) AS done,
                COALESCE(SUM(CASE WHEN status IN ('failed', 'diverged') THEN 0 ELSE flops END), 0) AS flops,
                COALESCE(SUM(CASE WHEN status = 'done' THEN flops ELSE 0 END), 0) AS done_flops
                FROM run WHERE config_json IS NOT NULL
                """, arguments: []).first
            guard let row else { return (0, 0, 0, 0) }
            return (Int(row["runs"] as Int64? ?? 0), Int(row["done"] as Int64? ?? 0),
                    row["flops"] as Double? ?? 0, row["done_flops"] as Double? ?? 0)
        }
    }

    /// Saves a fit; returns its id.
    @discardableResult
    public func save(_ fit: StoredFit) throws(StoreError) -> Int64 {
        try write { db in
            var f = fit
            try db.insert(&f)
            return f.id!
        }
    }

    /// All saved fits, oldest first.
    /// Throws `StoreError.corruptColumn` if a fit's parameters or intervals JSON does not decode.
    public func fits() throws(StoreError) -> [StoredFit] {
        let fits = try read { db in try db.fetchAll(StoredFit.self, sql: "SELECT * FROM fit ORDER BY id") }
        for f in fits { try f.checkColumns(path: path) }
        return fits
    }

    /// Inserts a sweep and its runs in one transaction; returns the sweep with its id and the runs.
    func insert(_ sweep: Sweep, runs: [StoredRun]) throws(StoreError) -> (Sweep, [StoredRun]) {
        try insert([(sweep, runs)])[0]
    }

    /// Inserts several sweeps and their runs in one transaction: all of them or none.
    func insert(_ sweeps: [(Sweep, [StoredRun])]) throws(StoreError) -> [(Sweep, [StoredRun])] {
        try write { db in
            try sweeps.map { sweep, runs in
                var s = sweep
                try db.insert(&s)
                let stored = try runs.map { run -> StoredRun in
                    var r = run
                    r.sweepID = s.id!
                    try db.insert(&r)
                    return r
                }
                return (s, stored)
            }
        }
    }
}

// MARK: - What the runner writes

extension RunStore {
    /// Takes the next run to train, in one transaction, so two runners never take the same run:
    /// interrupted runs first (they have checkpoints), then queued ones by increasing FLOPs.
    /// On PostgreSQL the run is selected `FOR UPDATE SKIP LOCKED`: runners claiming at the same
    /// time each lock a different run, without waiting for one another.
    /// Marks it `running` under `runnerPID`, counts the attempt, and on a first start fixes its
    /// thread count to `threads` (a resumed run keeps the threads it started with, because the
    /// order of floating-point sums, and so a bitwise resume, depends on them).
    /// `runnerStartTime` (`WorkerCommand.startTime(of:)`) is kept with the pid, so a later runner
    /// can tell this runner from another process that reuses its pid.
    public func claimNextRun(runnerPID: Int32, runnerStartTime: Int64? = nil, threads: Int,
                             maxAttempts: Int) throws(StoreError) -> StoredRun? {
        let path = self.path
        return try write { db in
            // SQLite: the write transaction holds the whole store, so the select is enough.
            let lock = db.dialect == .postgresql ? " FOR UPDATE SKIP LOCKED" : ""
            guard var run = try db.fetchOne(StoredRun.self, sql: """
                SELECT * FROM run WHERE config_json IS NOT NULL AND attempts < ?
                AND status IN ('queued', 'interrupted')
                ORDER BY status = 'interrupted' DESC, flops NULLS FIRST, id LIMIT 1
                """ + lock, arguments: [maxAttempts]) else { return nil }
            try run.checkColumns(path: path)   // throwing rolls back: the run stays as it was
            if run.startedAt == nil, var config = run.trainingConfig {
                config.threads = threads
                run.configJSON = try StoreJSON.encode(config, what: "run \(run.id ?? 0)'s config_json")
                run.startedAt = Date()
            }
            run.status = .running
            run.runnerPID = Int64(runnerPID)
            run.runnerStartTime = runnerStartTime
            run.runnerHost = WorkerCommand.hostName
            run.workerPID = nil
            run.workerStartTime = nil
            // Until `setTask` records this launch, the run has no task: an old Slurm job id must
            // not make a later recovery re-attach to a task of an earlier attempt.
            run.executor = nil
            run.jobID = nil
            run.arrayJobID = nil
            run.arrayTaskID = nil
            run.heartbeat = Date()
            run.attempts += 1
            try db.update(run)
            return run
        }
    }

    /// Gives back a run this runner claimed but could not launch (the executor refused the
    /// submission: no `sbatch`, a wrong partition): the attempt is not counted and the run is
    /// `queued` again, or `interrupted` when it had run before, so nothing about it changed
    /// but its message.
    public func unclaim(run id: Int64, message: String) throws(StoreError) {
        try write { db in
            try db.execute(sql: """
                UPDATE run SET status = CASE WHEN attempts > 1 THEN 'interrupted' ELSE 'queued' END,
                started_at = CASE WHEN attempts > 1 THEN started_at ELSE NULL END, attempts = attempts - 1,
                runner_pid = NULL, runner_start_time = NULL, worker_pid = NULL, worker_start_time = NULL, message = ?, heartbeat = ?
                WHERE id = ? AND status = 'running'
                """, arguments: [message, Date(), id])
        }
    }

    /// Records the worker process of a running run, and whether it continues from a checkpoint.
    /// `startTime` is the worker's start time (`WorkerCommand.startTime(of:)`), kept with its pid.
    public func setWorker(run id: Int64, pid: Int32, startTime: Int64? = nil, resumed: Bool, checkpoint: String,
                          record: String) throws(StoreError) {
        try write { db in
            try db.execute(sql: """
                UPDATE run SET worker_pid = ?, worker_start_time = ?, heartbeat = ?, resumes = resumes + ?, checkpoint_path = ?,
                record_path = ? WHERE id = ?
                """, arguments: [Int64(pid), startTime, Date(), resumed ? 1 : 0, checkpoint, record, id])
        }
    }

    /// Records where a running run's task was launched: its executor and handle (a local
    /// worker's pid and start time, or Slurm's job, array and task ids), whether it continues
    /// from a checkpoint, its files, and the command line it runs.
    public func setTask(run id: Int64, handle h: TaskHandle, resumed: Bool, files: RunFiles, command: String) throws(StoreError) {
        try write { db in
            try db.execute(sql: """
                UPDATE run SET executor = ?, worker_pid = ?, worker_start_time = ?, job_id = ?, array_job_id = ?,
                array_task_id = ?, heartbeat = ?, resumes = resumes + ?, checkpoint_path = ?, record_path = ?, log_path = ?,
                command = ? WHERE id = ?
                """, arguments: [h.executor.rawValue, h.pid.map { Int64($0) }, h.startTime, h.jobID, h.arrayJobID, h.arrayTaskID,
                                 Date(), resumed ? 1 : 0, files.checkpoint, files.record, files.log, command, id])
        }
    }

    /// Makes runner `runnerPID` the owner of a running run whose runner is gone (a Slurm task it
    /// re-attaches to), so the run is no longer abandoned.
    public func adopt(run id: Int64, runnerPID: Int32, runnerStartTime: Int64?) throws(StoreError) {
        try write { db in
            try db.execute(sql: """
                UPDATE run SET runner_pid = ?, runner_start_time = ?, runner_host = ?, heartbeat = ? WHERE id = ? AND status = 'running'
                """, arguments: [Int64(runnerPID), runnerStartTime, WorkerCommand.hostName, Date(), id])
        }
    }

    /// Marks that the runner `runnerPID` is alive and its running runs are being trained.
    public func heartbeat(runnerPID: Int32) throws(StoreError) {
        try write { db in
            try db.execute(sql: """
                UPDATE run SET heartbeat = ? WHERE status = 'running' AND runner_pid = ? AND (runner_host = ? OR runner_host IS NULL)
                """, arguments: [Date(), Int64(runnerPID), WorkerCommand.hostName])
        }
    }

    /// Sets a run's state and message (a failure, an interruption), clearing its worker.
    public func mark(run id: Int64, _ state: RunState, message: String) throws(StoreError) {
        try write { db in
            try db.execute(sql: "UPDATE run SET status = ?, message = ?, worker_pid = NULL, worker_start_time = NULL, heartbeat = ? WHERE id = ?",
                           arguments: [state.rawValue, message, Date(), id])
        }
    }

    /// Marks runs whose tasks `ladder cancel` cancelled `interrupted`, in one transaction: only
    /// runs still `running` (one that finished meanwhile keeps its result), and the cancelled
    /// attempt is not counted, so a run on its last attempt can still be resumed.
    public func cancelled(runs ids: [Int64], message: (Int64) -> String) throws(StoreError) {
        let messages = ids.map { ($0, message($0)) }
        try write { db in
            for (id, m) in messages {
                try db.execute(sql: """
                    UPDATE run SET status = 'interrupted', message = ?, attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END,
                    worker_pid = NULL, worker_start_time = NULL, heartbeat = ? WHERE id = ? AND status = 'running'
                    """, arguments: [m, Date(), id])
            }
        }
    }

    /// Stores a worker's record: the state it ended in, final losses, timings, actual tokens and
    /// FLOPs, the learning curve and the task evaluations (both replacing any earlier rows), in
    /// one transaction.
    public func record(run id: Int64, _ r: RunRecord) throws(StoreError) {
        let path = self.path
        try write { db in
            guard var run = try db.fetch(StoredRun.self, id: id) else { throw StoreError.noSuchRun(path: path, id: id) }
            switch r.status {
            case .completed: run.status = .done; run.finishedAt = Date()
            case .diverged: run.status = .diverged; run.finishedAt = Date()
            case .interrupted: run.status = .interrupted
            }
            run.message = r.message
            run.parameters = Double(r.parameters)
            run.nonEmbeddingParameters = Double(r.nonEmbeddingParameters)
            if r.status == .completed {
                run.tokens = Double(r.tokens); run.flops = r.flops
                // Byte-level: the training split's bytes are the unique tokens U a run can see, or
                // its cap (`--unique-tokens`) when it has one; with D > U it repeated data (the
                // data-constrained law, `fit --law data-constrained`).
                run.uniqueTokens = Double(r.data.uniqueTokens ?? r.data.trainBytes)
            }
            run.wallSeconds = r.wallSeconds
            run.tokensPerSecond = r.tokensPerSecond
            run.finalTrainLoss = r.finalTrainLoss
            run.finalValidationLoss = r.finalValidationLoss
            run.finalBitsPerByte = r.finalValidationBitsPerByte
            run.workerPID = nil
            run.workerStartTime = nil
            run.heartbeat = Date()
            if r.status != .interrupted { run.recordJSON = try StoreJSON.encode(r, what: "run \(id)'s record_json") }
            try db.update(run)
            try db.execute(sql: "DELETE FROM curve_point WHERE run_id = ?", arguments: [id])
            // A diverged run's non-finite losses stay in its record_json; SQLite cannot hold NaN
            // in these NOT NULL columns, and fits and figures want finite points.
            for p in r.learningCurve where [p.trainLoss, p.validationLoss, p.validationBitsPerByte].allSatisfy(\.isFinite) {
                try db.insert(StoredCurvePoint(runID: id, step: p.step, tokens: Double(p.tokens), flops: r.flopsPerToken * Double(p.tokens),
                                     trainLoss: p.trainLoss, validationLoss: p.validationLoss,
                                     validationBitsPerByte: p.validationBitsPerByte, learningRate: p.learningRate,
                                     gradientNoise: p.gradientNoise))
            }
            try Self.replaceEvaluations(run: id, with: r.evaluations ?? [], in: db)
        }
    }

    /// Stores any trainer's result (`TrainerResult`, checked with `problem()` by the caller): the
    /// state it ended in, N, D, C, final losses, task metrics, learning curve and task evaluations
    /// (`TrainerResult.taskEvaluations(plannedTokens:)`: its `evaluations` and its `metrics`,
    /// replacing any earlier rows), in one transaction. C defaults to the planned FLOPs scaled by
    /// tokens trained over planned.
    public func record(run id: Int64, trainer r: TrainerResult) throws(StoreError) {
        let path = self.path
        try write { db in
            guard var run = try db.fetch(StoredRun.self, id: id) else { throw StoreError.noSuchRun(path: path, id: id) }
            let plannedTokens = run.tokens, plannedFLOPs = run.flops
            switch r.status {
            case .completed: run.status = .done; run.finishedAt = Date()
            case .diverged: run.status = .diverged; run.finishedAt = Date()
            case .interrupted: run.status = .interrupted
            case .failed: run.status = .failed; run.finishedAt = Date()
            }
            run.message = r.message ?? (r.status == .completed ? "completed" : r.status.rawValue)
            if let n = r.parameters { run.parameters = n }
            if let n = r.nonEmbeddingParameters { run.nonEmbeddingParameters = n }
            if r.status == .completed {
                if let d = r.tokens {
                    run.tokens = d
                    if let c = r.flops { run.flops = c } else if let c = plannedFLOPs, let d0 = plannedTokens, d0 > 0 { run.flops = c * d / d0 }
                }
                if let u = r.uniqueTokens { run.uniqueTokens = u }
                run.finalValidationLoss = r.finalLoss
                run.finalBitsPerByte = r.finalLoss.map { $0 / log(2) }
                run.finalTrainLoss = r.trainLoss
            } else if r.status == .diverged {
                run.finalValidationLoss = nil
            }
            run.wallSeconds = r.wallSeconds
            if let w = r.wallSeconds, w > 0, let d = r.tokens { run.tokensPerSecond = d / w }
            run.metricsJSON = try r.metrics.map { m throws(StoreError) in try StoreJSON.encode(m, what: "run \(id)'s metrics_json") }
            run.workerPID = nil
            run.workerStartTime = nil
            run.heartbeat = Date()
            try db.update(run)
            try db.execute(sql: "DELETE FROM curve_point WHERE run_id = ?", arguments: [id])
            let flopsPerToken = (run.flops ?? 0) / max(run.tokens ?? 1, 1)
            for (i, p) in (r.learningCurve ?? []).enumerated() where p.loss.isFinite {
                try db.insert(StoredCurvePoint(runID: id, step: p.step ?? i, tokens: p.tokens, flops: flopsPerToken * p.tokens,
                                     trainLoss: p.trainLoss.flatMap { $0.isFinite ? $0 : nil } ?? p.loss, validationLoss: p.loss,
                                     validationBitsPerByte: p.loss / log(2), learningRate: p.learningRate ?? 0,
                                     gradientNoise: p.gradientNoise))
            }
            try Self.replaceEvaluations(run: id, with: r.taskEvaluations(plannedTokens: plannedTokens), in: db)
        }
    }

    /// Runs marked `running` by a runner that is no longer alive (`isAlive(runnerPID)` false):
    /// what a new runner must recover before it starts. Looks at the pid alone; the runner uses
    /// `abandonedRuns(isRunning:)`, which also compares start times.
    public func abandonedRuns(isAlive: @Sendable (Int32) -> Bool) throws(StoreError) -> [StoredRun] {
        try abandonedRuns(isRunning: { pid, _ in isAlive(pid) })
    }

    /// Runs marked `running` by a runner that is no longer running: `isRunning(runnerPID,
    /// runnerStartTime)` false (`WorkerCommand.isAlive(_:startedAt:)`: a live process that reused
    /// the pid has another start time, so its runs are recovered too).
    ///
    /// A row of schema 1 has no start time, so its pid alone cannot tell its runner from a
    /// process that reused the pid: such a run is also abandoned when its heartbeat (which a live
    /// runner writes every 2 s) is older than `lease` seconds.
    ///
    /// A run claimed by a runner on another host (a PostgreSQL store shared by several machines)
    /// cannot be judged by its pid here: it is abandoned only when its heartbeat is older than
    /// `remoteLease` seconds (a live runner beats at every poll, at least every 5 minutes).
    public func abandonedRuns(isRunning: @Sendable (_ pid: Int32, _ startTime: Int64?) -> Bool,
                              lease: TimeInterval = 600, remoteLease: TimeInterval = 900) throws(StoreError) -> [StoredRun] {
        let running = try read { db in
            try db.fetchAll(StoredRun.self, sql: "SELECT * FROM run WHERE status = 'running' ORDER BY id")
        }
        for r in running { try r.checkColumns(path: path) }
        let now = Date()
        let host = WorkerCommand.hostName
        return running.filter { r in
            guard let pid = r.runnerPID else { return true }
            if let other = r.runnerHost, other != host {
                guard let beat = r.heartbeat else { return true }
                return now.timeIntervalSince(beat) > remoteLease
            }
            if r.runnerStartTime == nil, let beat = r.heartbeat, now.timeIntervalSince(beat) > lease { return true }
            return !isRunning(Int32(pid), r.runnerStartTime)
        }
    }
}

extension StoredRun {
    /// The planned run's training configuration (nil for imported runs).
    ///
    /// The store checks this column whenever it reads a run (`runs`, `run(id:)`, `claimNextRun`,
    /// `abandonedRuns`) and throws `StoreError.corruptColumn`, naming the run and the column, for
    /// one that does not decode; so for a run read from the store, nil means "no config", never
    /// "unreadable". (The `try?` below cannot fail for such a run.)
    public var trainingConfig: TrainingConfig? {
        try? StoreJSON.decode(TrainingConfig.self, from: configJSON, path: "", table: "run", id: id, column: "config_json")
    }

    /// The full record of a finished run (nil until done or diverged, and for imports); checked
    /// on every read like `trainingConfig`.
    public var runRecord: RunRecord? {
        try? StoreJSON.decode(RunRecord.self, from: recordJSON, path: "", table: "run", id: id, column: "record_json")
    }

    /// Task metrics its trainer reported (nil without); checked on every read like `trainingConfig`.
    public var metrics: [String: Double]? {
        try? StoreJSON.decode([String: Double].self, from: metricsJSON, path: "", table: "run", id: id, column: "metrics_json")
    }

    /// Throws `corruptColumn` for a config, record or metrics column that does not decode.
    func checkColumns(path: String) throws(StoreError) {
        _ = try StoreJSON.decode(TrainingConfig.self, from: configJSON, path: path, table: "run", id: id, column: "config_json")
        _ = try StoreJSON.decode(RunRecord.self, from: recordJSON, path: path, table: "run", id: id, column: "record_json")
        _ = try StoreJSON.decode([String: Double].self, from: metricsJSON, path: path, table: "run", id: id, column: "metrics_json")
    }
}
