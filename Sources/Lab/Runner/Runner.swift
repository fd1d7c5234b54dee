import Foundation
import LawFitting
import Trainer

/// Runs a store's queued and interrupted runs as child `scalelab worker` processes.
///
/// - Each run is claimed in one store transaction (`RunStore.claimNextRun`), so two runners on
///   one store never train the same run.
/// - Before each launch the runner writes the run's stored `TrainingConfig` to
///   `run-<id>.config.json` (atomically) and the worker trains exactly that value. A worker writes
///   its record to `run-<id>.json` and checkpoints every `config.checkpointEverySteps` steps to
///   `run-<id>.ckpt`; it always resumes from the checkpoint when there is one, so a relaunch
///   continues bitwise. The config file and the checkpoint are removed when the run completes.
/// - A worker killed by a signal marks its run `interrupted` (relaunched from its checkpoint,
///   up to `maxAttempts` launches, then `failed`); a worker that exits with an error and no
///   record marks it `failed` with the last line of its log; the other workers go on.
/// - `stop` (SIGINT/SIGTERM to the runner) sends SIGINT to every worker — each checkpoints
///   and writes an `interrupted` record — and waits for them; nothing is lost.
/// - On start, runs left `running` by a runner that died are recovered first: a still-living
///   orphan worker is asked to stop (SIGINT) and waited for; a complete record it left is
///   stored as done; otherwise the run becomes `interrupted` and resumes from its checkpoint.
public final class LadderRunner {
    let store: RunStore
    let options: RunnerOptions
    let stop: StopRequest
    let pid = getpid()
    /// This runner's start time, stored with its pid (survives pid reuse).
    lazy var startTime = WorkerCommand.startTime(of: getpid())

    struct Active {
        var run: StoredRun
        var process: Process
        var status: WorkerStatus
        var started: ContinuousClock.Instant
        var record: String
    }
    var active: [Active] = []
    var pendingLockDetail = "", pendingStop = false
    /// Runs this session finished (for a summary after a stop while the store was locked).
    var finishedCount = 0
    let clock = ContinuousClock()

    public init(store: RunStore, options: RunnerOptions, stop: StopRequest) {
        self.store = store
        self.options = options
        self.stop = stop
    }

    func paths(_ id: Int64) -> (record: String, checkpoint: String, log: String, progress: String, config: String) {
        let base = (options.workDirectory as NSString).appendingPathComponent("run-\(id)")
        return (base + ".json", base + ".ckpt", base + ".log", base + ".progress.json", base + ".config.json")
    }

    /// Trains until no run is left to claim or `stop` is requested; reports through `onEvent`.
    public func run(onEvent: (RunnerEvent) -> Void = { _ in }) throws -> RunnerSummary {
        do {
            try FileManager.default.createDirectory(atPath: options.workDirectory, withIntermediateDirectories: true)
        } catch {
            throw StoreError.cannotOpen(path: options.workDirectory, detail: "cannot create the runs folder: \(error.localizedDescription)")
        }
        do {
            return try trainAll(onEvent)
        } catch let timeout as LockTimeout {
            let (stopped, unrecorded) = stopWorkers(onEvent)
            if timeout.stopRequested {
                // Ctrl-C or SIGTERM while waiting for the lock: stopped as asked; what could not be
                // stored waits in the record files for the next `ladder run`.
                let byState = (try? store.summary().byState) ?? [:]
                return RunnerSummary(finished: finishedCount, byState: byState, stopped: true)
            }
            throw RunnerLockTimeout(path: store.path, seconds: options.lockTimeout, detail: timeout.detail,
                                    stoppedRuns: stopped, unrecordedRuns: unrecorded, workDirectory: options.workDirectory)
        } catch {
            _ = stopWorkers(onEvent)   // any other failure: still never leave a worker training on alone
            throw error
        }
    }

    /// The runner cannot go on (the store stayed locked past `lockTimeout`, or another error):
    /// never abandon a live worker. Stop every worker (SIGINT: it checkpoints and writes an
    /// `interrupted` record), wait for all, and store what each left if the store lets us now; a
    /// record not stored stays in its file, and the run stays `running` under this (then dead)
    /// runner, so the next `ladder run` recovers it. Returns the stopped and the unrecorded runs.
    func stopWorkers(_ onEvent: (RunnerEvent) -> Void) -> (stopped: [Int64], unrecorded: [Int64]) {
        let stopped = active.map { $0.run.id! }
        for a in active where a.process.isRunning { kill(a.process.processIdentifier, SIGINT) }
        for a in active { a.process.waitUntilExit() }
        var unrecorded: [Int64] = []
        for a in active {
            do {
                let (state, message) = try finish(a)
                onEvent(.finished(runID: a.run.id!, state: state, message: message))
            } catch {
                unrecorded.append(a.run.id!)
            }
        }
        active = []
        return (stopped, unrecorded)
    }

