import Foundation
import LawFitting
import Trainer

/// Runs a store's queued and interrupted runs through an executor (`RunExecutor`): child
/// `scalelab worker` processes on this machine (`LocalExecutor`, the default) or Slurm job arrays,
/// each run training with ScaleLab's trainer or with a user's command (`TrainCommandTemplate`).
///
/// - Each run is claimed in one store transaction (`RunStore.claimNextRun`), so two runners on
///   one store never train the same run; as many are claimed as the executor takes, and their
///   tasks are submitted together (one Slurm submission per array).
/// - Before each launch the runner writes the run's stored `TrainingConfig` to
///   `run-<id>.config.json` (atomically). ScaleLab's worker trains exactly that value, writes its
///   record to `run-<id>.json` and checkpoints to `run-<id>.ckpt`, resuming from it when there is
///   one, so a relaunch continues bitwise. A `--train-command` writes a `TrainerResult` to the
///   same path. The config file and the checkpoint are removed when the run completes.
/// - A task killed by a signal, or lost by its executor, marks its run `interrupted` (relaunched
///   from its checkpoint, up to `maxAttempts` launches, then `failed`); a task that exits with
///   an error and no result marks it `failed` with the last line of its log; a result file that
///   is not a result marks it `failed` naming the field; the other tasks go on.
/// - `stop` (SIGINT/SIGTERM to the runner): local workers get SIGINT — each checkpoints and
///   writes an `interrupted` record — and the runner waits for them; nothing is lost. Slurm
///   tasks go on, and their runs stay `running` for the next runner to re-attach to.
/// - On start, runs left `running` by a runner that is gone are recovered first: a Slurm task
///   is re-attached to; a still-living orphan worker is asked to stop (SIGINT) and waited for; a
///   complete result it left is stored; otherwise the run becomes `interrupted` and resumes from
///   its checkpoint.
public final class LadderRunner {
    let store: RunStore
    let options: RunnerOptions
    let stop: StopRequest
    let executor: any RunExecutor
    let pid = getpid()
    /// This runner's start time, stored with its pid (survives pid reuse).
    lazy var startTime = WorkerCommand.startTime(of: getpid())

    struct Active {
        var run: StoredRun
        var handle: TaskHandle
        var status: WorkerStatus
        var started: ContinuousClock.Instant
        var files: RunFiles
        /// How its task ended, once the executor says so.
        var exit: TaskExit?
    }
    var active: [Active] = []
    var pendingLockDetail = "", pendingStop = false
    /// Runs this session finished (for a summary after a stop while the store was locked).
    var finishedCount = 0
    let clock = ContinuousClock()

    /// A runner over `executor`; without one, `options.workers` local worker processes.
    public init(store: RunStore, options: RunnerOptions, stop: StopRequest, executor: (any RunExecutor)? = nil) {
        self.store = store
        self.options = options
        self.stop = stop
        self.executor = executor ?? LocalExecutor(workers: options.workers, pollInterval: options.pollInterval)
    }

