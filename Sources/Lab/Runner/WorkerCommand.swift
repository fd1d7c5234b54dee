import Foundation
import Trainer

/// How a worker process is started: the `scalelab train` command line for a stored config.
public enum WorkerCommand {
    /// Why a config cannot be handed to `scalelab train`.
    public struct NotRepresentable: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// Checks that every field `scalelab train` cannot set on its command line has the
    /// trainer's default, so the child trains exactly `config` (the runner also compares the
    /// child's record with the stored config afterwards).
    public static func check(_ c: TrainingConfig) throws(NotRepresentable) {
        var reference = AdamWConfig()
        reference.weightDecay = c.hyperparameters.adamw.weightDecay
        let plain = TrainingConfig(shape: c.shape, tokens: c.tokens)
        guard c.hyperparameters.adamw == reference,
              c.hyperparameters.finalLearningRateFraction == Hyperparameters.defaults(for: c.shape, tokens: c.tokens).finalLearningRateFraction,
              c.validationFraction == plain.validationFraction,
              c.curveValidationBytes == plain.curveValidationBytes else {
            throw NotRepresentable(description: "the run's config sets AdamW betas/epsilon/clip, the final learning-rate fraction, the validation fraction or the curve bytes, which `scalelab train` cannot take on its command line")
        }
    }

    /// `train …` arguments that reproduce `config`, writing the record to `record` and
    /// checkpoints to `checkpoint`, resuming from it when it exists, printing JSON only.
    public static func arguments(for c: TrainingConfig, data: String, record: String, checkpoint: String,
                                 progress: String? = nil) -> [String] {
        let s = c.shape, h = c.hyperparameters
        return ["train", "--arch", s.architecture.rawValue, "--layers", "\(s.layers)", "--d-model", "\(s.dModel)",
                "--heads", "\(s.heads)", "--context", "\(s.context)", "--d-ff", "\(s.dFF)", "--tokens", "\(c.tokens)",
                "--batch", "\(h.batch)", "--micro-batch", "\(h.microBatch)", "--lr", "\(h.learningRate)",
                "--warmup-tokens", "\(h.warmupTokens)", "--weight-decay", "\(h.adamw.weightDecay)",
                "--final-lr-fraction", "\(h.finalLearningRateFraction)", "--seed", "\(c.seed)",
                "--threads", "\(c.threads)", "--curve-points", "\(c.curvePoints)",
                "--checkpoint-every", "\(c.checkpointEverySteps)", "--data", data, "--out", record,
                "--checkpoint", checkpoint, "--resume", "--json"] + (progress.map { ["--progress-file", $0] } ?? [])
    }

    /// This program's own executable: `/proc/self/exe` on Linux, else `argv[0]` made absolute.
    public static func currentExecutable() -> String {
        if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return target }
        let arg0 = CommandLine.arguments.first ?? "scalelab"
        return URL(fileURLWithPath: arg0, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath)).path
    }

    /// Whether process `pid` exists (signal 0) and is not a zombie: an orphan that exited but whose
    /// new parent has not reaped it yet (in a container, PID 1 may never reap) is gone for us.
    public static func isAlive(_ pid: Int32) -> Bool {
        guard pid > 0, kill(pid, 0) == 0 || errno == EPERM else { return false }
        return !isZombie(pid)
    }

    /// Linux: the state field of `/proc/<pid>/stat` (after the parenthesized command name) is `Z`.
    static func isZombie(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        return stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
    }

    /// Whether live process `pid` is a worker writing `record` (its command line names it):
    /// guards against signalling an unrelated process that reused the pid.
    static func isWorker(_ pid: Int32, writing record: String) -> Bool {
        guard isAlive(pid), let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
        return data.split(separator: 0).contains { String(decoding: $0, as: UTF8.self) == record }
    }
}
