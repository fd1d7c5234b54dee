import Foundation

/// What the training loop reports after each step (for a progress line).
public struct TrainingProgress: Sendable, Codable, Equatable {
    public var step: Int
    public var steps: Int
    public var tokens: Int
    public var totalTokens: Int
    public var loss: Double
    public var tokensPerSecond: Double
    public var etaSeconds: Double
}

/// How to run (not what to train): none of this changes the losses.
public struct TrainingOptions {
    /// Written into the record (the caller's ScaleLab version).
    public var version: String
    /// Where to write checkpoints (on interruption and every `checkpointEverySteps`).
    public var checkpointPath: String?
    /// Continue from the checkpoint at `checkpointPath` if it exists.
    public var resume = false
    public var stop: StopRequest?
    public var progress: ((TrainingProgress) -> Void)?
    /// Measured sgemm peak (FLOP/s) for the MFU; nil leaves the MFU out.
    public var peakFLOPS: Double?

    public init(version: String, checkpointPath: String? = nil, resume: Bool = false, stop: StopRequest? = nil,
                peakFLOPS: Double? = nil, progress: ((TrainingProgress) -> Void)? = nil) {
        self.version = version; self.checkpointPath = checkpointPath; self.resume = resume
        self.stop = stop; self.peakFLOPS = peakFLOPS; self.progress = progress
    }
}

