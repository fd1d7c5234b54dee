import Foundation

/// `scalelab ladder cancel`: stops a ladder's running runs wherever they run.
///
/// - Slurm tasks are cancelled with one `scancel` call (each task's command gets SIGTERM, so it
///   checkpoints), and their runs become `interrupted`: a later `ladder run` resumes them.
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
        /// Running runs of those runners (they stop cleanly, each with a checkpoint).
        public var stoppingRuns: [Int64]
    }

    /// Cancels the running runs of `store` (only those in `runs` when given) through `slurm`.
    public static func cancel(store: RunStore, runs ids: Set<Int64>? = nil, slurm: SlurmExecutor) throws -> Outcome {
        let running = try store.runs().filter { $0.status == .running && (ids == nil || ids!.contains($0.id!)) }
        let onSlurm = running.filter { $0.executor == ExecutorKind.slurm.rawValue }
        let handles = onSlurm.map {
            TaskHandle(runID: $0.id!, executor: .slurm, jobID: $0.jobID, arrayJobID: $0.arrayJobID, arrayTaskID: $0.arrayTaskID)
        }
        if !handles.isEmpty { try slurm.cancel(handles) }
        for run in onSlurm {
            try store.mark(run: run.id!, .interrupted,
                           message: "Slurm task \(run.jobID ?? "?") cancelled by `scalelab ladder cancel`; `ladder run` resumes it from its checkpoint")
        }
        var runners: [Int32: Int64?] = [:], stopping: [Int64] = []
        for run in running where run.executor != ExecutorKind.slurm.rawValue {
            guard let pid = run.runnerPID.map({ Int32($0) }), WorkerCommand.isAlive(pid, startedAt: run.runnerStartTime) else { continue }
            runners[pid] = run.runnerStartTime
            stopping.append(run.id!)
        }
        for pid in runners.keys { kill(pid, SIGTERM) }
        return Outcome(cancelledRuns: onSlurm.map { $0.id! }, slurmTasks: onSlurm.compactMap(\.jobID),
                       stoppedRunners: runners.keys.sorted(), stoppingRuns: stopping)
    }
}
