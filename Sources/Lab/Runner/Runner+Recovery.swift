import Foundation
import Trainer

extension LadderRunner {
    /// Recovers runs left `running` by a runner that is gone (killed, crashed, machine rebooted,
    /// or a Slurm monitor stopped with Ctrl-C).
    ///
    /// - A Slurm task goes on without its monitor: this runner re-attaches to it (with the Slurm
    ///   executor; a local runner leaves it alone and says so) and collects its result when it ends.
    /// - A local worker that still lives (an orphan of the dead runner, recognized by its command
    ///   line or environment naming the run's result file) is sent SIGINT, so it checkpoints and
    ///   writes an `interrupted` result, and waited for (SIGKILL after `orphanGrace` seconds). Then
    ///   the result it left is stored (a run that finished while orphaned is done, not lost);
    ///   without one the run becomes `interrupted` and resumes from its checkpoint.
    ///
    /// A runner and a worker are named by pid and start time (`WorkerCommand.startTime(of:)`), so
    /// a run whose runner's pid now belongs to another process is recovered, and that process is
    /// never signalled. Store writes wait for another process's lock (`retrying`).
    func recover(_ onEvent: (RunnerEvent) -> Void, orphanGrace: Double = 120) throws {
        for run in try store.abandonedRuns(isRunning: { WorkerCommand.isAlive($0, startedAt: $1) }) {
            let id = run.id!
            let files = run.recordPath.map { RunFiles(directory: ($0 as NSString).deletingLastPathComponent, runID: id) } ?? paths(id)
            if run.executor == ExecutorKind.slurm.rawValue {
                try reattach(run, files: files, onEvent)
                continue
            }
            let start = run.workerStartTime
            if let w = run.workerPID.map(Int32.init), WorkerCommand.isWorker(w, startedAt: start, writing: files.record) {
                LocalExecutor.signalTask(w, SIGINT)
                let deadline = clock.now + .seconds(orphanGrace)
                while WorkerCommand.isWorker(w, startedAt: start, writing: files.record) {
                    if clock.now > deadline { LocalExecutor.signalTask(w, SIGKILL) }
                    Thread.sleep(forTimeInterval: options.pollInterval)
                }
            }
            let handle = TaskHandle(runID: id, executor: .local, pid: run.workerPID.map(Int32.init), startTime: start)
            var a = Active(run: run, handle: handle, status: WorkerStatus(runID: id, pid: 0, shape: "", flops: 0, seconds: 0, resumed: false),
                           started: clock.now, files: files)
            a.exit = .unknown("its runner \(run.runnerPID ?? 0) is gone")
            if case .success(let result)? = RunResult.read(files.record) {
                let (state, _) = try retrying("storing run \(id)'s result", onEvent) { try finish(a) }
                onEvent(.recovered(runID: id, message: "runner \(run.runnerPID ?? 0) is gone; stored the result its worker left (\(state.rawValue))"
                                   + (result.isFinal ? "" : "; will resume from the last checkpoint")))
            } else {
                let m = "runner \(run.runnerPID ?? 0) is gone; will resume from the last checkpoint"
                try retrying("marking run \(id) interrupted", onEvent) { try store.mark(run: id, .interrupted, message: m) }
                onEvent(.recovered(runID: id, message: m))
            }
        }
    }

    /// Takes over a Slurm task whose monitor is gone: it is watched like one this runner submitted.
    func reattach(_ run: StoredRun, files: RunFiles, _ onEvent: (RunnerEvent) -> Void) throws {
        let id = run.id!
        let job = run.jobID ?? "?"
        guard executor.kind == .slurm else {
            onEvent(.recovered(runID: id, message: "still Slurm task \(job) of a monitor that is gone; left alone "
                               + "(`scalelab ladder run --executor slurm` re-attaches to it, `scalelab ladder cancel` cancels it)"))
            return
        }
        try retrying("re-attaching run \(id)", onEvent) {
            try store.adopt(run: id, runnerPID: pid, runnerStartTime: startTime)
        }
        let handle = TaskHandle(runID: id, executor: .slurm, jobID: run.jobID, arrayJobID: run.arrayJobID, arrayTaskID: run.arrayTaskID)
        // Its exit file is where its launch put it (the stored result's folder), whatever this runner's --run-dir.
        (executor as? SlurmExecutor)?.exitPaths[id] = files.exit
        let status = WorkerStatus(runID: id, pid: 0, shape: run.trainingConfig.map(WorkerStatus.shape(of:)) ?? "", flops: run.flops ?? 0, seconds: 0, resumed: false, jobID: run.jobID)
        active.append(Active(run: run, handle: handle, status: status, started: clock.now, files: files))
        onEvent(.recovered(runID: id, message: "re-attached to Slurm task \(job) (its monitor is gone)"))
    }
}