/// Trains one model on `corpus` for the config's token budget and returns its record.
///
/// Bad configurations and data throw before any training; a NaN/∞ loss ends the run with
/// status `diverged`; a stop request ends it with status `interrupted` after writing a
/// checkpoint. Same config, data and thread count ⇒ bitwise the same `stepLosses`, and a
/// resumed run continues exactly as if it had never stopped.
public func train(_ config: TrainingConfig, corpus: Corpus, options: TrainingOptions) throws -> RunRecord {
    try config.validate()
    // A resumed run continues from its own checkpoint, a fine-tuning run included: its parent is
    // read only when the run starts, and its description travels in the run's checkpoints.
    let resuming = options.resume && options.checkpointPath.map { FileManager.default.fileExists(atPath: $0) } == true
    let parent = try resuming ? nil : config.initFrom.map { try FineTuning.readParent($0, for: config) }
    let split = try CorpusSplit(corpus, validationFraction: config.validationFraction, context: config.shape.context)
    let h = config.hyperparameters, T = config.shape.context
    // A mix replaces the training bytes by the corpus's with task lines among them; validation
    // stays the plain corpus's. Built from the seed alone, before the model, so it never draws
    // from the generators that initialize or sample.
    // A unique-token cap keeps the training split's first U bytes (validate() refused it with a mix).
    if let U = config.uniqueTokens, U > split.train.count {
        throw TrainerError.invalidConfiguration("--unique-tokens \(U) is more than the training split's \(split.train.count) bytes "
            + "(the corpus less its last \(Int((config.validationFraction * 100).rounded()))% held out); give at most \(split.train.count)")
    }
    let trainBytes = try config.mix.map { try TaskMixture.mixedStream(corpus: split.train, mix: $0, seed: config.seed) }
        ?? config.uniqueTokens.map { Array(split.train.prefix($0)) } ?? split.train
    let evaluationSets = try config.evaluationSuites().map {
        ($0, try $0.evaluationSet(count: config.evaluationExamples ?? TaskSuite.defaultEvaluationExamples, seed: 0))
    }
    // OpenBLAS runs single-threaded; the kernels split work across `threads` themselves, with
    // fixed chunk boundaries (no spinning BLAS threads competing with ours, and deterministic).
    setBLASThreads(1)
    let baselineResident = residentBytes()
    let model = try makeModel(config.shape, microBatch: h.microBatch, threads: config.threads)
    let optimizer = AdamW(config: h.adamw, tensors: model.tensors, count: model.parameterCount)
    let curveBytes = Array(split.validation.prefix(max(T + 1, config.curveValidationBytes)))
    var record = RunRecord(version: options.version, status: .completed, message: "", config: config,
                           data: DataSummary(source: corpus.source, trainBytes: split.train.count,
                                             validationBytes: split.validation.count, curveValidationBytes: curveBytes.count,
                                             mixedTrainBytes: config.mix == nil ? nil : trainBytes.count,
                                             uniqueTokens: config.uniqueTokens),
                           parameters: model.parameterCount, nonEmbeddingParameters: model.nonEmbeddingParameterCount)
    var sampler = BatchSampler(seed: config.seed &+ 0x5CA1_AB1E)
    var epochSampler = config.uniqueTokens.map { EpochSampler(seed: config.seed &+ 0x5CA1_AB1E, unique: $0, context: T) }
    var startStep = 0, priorSeconds = 0.0
    var noiseWindow = GradientNoiseWindow()
    if resuming, let path = options.checkpointPath {
        let (state, floats) = try Checkpoint.readState(from: path)
        guard state.config == config, state.parameterCount == model.parameterCount else {
            throw TrainerError.checkpoint("'\(path)' was written by a run with a different configuration")
        }
        Checkpoint.load(floats, into: model, optimizer: optimizer)
        optimizer.step = state.optimizerStep
        sampler = state.sampler
        if epochSampler != nil {
            guard let saved = state.epochSampler else {
                throw TrainerError.checkpoint("'\(path)' has no data position of a run with --unique-tokens; start the run afresh")
            }
            epochSampler = saved
        }
        startStep = state.stepsDone
        noiseWindow = state.noiseWindow ?? GradientNoiseWindow()
        record.stepLosses = state.stepLosses
        record.learningCurve = state.learningCurve
        record.evaluations = state.evaluations
        record.parent = state.parent
        priorSeconds = state.wallSeconds
    } else {
        if !evaluationSets.isEmpty { record.evaluations = [] }
        if let parent {
            // Fine-tuning: the parent's parameters; AdamW's moments stay zero and its step 0.
            FineTuning.load(parent.1, into: model)
            record.parent = parent.0
        } else {
            var rng = SeededGenerator(seed: config.seed)
            model.initialize(using: &rng)
        }
    }

    let schedule = config.schedule, steps = config.steps, curveSteps = Set(config.curveSteps)
    let inputs = UnsafeMutablePointer<UInt8>.allocate(capacity: h.microBatch * T)
    let targets = UnsafeMutablePointer<UInt8>.allocate(capacity: h.microBatch * T)
    // The step's gradient, kept while a gradient-noise measurement computes a one-sequence one.
    let savedGradients = config.noiseScaleEvery == nil ? nil : allocateFloats(model.parameterCount)
    defer { inputs.deallocate(); targets.deallocate(); savedGradients.map { deallocateFloats($0) } }
    let clock = ContinuousClock(), start = clock.now
    func seconds(_ d: Duration) -> Double { d / .seconds(1) }
    func elapsed() -> Double { priorSeconds + seconds(clock.now - start) }
    var evaluationSeconds = 0.0
    // Steady-state timing starts after the session's first few steps (and leaves out evaluation).
    var steadyStart: ContinuousClock.Instant?, steadyEvaluationSeconds = 0.0
    func checkpoint(stepsDone: Int) throws {
        guard let path = options.checkpointPath else { return }
        let state = CheckpointState(config: config, stepsDone: stepsDone, sampler: sampler, optimizerStep: optimizer.step,
                                    stepLosses: record.stepLosses, learningCurve: record.learningCurve,
                                    evaluations: record.evaluations, wallSeconds: elapsed(), parameterCount: model.parameterCount,
                                    source: corpus.source, parent: record.parent, epochSampler: epochSampler,
                                    noiseWindow: config.noiseScaleEvery == nil ? nil : noiseWindow)
        try Checkpoint.write(state, model: model, optimizer: optimizer, to: path)
    }

    var step = startStep
    while step < steps {
        if step - startStep == RunRecord.warmupStepsUntimed { steadyStart = clock.now; steadyEvaluationSeconds = evaluationSeconds }
        model.zeroGradients()
        var loss = 0.0
        for _ in 0..<config.accumulationSteps {
            if epochSampler != nil {
                epochSampler!.fill(inputs, targets, batch: h.microBatch, from: trainBytes)
            } else {
                sampler.fill(inputs, targets, batch: h.microBatch, context: T, from: trainBytes)
            }
            loss += model.forward(inputs: inputs, targets: targets, batch: h.microBatch)
            model.backward(lossScale: 1 / Float(config.accumulationSteps))
        }
        loss /= Double(config.accumulationSteps)
        guard loss.isFinite else {
            // The non-finite loss is data: kept as the last step loss, with the step it came at.
            record.stepLosses.append(loss)
            record.divergedAtStep = step + 1
            record.status = .diverged
            record.message = "diverged: training loss became \(loss) at step \(step + 1) of \(steps) (learning rate \(schedule.rate(atStep: step))); try a smaller --lr"
            break
        }
        if let every = config.noiseScaleEvery, let savedGradients, (step + 1) % every == 0 {
            measureGradientNoise(model, inputs: inputs, targets: targets, smallSequences: 1, batch: h.batch,
                                 saved: savedGradients, threads: config.threads, into: &noiseWindow)
        }
        let lr = schedule.rate(atStep: step)
        optimizer.update(parameters: model.parameters, gradients: model.gradients, learningRate: lr, threads: config.threads)
        record.stepLosses.append(loss)
        step += 1
        if curveSteps.contains(step) {
            let e0 = clock.now
            let v = evaluate(model, on: curveBytes)
            if !evaluationSets.isEmpty {
                record.evaluations = (record.evaluations ?? [])
                    + (try evaluateTasks(model, sets: evaluationSets, step: step, tokens: Double(step * config.tokensPerStep)))
            }
            evaluationSeconds += seconds(clock.now - e0)
            record.learningCurve.append(CurvePoint(step: step, tokens: step * config.tokensPerStep, trainLoss: loss,
                                                   validationLoss: v, validationBitsPerByte: bitsPerByte(nats: v), learningRate: lr,
                                                   gradientNoise: noiseWindow.summary))
            noiseWindow = GradientNoiseWindow()
        }
        if let progress = options.progress {
            let t = elapsed(), done = step * config.tokensPerStep
            let rate = Double((step - startStep) * config.tokensPerStep) / max(1e-9, t - priorSeconds - evaluationSeconds)
            progress(TrainingProgress(step: step, steps: steps, tokens: done, totalTokens: steps * config.tokensPerStep,
                                      loss: loss, tokensPerSecond: rate, etaSeconds: Double(steps * config.tokensPerStep - done) / max(rate, 1e-9)))
        }
        if options.stop?.isRequested == true, step < steps {
            try checkpoint(stepsDone: step)
            record.status = .interrupted
            record.message = "interrupted after step \(step) of \(steps)" + (options.checkpointPath.map { "; checkpoint written to \($0), rerun with --resume to continue" } ?? "; no checkpoint path given")
            break
        }
        if config.checkpointEverySteps > 0, step % config.checkpointEverySteps == 0, step < steps { try checkpoint(stepsDone: step) }
    }
    // A completed run leaves its final checkpoint behind (when it has a path), so `scalelab eval`
    // can score the trained model; resuming from it finishes at once.
    if record.status == .completed, step > startStep {
        try checkpoint(stepsDone: step)
    }
    let steadySteps = step - startStep - RunRecord.warmupStepsUntimed
    if let steadyStart, steadySteps > 0 {
        let t = seconds(clock.now - steadyStart) - (evaluationSeconds - steadyEvaluationSeconds)
        record.steadyTokensPerSecond = t > 0 ? Double(steadySteps * config.tokensPerStep) / t : nil
    }
    record.baselineResidentBytes = baselineResident
    return finish(record, model: model, validation: split.validation, stepsDone: step, runSeconds: elapsed(),
                  secondsThisSession: elapsed() - priorSeconds - evaluationSeconds, stepsThisSession: step - startStep, options: options)
}

