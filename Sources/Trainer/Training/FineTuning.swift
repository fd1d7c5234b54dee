import Foundation

/// The run a fine-tuning run started from (`TrainingConfig.initFrom`), as its checkpoint
/// described it when the fine-tuning run read it: the `parent` of the child's `RunRecord`.
public struct ParentRun: Sendable, Codable, Equatable {
    /// The checkpoint file the parameters were read from, as given to `--init-from`.
    public var checkpoint: String
    /// The configuration of the run that wrote the checkpoint (its own `initFrom` set when it
    /// was itself fine-tuned).
    public var config: TrainingConfig
    /// Optimizer steps the parent had taken when it wrote the checkpoint.
    public var steps: Int
    /// Training tokens the parent had seen (steps × its tokens per step).
    public var tokens: Int
    /// Whether the parent had trained its whole token budget (false for the checkpoint of an
    /// interrupted run, or a periodic one taken mid-run).
    public var completed: Bool
    /// The parent's corpus (its `DataSummary.source`); nil when the checkpoint was written before
    /// checkpoints kept it.
    public var dataSource: String?
    /// The 64-bit FNV-1a hash of the parameters' bytes as read, in hex: which weights the child
    /// started from, whatever later happens to the file at `checkpoint`.
    public var parameterDigest: String
}

extension TrainingConfig {
    /// The configuration of the run that wrote the checkpoint at `path`, read from the file's
    /// header alone (not its parameters). For taking a fine-tuning run's shape from its parent.
    /// Throws `TrainerError.checkpoint` for a missing, foreign, truncated or corrupt file.
    /// Errors are phrased for `--init-from`, the option that names such a file.
    public static func ofCheckpoint(at path: String) throws -> TrainingConfig {
        try FineTuning.reading(path) { try Checkpoint.readHeader(from: path).config }
    }
}

extension TrainingConfig {
    /// Checks that this run can start from the parameters of a model of shape `parent` (the
    /// shape of the checkpoint at `path`); the error names every dimension that differs, with
    /// the checkpoint's value and this run's, and the options that fix it.
    public func checkFineTuningShape(_ parent: ModelShape, checkpoint path: String) throws {
        let differences = shape.fineTuningDifferences(from: parent)
        guard !differences.isEmpty else { return }
        let values = differences.map { "\($0.name) \($0.checkpoint), this run \($0.run)" }.joined(separator: "; ")
        let options = differences.compactMap { d in d.option.map { "\($0) \(d.checkpoint)" } }.joined(separator: " ")
        throw TrainerError.checkpoint("--init-from '\(path)' has \(values): fine-tune with the checkpoint's shape"
                                      + (options.isEmpty ? "" : " (\(options), or leave the shape options out to take the checkpoint's)"))
    }
}

extension ModelShape {
    /// The dimensions in which a run of this shape cannot start from the parameters of a model of
    /// shape `checkpoint`: (option, name, the checkpoint's value, this run's value). Heads and MLP
    /// width count for transformers only (an LSTM has neither); the MLP width is left out when
    /// both are the default 4·d_model, since d_model then names the difference.
    func fineTuningDifferences(from checkpoint: ModelShape) -> [(option: String?, name: String, checkpoint: String, run: String)] {
        var out: [(option: String?, name: String, checkpoint: String, run: String)] = []
        func compare<T: Equatable>(_ option: String?, _ name: String, _ a: T, _ b: T) {
            if a != b { out.append((option, name, "\(a)", "\(b)")) }
        }
        compare("--arch", "architecture", checkpoint.architecture.rawValue, architecture.rawValue)
        compare("--layers", "layers", checkpoint.layers, layers)
        compare("--d-model", "d_model", checkpoint.dModel, dModel)
        if architecture == .transformer && checkpoint.architecture == .transformer {
            compare("--heads", "heads", checkpoint.heads, heads)
            // The default MLP width follows d_model: a difference there is already named.
            if !(checkpoint.dFF == 4 * checkpoint.dModel && dFF == 4 * dModel) { compare("--d-ff", "d_ff", checkpoint.dFF, dFF) }
        }
        compare("--context", "context", checkpoint.context, context)
        compare(nil, "vocab", checkpoint.vocab, vocab)
        return out
    }
}

/// Starting a run from another run's checkpoint (`TrainingConfig.initFrom`).
enum FineTuning {
    /// Runs `read` on the checkpoint file at `path`, with its errors phrased for `--init-from`:
    /// a missing file or a folder says where train writes checkpoints; a foreign, truncated or
    /// corrupt file says so.
    static func reading<T>(_ path: String, _ read: () throws -> T) throws -> T {
        var isFolder: ObjCBool = false
        let hint = "give the checkpoint file of the run to fine-tune from (train writes it to --checkpoint, or to <out>.ckpt beside its --out record)"
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw TrainerError.checkpoint("--init-from '\(path)' does not exist; \(hint)")
        }
        guard !isFolder.boolValue else { throw TrainerError.checkpoint("--init-from '\(path)' is a folder; \(hint)") }
        do {
            return try read()
        } catch TrainerError.checkpoint(let m) {
            // A run record given instead of its checkpoint (train --out run.json writes run.json.ckpt).
            let sibling = path + ".ckpt"
            let guess = FileManager.default.fileExists(atPath: sibling) ? " (such as '\(sibling)' beside it)" : ""
            throw TrainerError.checkpoint("--init-from: \(m); give the checkpoint file a ScaleLab train run wrote\(guess)")
        }
    }

    /// Reads the checkpoint at `path` for a run of `config`: checks that its shape is the run's
    /// (the error names each dimension that differs, with both values) and returns the parent's
    /// description and its parameters (the first `parameterCount` floats; AdamW's m and v are left).
    static func readParent(_ path: String, for config: TrainingConfig) throws -> (ParentRun, Data) {
        let (state, floats) = try reading(path) { try Checkpoint.readState(from: path) }
        try config.checkFineTuningShape(state.config.shape, checkpoint: path)
        let n = config.shape.parameterCount
        guard state.parameterCount == n else {
            throw TrainerError.checkpoint("--init-from '\(path)' is corrupt: it holds \(state.parameterCount) parameters but its shape has \(n)")
        }
        let parameters = floats.prefix(4 * n)
        let parent = ParentRun(checkpoint: path, config: state.config, steps: state.stepsDone,
                               tokens: state.stepsDone * state.config.tokensPerStep,
                               completed: state.stepsDone >= state.config.steps, dataSource: state.source,
                               parameterDigest: digest(parameters))
        return (parent, Data(parameters))
    }

    /// Copies `parameters` (raw little-endian Float32, `model.parameterCount` of them) into the model.
    static func load(_ parameters: Data, into model: any LanguageModel) {
        let n = model.parameterCount
        precondition(parameters.count == 4 * n, "FineTuning.load: \(parameters.count) bytes for \(n) parameters")
        parameters.withUnsafeBytes { raw in
            guard let base = raw.bindMemory(to: Float.self).baseAddress else { return }
            model.parameters.update(from: base, count: n)
        }
    }

    /// The 64-bit FNV-1a hash of `bytes`, as 16 hex digits.
    static func digest(_ bytes: Data) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        let hex = String(h, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
