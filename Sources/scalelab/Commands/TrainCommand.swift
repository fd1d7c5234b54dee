import ArgumentParser
import Dispatch
import Foundation
import Trainer

/// `scalelab train`: one training run; a live progress line on stderr, the run record to --out.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train one byte-level language model on the CPU and write its run record.",
        discussion: """
        Unset optimization values come from the default rule (Hyperparameters.defaults): learning \
        rate, batch and warm-up as functions of model size and token budget. Ctrl-C writes a \
        checkpoint and a record marked interrupted; --resume continues bitwise where it stopped.
        """
    )

    // The shape options have no declared defaults: an unset one takes the --init-from
    // checkpoint's value, else the default named in its help (`ShapeDefaults`).
    @Option(help: "Architecture: transformer or lstm (default: transformer, or the --init-from checkpoint's).") var arch: String?
    @Option(help: "Transformer blocks or LSTM layers (default: 2, or the --init-from checkpoint's).") var layers: Int?
    @Option(name: .customLong("d-model"), help: "Residual width (transformer) or hidden size (LSTM) (default: 64, or the --init-from checkpoint's).")
    var dModel: Int?
    @Option(help: "Attention heads (must divide --d-model) (default: 4, or the --init-from checkpoint's).") var heads: Int?
    @Option(help: "Context length T in bytes (default: 128, or the --init-from checkpoint's).") var context: Int?
    @Option(name: .customLong("d-ff"), help: "MLP width (default 4·d-model, or the --init-from checkpoint's).") var dFF: Int?
    @Option(name: .customLong("init-from"), help: ArgumentHelp(
        "Fine-tune: start from the parameters in this checkpoint (written by train) instead of a random initialization.",
        discussion: "The optimizer state, step count, learning-rate schedule and token budget are this run's own; the shape must be the checkpoint's (unset shape options take its values). The record names the parent run."))
    var initFrom: String?
    @Option(help: "Token budget D (bytes trained on).") var tokens: Int = 1_000_000
    @Option(help: "Sequences per optimizer step (default: the rule).") var batch: Int?
    @Option(name: .customLong("micro-batch"), help: "Sequences per forward pass; must divide --batch.") var microBatch: Int?
    @Option(help: "Peak learning rate (default: the rule).") var lr: Double?
    @Option(name: .customLong("warmup-tokens"), help: "Warm-up length in tokens (default: the rule).") var warmupTokens: Int?
    @Option(name: .customLong("weight-decay"), help: "AdamW decoupled weight decay on matrices.") var weightDecay: Double = 0.1
    @Option(name: .customLong("final-lr-fraction"), help: "The cosine decays to this fraction of the peak learning rate.") var finalLRFraction: Double = 0.1
    @Option(help: "Random seed (initialization and data order).") var seed: UInt64 = 0
    @Option(help: "Threads for OpenBLAS and the kernels (default: all cores).") var threads: Int?
    @Option(help: "Text file or folder of text files.") var data: String = "data/shakespeare.txt"
    @Option(help: "Where to write the run record (JSON).") var out: String?
    @Option(help: "Checkpoint file (default: <out>.ckpt when --out is set).") var checkpoint: String?
    @Option(name: .customLong("checkpoint-every"), help: "Also checkpoint every this many steps (0: only on Ctrl-C and at the end, for scalelab eval).") var checkpointEvery: Int = 0
    @Flag(help: "Continue from the checkpoint if it exists.") var resume = false
    @Option(name: .customLong("progress-file"), help: "Also keep the latest progress as JSON in this file (for runners), rewritten at most once a second.")
    var progressFile: String?
    @Option(name: .customLong("curve-points"), help: "Log-spaced validation points.") var curvePoints: Int = 12
    @Option(help: "Mix task lines into the training bytes: TASK:FRACTION items, such as addition-3:0.1,reversal-5:0.05 (tasks: addition-K, reversal-K, copy-K; validation stays the plain corpus).")
    var mix: String?
    @Option(help: "Evaluate these tasks (such as addition-3,reversal-4) at every learning-curve point; recorded in the run record's evaluations.")
    var eval: String?
    @Option(name: .customLong("eval-examples"), help: "Held-out examples per --eval task (default 500).") var evalExamples: Int?
    @Option(name: .customLong("unique-tokens"), help: ArgumentHelp(
        "Train on the first U bytes of the training split only, repeated in epochs (shuffled from --seed) for the --tokens budget.",
        discussion: "Repeated data, as in Muennighoff et al. 2023: at least --context + 1 and at most the training split's bytes "
            + "(the corpus less its last 10%); validation stays the whole held-out split. The run's stored U is the cap."))
    var uniqueTokens: Double?
    @Option(name: .customLong("noise-scale-every"), help: ArgumentHelp(
        "Measure the gradient noise scale B_simple every this many steps, reported per learning-curve point.",
        discussion: "McCandlish et al. 2018: each measured step also computes one sequence's gradient beside the step's own "
            + "(one extra forward and backward pass of one sequence) and keeps unbiased estimates of |G|² and tr(Σ); needs --batch of "
            + "at least 2 sequences. Changes no loss."))
    var noiseScaleEvery: Int?
    @Flag(help: "Print only the final record as JSON on stdout.") var json = false

    func validate() throws {
        if let microBatch, let batch, batch % microBatch != 0 {
            throw ValidationError("--micro-batch \(microBatch) must divide --batch \(batch)")
        }
        if let batch, batch > TrainingConfig.maximumBatch {
            throw ValidationError("--batch must be at most \(TrainingConfig.maximumBatch) sequences, got \(batch)")
        }
        do { _ = try makeConfig() } catch let e as TrainerError {
            // An --init-from checkpoint that cannot be read, or has another shape, is a bad file
            // rather than a bad command line: run() reports it without the usage.
            if case .checkpoint = e { return }
            throw ValidationError(e.description)
        }
    }

    /// The defaults of the shape options without --init-from.
    enum ShapeDefaults {
        static let shape = ModelShape(architecture: .transformer, layers: 2, dModel: 64, heads: 4, context: 128)
    }

    /// The checkpoint path of the run (--checkpoint, else <out>.ckpt when --out is set).
    var checkpointPath: String? { checkpoint ?? out.map { $0 + ".ckpt" } }

    /// The shape unset options take: the --init-from checkpoint's (or, resuming, the run's own
    /// checkpoint's, so a resumed fine-tuning run does not need its parent's file), else the defaults.
    func baseShape() throws -> ModelShape {
        guard let initFrom else { return ShapeDefaults.shape }
        if resume, let own = checkpointPath, FileManager.default.fileExists(atPath: own),
           let c = try? TrainingConfig.ofCheckpoint(at: own), c.initFrom == initFrom {
            return c.shape
        }
        return try TrainingConfig.ofCheckpoint(at: initFrom).shape
    }

    func makeConfig() throws -> TrainingConfig {
        let base = try baseShape()
        let shape = ModelShape(architecture: try arch.map(Architecture.parse) ?? base.architecture, layers: layers ?? base.layers,
                               dModel: dModel ?? base.dModel, heads: heads ?? base.heads, context: context ?? base.context,
                               dFF: dFF ?? (initFrom != nil ? base.dFF : nil))
        try shape.validate()
        var h = Hyperparameters.defaults(for: shape, tokens: max(1, tokens))
        if let lr { h.learningRate = lr }
        if let batch {
            h.batch = batch
            h.microBatch = microBatch ?? Hyperparameters.defaultMicroBatch(for: shape, batch: batch)
        } else if let microBatch {
            h.microBatch = microBatch
            h.batch = max(microBatch, h.batch / microBatch * microBatch)
        }
        if let warmupTokens { h.warmupTokens = warmupTokens }
        h.adamw.weightDecay = weightDecay
        h.finalLearningRateFraction = finalLRFraction
        var config = TrainingConfig(shape: shape, tokens: tokens, seed: seed, hyperparameters: h,
                                    threads: threads ?? ProcessInfo.processInfo.activeProcessorCount)
        config.curvePoints = curvePoints
        config.checkpointEverySteps = checkpointEvery
        if let mix { config.mix = try TaskMixture.parseList(mix) }
        if let eval { config.evaluationTasks = try TaskSuite.parseList(eval).map(\.description) }
        config.evaluationExamples = evalExamples
        config.initFrom = initFrom
        config.noiseScaleEvery = noiseScaleEvery
        if let u = uniqueTokens {
            // A Double on the command line (1e6 reads well); it must be a whole, finite count.
            guard u.isFinite, u.rounded() == u, u >= 1, u <= Double(Int32.max) else {
                throw TrainerError.invalidConfiguration("--unique-tokens must be a whole number of bytes from 1 to \(Int32.max), got \(u)")
            }
            config.uniqueTokens = Int(u)
        }
        try config.validate()
        if let initFrom, let parent = try? TrainingConfig.ofCheckpoint(at: initFrom) {
            try config.checkFineTuningShape(parent.shape, checkpoint: initFrom)
        }
        return config
    }

    func run() throws {
        let config: TrainingConfig
        do { config = try makeConfig() } catch let e as TrainerError {
            if case .checkpoint = e { throw CommandFailure(e.description) }
            throw ValidationError(e.description)
        }
        let checkpoint = checkpointPath
        try OutputFile.check([("--out", out), ("--checkpoint", checkpoint), ("--progress-file", progressFile)],
                             inputs: [OutputFile.Input("--data", data), OutputFile.Input("--init-from", initFrom)])
        try TrainExecution.run(config, data: data, out: out, checkpoint: checkpoint,
                               resume: resume, progressFile: progressFile, json: json)
    }
}

