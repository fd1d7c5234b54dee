import Foundation
import Trainer

/// A user's training command (`ladder run --train-command 'TEMPLATE'`): a shell command line
/// with `{placeholder}`s for every planned field of the run, run by `/bin/sh -c` in the run
/// directory. Each value is substituted shell-quoted, so a value never splits into two words
/// or runs as code; `{{` and `}}` are literal braces.
///
/// The same values are in the command's environment as `SCALELAB_<NAME>` (`SCALELAB_RUN_ID`,
/// `SCALELAB_RESULT`, …). The command must write its result (`TrainerResult`, or ScaleLab's own
/// record) to `{result}` once, by atomic rename.
public struct TrainCommandTemplate: Sendable, Equatable {
    public let template: String

    /// Every placeholder, with what it stands for (docs/trainers.md lists the same).
    public static let placeholders: [(name: String, meaning: String)] = [
        ("run_id", "the run's id in the store"),
        ("sweep_id", "its sweep's id"),
        ("arch", "transformer or lstm"),
        ("layers", "layers"),
        ("d_model", "model width"),
        ("heads", "attention heads"),
        ("d_ff", "feed-forward width"),
        ("vocab", "vocabulary size"),
        ("context", "context length in tokens"),
        ("params", "N, all parameters (as planned)"),
        ("non_embedding_params", "N without embeddings"),
        ("tokens", "D, the token budget"),
        ("flops", "C, planned training FLOPs"),
        ("batch", "sequences per optimizer step"),
        ("micro_batch", "sequences per forward/backward pass"),
        ("learning_rate", "peak learning rate"),
        ("warmup_tokens", "warm-up tokens"),
        ("final_lr_fraction", "final learning rate as a fraction of the peak"),
        ("weight_decay", "AdamW weight decay"),
        ("seed", "random seed"),
        ("threads", "CPU threads (Slurm: --cpus-per-task)"),
        ("config", "the run's full TrainingConfig as a JSON file"),
        ("result", "where to write the result file"),
        ("checkpoint", "the run's checkpoint file (resume from it when it exists)"),
        ("log", "the run's log file (stdout and stderr already go there)"),
        ("dir", "the run directory"),
        ("data", "the corpus given to ladder run --data"),
    ]