    func paths(_ id: Int64) -> RunFiles { RunFiles(directory: options.workDirectory, runID: id) }

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
        guard executor.tasksEndWithMonitor else {   // Slurm tasks go on; a later `ladder run` re-attaches
            active = []
            return ([], [])
        }
        let stopped = active.map { $0.run.id! }
        executor.interrupt(active.map(\.handle))
        waitForAll()
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
        var sessionFLOPs = 0.0, finished = 0, lastBeat = clock.now, lastProgress = clock.now, interrupted = false
        let startTime = self.startTime
        while true {
            var claimedRuns: [StoredRun] = []
            while !stop.isRequested, active.count + claimedRuns.count < executor.capacity {
                let claimed = try retrying("claiming the next run", onEvent) {
                    try store.claimNextRun(runnerPID: pid, runnerStartTime: startTime, threads: options.threadsPerWorker,
                                           maxAttempts: options.maxAttempts)
                }
                guard let run = claimed else { break }
                claimedRuns.append(run)
            }
            for a in try launch(claimedRuns, onEvent) { onEvent(.started(a.status)) }
            if active.isEmpty { break }
            if stop.isRequested {
                guard executor.tasksEndWithMonitor else { break }   // Slurm: leave the tasks running
                if !interrupted { executor.interrupt(active.map(\.handle)); interrupted = true }
            }
            pause(executor.pollInterval)
            let states: [Int64: TaskState]
            do { states = try executor.poll(active.map(\.handle)) } catch { throw RunnerError(error.description) }
            var still: [Active] = []
            for (i, var a) in active.enumerated() {
                guard case .ended(let exit)? = states[a.run.id!] else { still.append(a); continue }
                a.exit = exit
                guard let (state, message) = try finishOrKeep(a, onEvent) else {
                    active = still + [a] + Array(active[(i + 1)...])   // this task and the ones not looked at yet are still ours to settle
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

    /// Sleeps `seconds` in slices of at most 0.1 s, waking early when a stop is requested (a
    /// Slurm monitor polls every 30 s; Ctrl-C or `ladder cancel` must not wait that long).
    func pause(_ seconds: Double) {
        let end = Date().addingTimeInterval(seconds)
        while !stop.isRequested {
            let left = end.timeIntervalSinceNow
            if left <= 0 { return }
            Thread.sleep(forTimeInterval: min(0.1, left))
        }
    }

    /// Polls until every active task has ended (after `interrupt`), recording how each ended.
    func waitForAll() {
        while true {
            guard let states = try? executor.poll(active.map(\.handle)) else { return }
            var pending = false
            for i in active.indices {
                if case .ended(let exit)? = states[active[i].run.id!] { active[i].exit = exit } else { pending = true }
            }
            if !pending { return }
            Thread.sleep(forTimeInterval: min(executor.pollInterval, 0.2))
        }
    }

    /// The command line of a claimed run: ScaleLab's worker, or the user's `--train-command`.
    func command(for run: StoredRun, config: TrainingConfig, files f: RunFiles)
        -> (arguments: [String], line: String, environment: [String: String])
    {
        let values = TrainCommandTemplate.values(runID: run.id!, sweepID: run.sweepID, config: config, plannedFLOPs: run.flops,
                                                 files: f, data: options.data)
        let environment = TrainCommandTemplate.environment(values)
        if let template = options.trainCommand {
            let line = template.expand(values)
            return (["/bin/sh", "-c", line], line, environment)
        }
        let arguments = [options.executable] + WorkerCommand.arguments(config: f.config, data: options.data, record: f.record,
                                                                       checkpoint: f.checkpoint, progress: f.progress)
        return (arguments, arguments.map(TrainCommandTemplate.shellQuoted).joined(separator: " "), environment)
    }

    /// Starts the tasks of claimed runs in one submission and adds them to `active` (before they
    /// are recorded in the store, so a lock timeout still stops them). A run that cannot be
    /// prepared is marked failed with the reason; a submission the executor refuses gives the
    /// runs back unchanged (`unclaim`) and throws `RunnerError` with the executor's reason.
    func launch(_ runs: [StoredRun], _ onEvent: (RunnerEvent) -> Void) throws -> [Active] {
        if runs.isEmpty { return [] }
        func fail(_ id: Int64, _ message: String) throws {
            try retrying("marking run \(id) failed", onEvent) { try store.mark(run: id, .failed, message: message) }
            onEvent(.finished(runID: id, state: .failed, message: message))
        }
        var tasks: [TaskSpec] = []
        var prepared: [(run: StoredRun, config: TrainingConfig, files: RunFiles, line: String, resumed: Bool)] = []
        for run in runs {
            let id = run.id!, f = paths(id)
            guard let config = run.trainingConfig else {
                try fail(id, "the run has no training config (an imported run cannot be trained)")
                continue
            }
            do { try WorkerCommand.writeConfig(config, to: f.config) } catch {
                try fail(id, error.description)
                continue
            }
            for stale in [f.record, f.progress, f.exit] { try? FileManager.default.removeItem(atPath: stale) }
            let resumed = FileManager.default.fileExists(atPath: f.checkpoint)
            let (arguments, line, environment) = command(for: run, config: config, files: f)
            tasks.append(TaskSpec(runID: id, arguments: arguments, logPath: f.log, resultPath: f.record, exitPath: f.exit,
                                  directory: options.workDirectory, cpus: config.threads, environment: environment))
            prepared.append((run, config, f, line, resumed))
        }
        if tasks.isEmpty { return [] }
        let handles: [TaskHandle]
        do { handles = try executor.submit(tasks) } catch {
            // The executor itself cannot launch (no sbatch, a wrong partition): not the runs' fault.
            // They go back as they were, and the runner stops with the executor's reason.
            for p in prepared {
                try retrying("giving back run \(p.run.id!)", onEvent) {
                    try store.unclaim(run: p.run.id!, message: "not launched: \(error.description)")
                }
            }
            throw RunnerError(error.description)
        }
        var launched: [Active] = []
        for (p, handle) in zip(prepared, handles) {
            let status = WorkerStatus(runID: handle.runID, pid: handle.pid ?? 0, shape: WorkerStatus.shape(of: p.config),
                                      flops: p.run.flops ?? 0, seconds: 0, resumed: p.resumed, jobID: handle.jobID)
            let a = Active(run: p.run, handle: handle, status: status, started: clock.now, files: p.files)
            active.append(a)
            launched.append(a)
        }
        for (i, (p, handle)) in zip(prepared, handles).enumerated() {
            do {
                try retrying("recording run \(handle.runID)'s task", onEvent) {
                    try store.setTask(run: handle.runID, handle: handle, resumed: p.resumed, files: p.files, command: p.line)
                }
            } catch {
                // A task whose ids are not in the store could not be found again: on an executor
                // that outlives the runner, cancel the unrecorded tasks and give their runs back.
                if !executor.tasksEndWithMonitor {
                    let unrecorded = Array(handles[i...])
                    try? executor.cancel(unrecorded)
                    active.removeAll { a in unrecorded.contains { $0.runID == a.run.id } }
                    for h in unrecorded { try? store.unclaim(run: h.runID, message: "its task could not be recorded and was cancelled") }
                }
                throw error
            }
        }
        return launched
    }

    /// Stores what an ended task left: its result, or why it has none.
    func finish(_ a: Active) throws -> (RunState, String) {
        let id = a.run.id!, f = a.files
        switch RunResult.read(f.record) {
        case .success(.record(let record))?:
            guard record.config == a.run.trainingConfig else {
                let m = "the worker trained a different config than the stored one; not recorded"
                try store.mark(run: id, .failed, message: m)
                return (.failed, m)
            }
            try store.record(run: id, record)
            if record.status == .completed { removeFiles(of: f, keepingCheckpoint: a.run.trainingConfig?.keepsCheckpoint == true) }
            try? FileManager.default.removeItem(atPath: f.progress)
            return (try store.run(id: id).status, record.message)
        case .success(.trainer(let result))?:
            try store.record(run: id, trainer: result)
            if result.status == .completed { removeFiles(of: f, keepingCheckpoint: a.run.trainingConfig?.keepsCheckpoint == true) }
            let stored = try store.run(id: id)
            let loss = stored.finalValidationLoss.map { "; final validation loss \($0) nats/token" } ?? ""
            return (stored.status, (stored.message ?? result.status.rawValue) + loss)
        case .failure(let problem)?:
            let m = "its result file is not a result: \(problem.description)"
            try store.mark(run: id, .failed, message: m)
            return (.failed, m)
        case nil:
            break
        }
        let last = a.run.attempts >= options.maxAttempts
        let retry = last ? " on attempt \(a.run.attempts) of \(options.maxAttempts); giving up" : "; will resume from its checkpoint"
        switch a.exit ?? .unknown("no exit status") {
        case .signalled(let signal):
            let m = "\(describe(a.handle)) killed by signal \(signal)" + retry
            try store.mark(run: id, last ? .failed : .interrupted, message: m)
            return (last ? .failed : .interrupted, m)
        case .unknown(let why):
            let m = "\(describe(a.handle)) ended without a result (\(why))" + retry
            try store.mark(run: id, last ? .failed : .interrupted, message: m)
            return (last ? .failed : .interrupted, m)
        case .exited(let code):
            let m = "\(describe(a.handle)) exited with status \(code) and no result file: " + Self.lastLine(ofFile: f.log)
            try store.mark(run: id, .failed, message: m)
            return (.failed, m)
        }
    }

    /// `worker 1234` or `Slurm task 77_3`.
    func describe(_ h: TaskHandle) -> String {
        if let job = h.jobID { return "Slurm task \(job)" }
        return "worker \(h.pid ?? 0)"
    }

    /// A completed run's checkpoint, config and exit files are no longer needed (best effort); its
    /// checkpoint is kept when its config asks (`TrainingConfig.keepsCheckpoint`: runs fine-tune from it).
    func removeFiles(of f: RunFiles, keepingCheckpoint: Bool) {
        for path in (keepingCheckpoint ? [] : [f.checkpoint]) + [f.config, f.exit] { try? FileManager.default.removeItem(atPath: path) }
    }

    func progress(sessionFLOPs: Double, since start: ContinuousClock.Instant) throws -> RunnerProgress {
        let (runsTotal, runsDone, flopsTotal, flopsDone) = try store.plannedProgress()
        let elapsed = secondsSince(start)
        let rate = sessionFLOPs / max(elapsed, 1e-9)
        let workers = active.map { a in
            var s = a.status
            s.seconds = secondsSince(a.started)
            s.progress = FileManager.default.contents(atPath: paths(a.run.id!).progress)
                .flatMap { try? RunRecord.jsonDecoder().decode(TrainingProgress.self, from: $0) }
            return s
        }
        return RunnerProgress(runsDone: runsDone, runsTotal: runsTotal, flopsDone: flopsDone, flopsTotal: flopsTotal,
                              etaSeconds: sessionFLOPs > 0 ? (flopsTotal - flopsDone) / rate : nil, workers: workers)
    }

    static func lastLine(ofFile path: String) -> String {
        let text = String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self)
        return text.split(whereSeparator: \.isNewline).last.map(String.init) ?? "(no output)"
    }
}