/// One training run as `train` and `worker` do it: load the corpus, train with SIGINT or SIGTERM turned
/// into a checkpoint and an `interrupted` record, write the record, exit 2 if it diverged and
/// 130 if interrupted.
enum TrainExecution {
    static func run(_ config: TrainingConfig, data: String, out: String?, checkpoint: String?, resume: Bool,
                    progressFile: String?, json: Bool) throws {
        let corpus: Corpus
        do { corpus = try Corpus.load(path: data) } catch let e as TrainerError { throw CommandFailure(e.description) }

        // SIGINT (Ctrl-C, or the runner stopping its workers) or SIGTERM (Slurm's time limit,
        // preemption, scancel): checkpoint and write an interrupted record.
        let record = try Interrupts.stoppingOn([SIGINT, SIGTERM]) { stop -> RunRecord in
            let progress = ProgressLine(enabled: !json && isatty(STDERR_FILENO) == 1, file: progressFile)
            let peak = SGEMMPeakCommand.measureInChildProcess(threads: config.threads) ?? measureSGEMMPeak(threads: config.threads)
            if !json {
                let s = config.shape
                let from: String = config.initFrom.map { "fine-tuning from \($0), " } ?? ""
                FileHandle.standardError.write(Data(("scalelab train: \(s.architecture.rawValue) L=\(s.layers) d=\(s.dModel) T=\(s.context), " +
                    "N=\(s.parameterCount) (non-embedding \(s.nonEmbeddingParameterCount)), " + from +
                    "\(config.steps) steps × \(config.tokensPerStep) tokens, lr \(config.hyperparameters.learningRate), " +
                    "batch \(config.hyperparameters.batch)/\(config.hyperparameters.microBatch), sgemm peak \(Int(peak / 1e9)) GFLOP/s\n").utf8))
            }
            let options = TrainingOptions(version: ScaleLabVersion.current, checkpointPath: checkpoint,
                                          resume: resume, stop: stop, peakFLOPS: peak,
                                          progress: { progress.update($0) })
            let record: RunRecord
            do { record = try train(config, corpus: corpus, options: options) } catch let e as TrainerError {
                throw CommandFailure(e.description)
            }
            progress.finish()

            let data = try RunRecord.jsonEncoder().encode(record)
            if let out { try OutputFile.write(data, to: out) }
            if json {
                print(String(decoding: data, as: UTF8.self))
            } else {
                FileHandle.standardError.write(Data(summary(record).utf8))
            }
            return record
        }
        if record.status == .diverged { throw ExitCode(2) }
        if record.status == .interrupted { throw ExitCode(130) }
    }