    /// A store operation waited for another process's lock longer than `lockTimeout`, or a stop
    /// was requested while it waited.
    struct LockTimeout: Error {
        var detail: String
        var stopRequested = false
    }

    /// Runs a store operation, retrying while another process holds the store's lock, for up to
    /// `options.lockTimeout` seconds in all; says once (`.waiting`) that it waits. Each attempt
    /// is one transaction, so a failed attempt left nothing.
    func retrying<T>(_ what: String, _ onEvent: (RunnerEvent) -> Void, _ body: () throws -> T) throws -> T {
        let deadline = clock.now + .milliseconds(Int64(options.lockTimeout * 1000))
        var waited = false
        while true {
            do {
                let value = try body()
                if waited { onEvent(.waiting(message: "the store is free again; \(what) done")) }
                return value
            } catch StoreError.locked(_, let detail) {
                if clock.now >= deadline { throw LockTimeout(detail: detail) }
                if stop.isRequested { throw LockTimeout(detail: detail, stopRequested: true) }   // do not wait out the lock
                if !waited {
                    onEvent(.waiting(message: "waiting for the store: another process holds its lock (SQLite: \(detail)); "
                        + "\(what) waits up to \(Int(options.lockTimeout.rounded())) s (--lock-timeout)"))
                    waited = true
                }
                Thread.sleep(forTimeInterval: min(0.2, options.lockTimeout / 10))
            }
        }
    }

    /// Stores what an exited worker left, waiting for a locked store; nil (with the lock's detail
    /// in `pendingLockDetail`) when the store stayed locked past `lockTimeout`.
    func finishOrKeep(_ a: Active, _ onEvent: (RunnerEvent) -> Void) throws -> (RunState, String)? {
        do {
            return try retrying("storing run \(a.run.id!)'s result", onEvent) { try finish(a) }
        } catch let timeout as LockTimeout {
            pendingLockDetail = timeout.detail
            pendingStop = timeout.stopRequested
            return nil
        }
    }

    /// Marks this runner alive. A missed heartbeat loses nothing, so it is skipped while another
    /// process holds the lock; any other store error is for the next write to report.
    func beat() {
        _ = try? store.heartbeat(runnerPID: pid)
    }

    func trainAll(_ onEvent: (RunnerEvent) -> Void) throws -> RunnerSummary {
        try recover(onEvent)
        let start = clock.now
        var sessionFLOPs = 0.0, finished = 0, lastBeat = clock.now, lastProgress = clock.now
        let startTime = self.startTime
        while true {
            while !stop.isRequested, active.count < options.workers {
                let claimed = try retrying("claiming the next run", onEvent) {
                    try store.claimNextRun(runnerPID: pid, runnerStartTime: startTime, threads: options.threadsPerWorker,
                                           maxAttempts: options.maxAttempts)
                }
                guard let run = claimed else { break }
                if let a = try launch(run, onEvent) { onEvent(.started(a.status)) }
            }
            if active.isEmpty { break }
            if stop.isRequested { for a in active { kill(a.process.processIdentifier, SIGINT) } }
            Thread.sleep(forTimeInterval: options.pollInterval)
            var still: [Active] = []
            for (i, a) in active.enumerated() {
                if a.process.isRunning { still.append(a); continue }
                guard let (state, message) = try finishOrKeep(a, onEvent) else {
                    active = still + Array(active[i...])   // this worker and the ones not looked at yet are still ours to settle
                    throw LockTimeout(detail: pendingLockDetail, stopRequested: pendingStop)
                }
                finished += 1
                finishedCount = finished
                if state == .done { sessionFLOPs += a.run.flops ?? 0 }
                onEvent(.finished(runID: a.run.id!, state: state, message: message))
            }
            active = still
            if clock.now - lastBeat > .seconds(2) {
                beat()
                lastBeat = clock.now
            }
            if clock.now - lastProgress > .milliseconds(500) {
                onEvent(.progress(try progress(sessionFLOPs: sessionFLOPs, since: start)))
                lastProgress = clock.now
            }
        }
        let summary = try store.summary()
        return RunnerSummary(finished: finished, byState: summary.byState, stopped: stop.isRequested)
    }

