import Foundation
import Trainer

extension LadderRunner {
    /// Recovers runs left `running` by a runner that is gone (killed, crashed, machine rebooted).
    ///
    /// For each: if its worker still lives (an orphan of the dead runner, recognized by its
    /// command line naming the run's record file), send it SIGINT so it checkpoints and writes an
    /// `interrupted` record, and wait for it (SIGKILL after `orphanGrace` seconds). Then store the
    /// record it left if there is one (a run that finished while orphaned is done, not lost);
    /// otherwise mark the run `interrupted` to resume from its checkpoint.
    ///
    /// A runner and a worker are named by pid and start time (`WorkerCommand.startTime(of:)`), so
    /// a run whose runner's pid now belongs to another process is recovered, and that process is
    /// never signalled. Store writes wait for another process's lock (`retrying`).
    func recover(_ onEvent: (RunnerEvent) -> Void, orphanGrace: Double = 120) throws {
        for run in try store.abandonedRuns(isRunning: { WorkerCommand.isAlive($0, startedAt: $1) }) {
            let id = run.id!
            let record = run.recordPath ?? paths(id).record
            let start = run.workerStartTime
            if let w = run.workerPID.map(Int32.init), WorkerCommand.isWorker(w, startedAt: start, writing: record) {
                kill(w, SIGINT)
                let deadline = clock.now + .seconds(orphanGrace)
                while WorkerCommand.isWorker(w, startedAt: start, writing: record) {
                    if clock.now > deadline { kill(w, SIGKILL) }
                    Thread.sleep(forTimeInterval: options.pollInterval)
                }
            }
            if let r = Self.readRecord(record), r.config == run.trainingConfig {
                try retrying("storing run \(id)'s record", onEvent) { try store.record(run: id, r) }
                if r.status == .completed {
                    try? FileManager.default.removeItem(atPath: run.checkpointPath ?? paths(id).checkpoint)   // best effort, as in `finish`
                    try? FileManager.default.removeItem(atPath: paths(id).config)
                }
                onEvent(.recovered(runID: id, message: "runner \(run.runnerPID ?? 0) is gone; stored the record its worker left (\(r.status.rawValue))"))
            } else {
                let m = "runner \(run.runnerPID ?? 0) is gone; will resume from the last checkpoint"
                try retrying("marking run \(id) interrupted", onEvent) { try store.mark(run: id, .interrupted, message: m) }
                onEvent(.recovered(runID: id, message: m))
            }
        }
    }
}
