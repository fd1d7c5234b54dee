import Foundation

/// Everything besides the float buffers that a resumed run needs to continue bitwise.
struct CheckpointState: Codable, Equatable {
    var format = 1
    var config: TrainingConfig
    var stepsDone: Int
    /// The data position: the sampler's generator state and sequences drawn.
    var sampler: BatchSampler
    var optimizerStep: Int
    var stepLosses: [Double]
    var learningCurve: [CurvePoint]
    /// Task evaluations so far (absent in checkpoints of runs without `--eval`).
    var evaluations: [TaskEvaluation]?
    var wallSeconds: Double
    var parameterCount: Int
    /// The run's corpus (`Corpus.source`), for a fine-tuning run that starts from this checkpoint
    /// to record (absent in checkpoints written before it was kept).
    var source: String?
    /// The run this one was fine-tuned from (`TrainingConfig.initFrom`), so a resumed fine-tuning
    /// run keeps it in its record without reading the parent's checkpoint again.
    var parent: ParentRun?
    /// The data position of a run with a unique-token cap (absent for other runs, and in
    /// checkpoints written before caps existed).
    var epochSampler: EpochSampler?
    /// The current learning-curve window's gradient-noise sums (absent for runs that do not
    /// measure it, and in checkpoints written before it was measured).
    var noiseWindow: GradientNoiseWindow?
}

/// Checkpoint file: the bytes "SCALELAB-CKPT\n", a little-endian UInt64 length, that many bytes
/// of JSON (`CheckpointState`), then parameters, AdamW m and AdamW v as raw little-endian Float32,
/// `parameterCount` each. Written to a temporary file and renamed, so a crash mid-write never
/// leaves a torn checkpoint.
enum Checkpoint {
    static let magic = Array("SCALELAB-CKPT\n".utf8)

    static func write(_ state: CheckpointState, model: any LanguageModel, optimizer: AdamW, to path: String) throws {
        let json = try RunRecord.jsonEncoder(pretty: false).encode(state)
        let n = model.parameterCount
        var data = Data(magic)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(json)
        for buffer in [model.parameters, optimizer.m, optimizer.v] {
            data.append(UnsafeBufferPointer(start: buffer, count: n))
        }
        let tmp = path + ".tmp"
        do { try data.write(to: URL(fileURLWithPath: tmp)) } catch {
            throw TrainerError.checkpoint("cannot write '\(path)': \(error.localizedDescription)")
        }
        // rename(2) replaces the old checkpoint in one step: a kill at any moment leaves the old
        // checkpoint or the new one. (Removing the old one first left a moment with neither: a
        // worker killed then restarted from scratch.)
        guard rename(tmp, path) == 0 else {
            throw TrainerError.checkpoint("cannot write '\(path)': cannot rename \(tmp) to it: \(String(cString: strerror(errno)))")
        }
    }