    /// Why a template cannot be used.
    public struct TemplateError: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// Checks that every `{name}` is a known placeholder and the braces balance; a template must
    /// name `{result}` or read `SCALELAB_RESULT` (it cannot be checked, so it is not required).
    public init(_ template: String) throws(TemplateError) {
        guard !template.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw TemplateError(description: "--train-command is empty; give the command that trains one run, e.g. 'python train.py --params {params} --tokens {tokens} --out {result}'")
        }
        let known = Set(Self.placeholders.map(\.name))
        for name in try Self.names(in: template) where !known.contains(name) {
            throw TemplateError(description: "--train-command: unknown placeholder {\(name)}; known: "
                + Self.placeholders.map { "{\($0.name)}" }.joined(separator: " "))
        }
        self.template = template
    }

    /// The `{name}`s of a template, in order.
    static func names(in template: String) throws(TemplateError) -> [String] {
        var names: [String] = []
        var chars = Array(template)[...]
        while let c = chars.popFirst() {
            if c == "{" {
                if chars.first == "{" { chars.removeFirst(); continue }
                guard let close = chars.firstIndex(of: "}") else {
                    throw TemplateError(description: "--train-command: a '{' without its '}' (write {{ for a literal brace)")
                }
                names.append(String(chars[chars.startIndex..<close]))
                chars = chars[(close + 1)...]
            } else if c == "}" {
                guard chars.first == "}" else {
                    throw TemplateError(description: "--train-command: a '}' without its '{' (write }} for a literal brace)")
                }
                chars.removeFirst()
            }
        }
        return names
    }

    /// The command line with every placeholder replaced by its shell-quoted value.
    public func expand(_ values: [String: String]) -> String {
        var out = ""
        var chars = Array(template)[...]
        while let c = chars.popFirst() {
            if c == "{" {
                if chars.first == "{" { chars.removeFirst(); out.append("{"); continue }
                let close = chars.firstIndex(of: "}")!   // checked by init
                let name = String(chars[chars.startIndex..<close])
                out += Self.shellQuoted(values[name] ?? "")
                chars = chars[(close + 1)...]
            } else if c == "}" {
                chars.removeFirst()   // "}}", checked by init
                out.append("}")
            } else {
                out.append(c)
            }
        }
        return out
    }

    /// `'value'` with each `'` written as `'\''`; plain words (letters, digits, `._-+/=:,@%`) as they are.
    public static func shellQuoted(_ value: String) -> String {
        let plain = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-+/=:,@%")
        if !value.isEmpty, value.unicodeScalars.allSatisfy(plain.contains) { return value }
        return "'" + value.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// The placeholder values of one run.
    public static func values(runID: Int64, sweepID: Int64, config c: TrainingConfig, plannedFLOPs: Double?,
                              files: RunFiles, data: String) -> [String: String] {
        let s = c.shape, h = c.hyperparameters
        return [
            "run_id": String(runID), "sweep_id": String(sweepID), "arch": s.architecture.rawValue,
            "layers": String(s.layers), "d_model": String(s.dModel), "heads": String(s.heads), "d_ff": String(s.dFF),
            "vocab": String(s.vocab), "context": String(s.context), "params": String(s.parameterCount),
            "non_embedding_params": String(s.nonEmbeddingParameterCount), "tokens": String(c.tokens),
            "flops": plannedFLOPs.map { String($0) } ?? "", "batch": String(h.batch), "micro_batch": String(h.microBatch),
            "learning_rate": String(h.learningRate), "warmup_tokens": String(h.warmupTokens),
            "final_lr_fraction": String(h.finalLearningRateFraction), "weight_decay": String(h.adamw.weightDecay),
            "seed": String(c.seed), "threads": String(c.threads), "config": files.config, "result": files.record,
            "checkpoint": files.checkpoint, "log": files.log, "dir": files.directory, "data": data,
        ]
    }

    /// The values as environment variables: `SCALELAB_RUN_ID`, `SCALELAB_RESULT`, ….
    public static func environment(_ values: [String: String]) -> [String: String] {
        Dictionary(uniqueKeysWithValues: values.map { ("SCALELAB_" + $0.key.uppercased(), $0.value) })
    }
}

/// A run's files in the run directory, all named by its id.
public struct RunFiles: Sendable, Equatable {
    /// Writes `data` to `path` once, by atomic rename (`<path>.tmp`, then renamed over `path`), so
    /// a reader (the runner, a worker, a node of a shared filesystem) never sees half a file.
    /// Returns nil when written, else why not.
    public static func replace(_ data: Data, at path: String) -> String? {
        let tmp = path + ".tmp"
        do { try data.write(to: URL(fileURLWithPath: tmp)) } catch { return "cannot write \(tmp): \(error.localizedDescription)" }
        guard rename(tmp, path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: tmp)   // best effort: the rename's error is the one to report
            return "cannot rename \(tmp) to it: \(reason)"
        }
        return nil
    }

    public var directory: String
    /// `run-<id>.json`: the result (ScaleLab's record or any trainer's result).
    public var record: String
    public var checkpoint: String
    public var log: String
    public var progress: String
    public var config: String
    /// `run-<id>.exit`: the exit status, written by executors that cannot watch the process.
    public var exit: String

    public init(directory: String, runID id: Int64) {
        self.directory = directory
        let base = (directory as NSString).appendingPathComponent("run-\(id)")
        record = base + ".json"
        checkpoint = base + ".ckpt"
        log = base + ".log"
        progress = base + ".progress.json"
        config = base + ".config.json"
        exit = base + ".exit"
    }
}
