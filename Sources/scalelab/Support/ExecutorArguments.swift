import ArgumentParser
import Foundation
import Lab

/// Where `ladder run` launches its runs: `--executor local` (worker processes here, the
/// default) or `--executor slurm` with the options users of submitit and Hydra's Slurm launcher
/// know (docs/slurm.md).
struct ExecutorArguments: ParsableArguments {
    @Option(help: "local (worker processes on this machine) or slurm (tasks of Slurm job arrays).")
    var executor = "local"
    @Option(help: "Slurm partition (default: the cluster's default).") var partition: String?
    @Option(name: .customLong("time-limit"), help: "Slurm time limit per task, e.g. 2:00:00 (default: the partition's).")
    var timeLimit: String?
    @Option(name: .customLong("cpus-per-task"), help: "Slurm CPUs per task (default: the run's threads).") var cpusPerTask: Int?
    @Option(name: .customLong("gpus-per-task"), help: "Slurm GPUs per task.") var gpusPerTask: Int?
    @Option(name: .customLong("mem-per-task"), help: "Slurm memory per task, e.g. 16G (default: the partition's).") var memPerTask: String?
    @Option(name: .customLong("array-parallelism"), help: "Tasks of one job array running at once (sbatch --array=…%P).")
    var arrayParallelism: Int?
    @Option(name: .customLong("sbatch-arg"), help: "An extra sbatch argument, passed through (repeatable), e.g. --sbatch-arg=--account=lab.")
    var sbatchArguments: [String] = []
    @Option(name: .customLong("poll-interval"), help: "Seconds between two squeue calls (Slurm; one call per poll for all tasks).")
    var pollInterval: Double = 30
    @Option(name: .customLong("signal-delay"), help: "Seconds before the time limit a task is told to checkpoint and requeue (Slurm).")
    var signalDelay = 120

    func validate() throws {
        guard let kind = ExecutorKind(rawValue: executor) else {
            throw ValidationError("--executor must be local or slurm, got '\(executor)'")
        }
        if kind == .local {
            let given: [(String, Bool)] = [
                ("--partition", partition != nil), ("--time-limit", timeLimit != nil), ("--cpus-per-task", cpusPerTask != nil),
                ("--gpus-per-task", gpusPerTask != nil), ("--mem-per-task", memPerTask != nil),
                ("--array-parallelism", arrayParallelism != nil), ("--sbatch-arg", !sbatchArguments.isEmpty),
            ]
            if let (name, _) = given.first(where: \.1) {
                throw ValidationError("\(name) is a Slurm option; add --executor slurm (or leave it out)")
            }
        }
        for (name, value) in [("--cpus-per-task", cpusPerTask), ("--gpus-per-task", gpusPerTask), ("--array-parallelism", arrayParallelism)] {
            if let value, value < 1 { throw ValidationError("\(name) must be at least 1, got \(value)") }
        }
        for (name, value) in [("--partition", partition), ("--time-limit", timeLimit), ("--mem-per-task", memPerTask)] {
            if let value, value.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("\(name) is empty") }
        }
        guard pollInterval.isFinite, pollInterval >= 0.1, pollInterval <= 3600 else {
            throw ValidationError("--poll-interval must be between 0.1 and 3600 seconds, got \(pollInterval)")
        }
        guard (0...86_400).contains(signalDelay) else {
            throw ValidationError("--signal-delay must be between 0 and 86400 seconds, got \(signalDelay)")
        }
    }

    /// The executor these options name; nil for the local default (the runner makes it).
    func executor(workers: Int, runDirectory: String) throws -> (any RunExecutor)? {
        guard executor == ExecutorKind.slurm.rawValue else { return nil }
        let options = SlurmOptions(partition: partition, timeLimit: timeLimit, cpusPerTask: cpusPerTask, gpusPerTask: gpusPerTask,
                                   memoryPerTask: memPerTask, arrayParallelism: arrayParallelism, extraArguments: sbatchArguments,
                                   runDirectory: runDirectory, pollInterval: pollInterval, warningSeconds: signalDelay)
        return SlurmExecutor(options: options)
    }
}