    /// Starts a worker for a claimed run and adds it to `active` (before it is recorded in the
    /// store, so a lock timeout still stops it); marks the run failed (and returns nil) if it cannot.
    func launch(_ run: StoredRun, _ onEvent: (RunnerEvent) -> Void) throws -> Active? {
        let id = run.id!
        let (record, checkpoint, log, progressFile, configFile) = paths(id)
        func fail(_ message: String) throws {
            try retrying("marking run \(id) failed", onEvent) { try store.mark(run: id, .failed, message: message) }
        }
        guard let config = run.trainingConfig else {
            try fail("the run has no training config (an imported run cannot be trained)")
            return nil
        }
        do { try WorkerCommand.writeConfig(config, to: configFile) } catch {
            try fail(error.description)
            return nil
        }
        try? FileManager.default.removeItem(atPath: record)
        try? FileManager.default.removeItem(atPath: progressFile)
        let resumed = FileManager.default.fileExists(atPath: checkpoint)
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: options.executable)
        process.arguments = WorkerCommand.arguments(config: configFile, data: options.data, record: record,
                                                    checkpoint: checkpoint, progress: progressFile)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle(forWritingAtPath: log)
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch {
            try fail("cannot start \(options.executable): \(error.localizedDescription)")
            return nil
        }
        let workerPID = process.processIdentifier, workerStart = WorkerCommand.startTime(of: workerPID)
        let s = config.shape
        let status = WorkerStatus(runID: id, pid: workerPID,
                                  shape: "\(s.architecture.rawValue) L=\(s.layers) d=\(s.dModel) N=\(s.parameterCount) D=\(config.tokens)",
                                  flops: run.flops ?? 0, seconds: 0, resumed: resumed)
        let a = Active(run: run, process: process, status: status, started: clock.now, record: record)
        active.append(a)
        try retrying("recording run \(id)'s worker", onEvent) {
            try store.setWorker(run: id, pid: workerPID, startTime: workerStart, resumed: resumed, checkpoint: checkpoint,
                                record: record)
        }
        return a
    }

    /// Stores what an exited worker left: its record, or why it has none.
    func finish(_ a: Active) throws -> (RunState, String) {
        let id = a.run.id!
        let code = a.process.terminationStatus
        let signalled = a.process.terminationReason == .uncaughtSignal
        if let record = Self.readRecord(a.record) {
            guard record.config == a.run.trainingConfig else {
                let m = "the worker trained a different config than the stored one; not recorded"
                try store.mark(run: id, .failed, message: m)
                return (.failed, m)
            }
            try store.record(run: id, record)
            if record.status == .completed {
                try? FileManager.default.removeItem(atPath: paths(id).checkpoint)
                try? FileManager.default.removeItem(atPath: paths(id).config)
            }
            try? FileManager.default.removeItem(atPath: paths(id).progress)
            return (try store.run(id: id).status, record.message)
        }
        if signalled {
            let last = a.run.attempts >= options.maxAttempts
            let m = "worker \(a.process.processIdentifier) killed by signal \(code)"
                + (last ? " on attempt \(a.run.attempts) of \(options.maxAttempts); giving up" : "; will resume from its checkpoint")
            try store.mark(run: id, last ? .failed : .interrupted, message: m)
            return (last ? .failed : .interrupted, m)
        }
        let m = "worker exited with status \(code) and no record: " + Self.lastLine(ofFile: paths(id).log)
        try store.mark(run: id, .failed, message: m)
        return (.failed, m)
    }

    func progress(sessionFLOPs: Double, since start: ContinuousClock.Instant) throws -> RunnerProgress {
        let runs = try store.runs().filter { $0.configJSON != nil }
        let done = runs.filter { $0.status == .done }
        let flopsTotal = runs.filter { $0.status != .failed && $0.status != .diverged }.compactMap(\.flops).reduce(0, +)
        let flopsDone = done.compactMap(\.flops).reduce(0, +)
        let elapsed = secondsSince(start)
        let rate = sessionFLOPs / max(elapsed, 1e-9)
        let workers = active.map { a in
            var s = a.status
            s.seconds = secondsSince(a.started)
            s.progress = FileManager.default.contents(atPath: paths(a.run.id!).progress)
                .flatMap { try? RunRecord.jsonDecoder().decode(TrainingProgress.self, from: $0) }
            return s
        }
        return RunnerProgress(runsDone: done.count, runsTotal: runs.count, flopsDone: flopsDone, flopsTotal: flopsTotal,
                              etaSeconds: sessionFLOPs > 0 ? (flopsTotal - flopsDone) / rate : nil, workers: workers)
    }

    static func readRecord(_ path: String) -> RunRecord? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try? RunRecord.jsonDecoder().decode(RunRecord.self, from: data)
    }

    static func lastLine(ofFile path: String) -> String {
        let text = String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self)
        return text.split(whereSeparator: \.isNewline).last.map(String.init) ?? "(no output)"
    }
}