    /// Reads the state and the float buffers (parameters, AdamW m, AdamW v) of the checkpoint at `path`.
    static func readState(from path: String) throws -> (CheckpointState, Data) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TrainerError.checkpoint("no checkpoint at '\(path)'")
        }
        let (state, floatsOffset) = try decodeHeader(data, fileSize: data.count, path: path)
        return (state, data.subdata(in: floatsOffset..<data.count))
    }

    /// Reads only the JSON header of the checkpoint at `path` (not its float buffers, which may be
    /// hundreds of megabytes), checking that the file is as long as the header says.
    static func readHeader(from path: String) throws -> CheckpointState {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw TrainerError.checkpoint("no checkpoint at '\(path)'")
        }
        defer { try? handle.close() }
        do {
            let head = try handle.read(upToCount: magic.count + 8) ?? Data()
            let length = head.count == magic.count + 8 ? headerLength(head) : 0
            var prefix = head
            if Array(head.prefix(magic.count)) == magic, length > 0, length <= UInt64(Int32.max) {
                prefix.append(try handle.read(upToCount: Int(length)) ?? Data())
            }
            let size = try handle.seekToEnd()
            guard size <= UInt64(Int.max) else { throw TrainerError.checkpoint("'\(path)' is corrupt: it is too large") }
            return try decodeHeader(prefix, fileSize: Int(size), path: path).0
        } catch let e as TrainerError {
            throw e
        } catch {
            throw TrainerError.checkpoint("cannot read '\(path)': \(error.localizedDescription)")
        }
    }

    private static func headerLength(_ data: Data) -> UInt64 {
        data.subdata(in: magic.count..<(magic.count + 8)).withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
    }

    /// Decodes the header at the start of `data` (which holds at least the whole header, or the
    /// whole file) of a checkpoint file of `fileSize` bytes; returns the state and the offset of
    /// the float buffers. Lengths and counts come from the file, so each is checked before any
    /// arithmetic on it: a corrupt file is an error, never an overflow trap.
    private static func decodeHeader(_ data: Data, fileSize: Int, path: String) throws -> (CheckpointState, Int) {
        let head = magic.count + 8
        guard data.count >= head, Array(data.prefix(magic.count)) == magic else {
            throw TrainerError.checkpoint("'\(path)' is not a ScaleLab checkpoint")
        }
        let length = headerLength(data)
        guard length <= UInt64(data.count - head) else { throw TrainerError.checkpoint("'\(path)' is truncated") }
        let end = head + Int(length)
        let state: CheckpointState
        do {
            state = try RunRecord.jsonDecoder().decode(CheckpointState.self, from: data.subdata(in: head..<end))
        } catch {
            throw TrainerError.checkpoint("'\(path)' is corrupt: its header cannot be read (\(error))")
        }
        guard state.parameterCount >= 0, state.parameterCount <= (fileSize - end) / 12, fileSize - end == 12 * state.parameterCount else {
            throw TrainerError.checkpoint("'\(path)' is truncated or corrupt: its header says \(state.parameterCount) parameters "
                                          + "(3 buffers of 4-byte floats), but \(fileSize - end) bytes follow it")
        }
        return (state, end)
    }

    static func load(_ floats: Data, into model: any LanguageModel, optimizer: AdamW) {
        let n = model.parameterCount
        floats.withUnsafeBytes { raw in
            let f = raw.bindMemory(to: Float.self)
            model.parameters.update(from: f.baseAddress!, count: n)
            optimizer.m.update(from: f.baseAddress! + n, count: n)
            optimizer.v.update(from: f.baseAddress! + 2 * n, count: n)
        }
    }
}

/// A trained model read back from a checkpoint (`scalelab eval`).
public struct CheckpointedModel {
    /// The model, with the checkpoint's parameters.
    public let model: any LanguageModel
    /// The configuration of the run that wrote the checkpoint.
    public let config: TrainingConfig
    /// Optimizer steps the run had taken.
    public let steps: Int

    /// Training tokens the model had seen.
    public var tokens: Int { steps * config.tokensPerStep }

    /// Reads the checkpoint at `path` (written by `train` with a checkpoint path) into a new
    /// model that runs `microBatch` sequences per forward pass on `threads` threads. Throws
    /// `TrainerError.checkpoint` for a missing, foreign, truncated or corrupt file.
    public init(path: String, microBatch: Int, threads: Int) throws {
        let (state, floats) = try Checkpoint.readState(from: path)
        let model = try makeModel(state.config.shape, microBatch: microBatch, threads: threads)
        guard model.parameterCount == state.parameterCount else {
            throw TrainerError.checkpoint("'\(path)' is corrupt: it holds \(state.parameterCount) parameters but its shape has \(model.parameterCount)")
        }
        floats.withUnsafeBytes { raw in
            model.parameters.update(from: raw.bindMemory(to: Float.self).baseAddress!, count: model.parameterCount)
        }
        self.model = model; config = state.config; steps = state.stepsDone
    }
}