    static func summary(_ r: RunRecord) -> String {
        var s = "\(r.status.rawValue): \(r.message)\n"
        if let p = r.parent {
            s += "fine-tuned from \(p.checkpoint): \(p.steps) steps, \(p.tokens) tokens" + (p.dataSource.map { " of \($0)" } ?? "")
                + (p.completed ? "" : " (not its whole budget)") + ", parameters \(p.parameterDigest)\n"
        }
        s += String(format: "tokens %d in %.1f s (%.0f tokens/s), %.3g FLOPs", r.tokens, r.wallSeconds, r.tokensPerSecond, r.flops)
        if let mfu = r.mfu { s += String(format: ", MFU %.1f%%", 100 * mfu) }
        s += "\n"
        for p in r.learningCurve {
            s += String(format: "  tokens %10d  train %.4f  val %.4f nats  %.4f bits/byte\n", p.tokens, p.trainLoss, p.validationLoss, p.validationBitsPerByte)
        }
        if let evaluations = r.evaluations, let last = evaluations.last?.step {
            s += "task evaluations at step \(last):\n" + TaskTable.text(evaluations.filter { $0.step == last })
        }
        if let v = r.finalValidationLoss, let b = r.finalValidationBitsPerByte {
            s += String(format: "final validation loss %.4f nats/token, %.4f bits/byte (whole validation set, %d bytes)\n", v, b, r.data.validationBytes)
        }
        return s
    }
}

/// A single self-overwriting status line on a terminal, at most a few times per second.
/// With `file`, also keeps the latest progress there as JSON (written to a temporary file and
/// renamed, so a reader never sees half a file), at most once a second.
final class ProgressLine: @unchecked Sendable {
    let enabled: Bool
    let file: String?
    private var last = DispatchTime.now().uptimeNanoseconds
    private var lastFile: UInt64 = 0
    init(enabled: Bool, file: String? = nil) { self.enabled = enabled; self.file = file }

    func update(_ p: TrainingProgress) {
        if let file {
            let now = DispatchTime.now().uptimeNanoseconds
            if now - lastFile > 1_000_000_000 || p.step == p.steps, let data = try? RunRecord.jsonEncoder(pretty: false).encode(p) {
                lastFile = now
                let tmp = file + ".tmp"
                if FileManager.default.createFile(atPath: tmp, contents: data) { _ = rename(tmp, file) }
            }
        }
        guard enabled else { return }
        let now = DispatchTime.now().uptimeNanoseconds
        guard now - last > 200_000_000 || p.step == p.steps else { return }
        last = now
        let line = String(format: "\r\u{1B}[K step %d/%d  tokens %d/%d  loss %.4f  %.0f tokens/s  ETA %@",
                          p.step, p.steps, p.tokens, p.totalTokens, p.loss, p.tokensPerSecond, Output.duration(p.etaSeconds))
        FileHandle.standardError.write(Data(line.utf8))
    }

    func finish() { if enabled { FileHandle.standardError.write(Data("\n".utf8)) } }
}