/// The process's peak resident set (VmHWM in /proc/self/status), nil where unavailable.
func peakResidentBytes() -> Int? { procStatusBytes("VmHWM:") }

/// The process's current resident set (VmRSS), nil where unavailable.
func residentBytes() -> Int? { procStatusBytes("VmRSS:") }

private func procStatusBytes(_ key: String) -> Int? {
    guard let s = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = s.split(separator: "\n").first(where: { $0.hasPrefix(key) }),
          let kb = Int(line.split(separator: " ").dropFirst().first ?? "") else { return nil }
    return kb * 1024
}

private func finish(_ r: RunRecord, model: any LanguageModel, validation: [UInt8], stepsDone: Int, runSeconds: Double,
                    secondsThisSession: Double, stepsThisSession: Int, options: TrainingOptions) -> RunRecord {
    var record = r
    let c = record.config
    record.steps = stepsDone
    record.tokens = stepsDone * c.tokensPerStep
    record.flops = record.flopsPerToken * Double(record.tokens)
    record.wallSeconds = runSeconds
    record.tokensPerSecond = secondsThisSession > 0 ? Double(stepsThisSession * c.tokensPerStep) / secondsThisSession : 0
    record.peakFLOPS = options.peakFLOPS
    record.mfu = options.peakFLOPS.map { record.tokensPerSecond * c.shape.executedTrainingFLOPsPerToken / $0 }
    record.finalTrainLoss = record.stepLosses.last
    record.bufferBytes = 4 * (4 * model.parameterCount + model.activationFloats)
    record.peakResidentBytes = peakResidentBytes()
    if record.status == .completed {
        let v = evaluate(model, on: validation)
        record.finalValidationLoss = v
        record.finalValidationBitsPerByte = bitsPerByte(nats: v)
        record.message = "completed \(stepsDone) steps, \(record.tokens) tokens; final validation loss \(v) nats/token"
        if c.evaluatesContextPositions == true {
            record.evaluations = (record.evaluations ?? [])
                + ContextPositions.evaluations(evaluateByPosition(model, on: validation), step: stepsDone, tokens: Double(record.tokens))
        }
    }
    return record
}
