import Foundation

/// `scalelab ladder cancel`: stops a ladder's running runs wherever they run.
///
/// - Slurm tasks are cancelled with one `scancel` call (each task's command gets SIGTERM, so it
///   checkpoints), and their runs become `interrupted`: a later `ladder run` resumes them. A
///   monitor still watching them is stopped first, so it does not submit them again.
/// - Local workers belong to a live runner: that runner gets SIGTERM and stops its workers
///   cleanly (each checkpoints), as after Ctrl-C. A runner that is gone has nothing to stop; the
///   next `ladder run` recovers its runs.
/// Queued runs stay queued; done runs are never touched.
public enum LadderCancel {
    /// What was cancelled.
    public struct Outcome: Sendable, Codable, Equatable {
        /// Runs whose Slurm tasks were cancelled (now `interrupted`).
        public var cancelledRuns: [Int64]
        /// Their Slurm ids, `<array job>_<task>`.
        public var slurmTasks: [String]
        /// Runners sent SIGTERM, by pid.
        public var stoppedRunners: [Int32]
        /// Those of them that were monitoring Slurm tasks.
        public var stoppedMonitors: [Int32]
        /// Running runs of those runners (they stop cleanly, each with a checkpoint).
        public var stoppingRuns: [Int64]
        /// Runners on other machines (`pid N on HOST`), and their running runs, left alone:
        /// run `ladder cancel` on that machine.
        public var otherHosts: [String]
        public var otherHostRuns: [Int64]
    }

    /// Cancels the running runs of `store` (only those in `runs` when given) through `slurm`.
    /// The live runners of those runs get SIGTERM first (a Slurm monitor would otherwise submit
    /// the cancelled runs again); Slurm monitors are waited for (up to `monitorGrace` seconds)
    /// before their tasks are cancelled.
    public static func cancel(store: RunStore, runs ids: Set<Int64>? = nil, slurm: SlurmExecutor,
                              monitorGrace: Double = 30) throws -> Outcome {
        let all = try store.runs().filter { $0.status == .running && (ids == nil || ids!.contains($0.id!)) }
        // A runner on another machine (a shared PostgreSQL store) cannot be signalled from here,
        // and its Slurm monitor would submit cancelled runs again: those runs are left to it.
        let host = WorkerCommand.hostName
        let remote = all.filter { $0.runnerHost != nil && $0.runnerHost != host && $0.runnerPID != nil }
        let running = all.filter { r in !remote.contains { $0.id == r.id } }
        let onSlurm = running.filter { $0.executor == ExecutorKind.slurm.rawValue }
        var runners: [Int32: Int64?] = [:], stopping: [Int64] = [], monitors: [Int32: Int64?] = [:]
        for run in running {
            guard let pid = run.runnerPID.map({ Int32($0) }), WorkerCommand.isAlive(pid, startedAt: run.runnerStartTime) else { continue }
            runners[pid] = run.runnerStartTime
            if run.executor == ExecutorKind.slurm.rawValue { monitors[pid] = run.runnerStartTime } else { stopping.append(run.id!) }
        }
        for pid in runners.keys { kill(pid, SIGTERM) }
        let deadline = Date().addingTimeInterval(monitorGrace)
        while monitors.contains(where: { WorkerCommand.isAlive($0.key, startedAt: $0.value) }), Date() < deadline {
            Thread.sleep(forTimeInterval: 0.05)
        }
        let handles = onSlurm.map {
            TaskHandle(runID: $0.id!, executor: .slurm, jobID: $0.jobID, arrayJobID: $0.arrayJobID, arrayTaskID: $0.arrayTaskID)
        }
        if !handles.isEmpty { try slurm.cancel(handles) }
        let jobs = Dictionary(uniqueKeysWithValues: onSlurm.map { ($0.id!, $0.jobID ?? "?") })
        try store.cancelled(runs: onSlurm.map { $0.id! }) { id in
            "Slurm task \(jobs[id] ?? "?") cancelled by `scalelab ladder cancel`; `ladder run` resumes it from its checkpoint"
        }
        let others = Set(remote.map { "pid \($0.runnerPID!) on \($0.runnerHost!)" }).sorted()
        return Outcome(cancelledRuns: onSlurm.map { $0.id! }, slurmTasks: onSlurm.compactMap(\.jobID),
                       stoppedRunners: runners.keys.sorted(), stoppedMonitors: monitors.keys.sorted(), stoppingRuns: stopping,
                       otherHosts: others, otherHostRuns: remote.map { $0.id! })
    }
}
