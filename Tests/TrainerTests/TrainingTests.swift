import XCTest
import Foundation
@testable import Trainer

final class TrainingTests: XCTestCase {
    let markov = MarkovSource(order: 2, alphabet: 6, sharpness: 3, seed: 42)

    func tinyConfig(tokens: Int = 16 * 32 * 12, threads: Int = 1) -> TrainingConfig {
        tinyTrainingConfig(tokens: tokens, threads: threads)
    }

    func testSameSeedGivesBitwiseIdenticalLosses() throws {
        let corpus = markov.generate(count: 20_000, seed: 1)
        for threads in [1, 2] {
            let a = try train(tinyConfig(threads: threads), corpus: corpus, options: TrainingOptions(version: "test"))
            let b = try train(tinyConfig(threads: threads), corpus: corpus, options: TrainingOptions(version: "test"))
            XCTAssertEqual(a.status, .completed)
            XCTAssertEqual(a.stepLosses.count, tinyConfig().steps)
            XCTAssertEqual(a.stepLosses, b.stepLosses, "threads \(threads)")
            XCTAssertEqual(a.finalValidationLoss, b.finalValidationLoss)
            XCTAssertEqual(a.learningCurve, b.learningCurve)
        }
        var other = tinyConfig(); other.seed = 10
        let c = try train(other, corpus: corpus, options: TrainingOptions(version: "test"))
        let a = try train(tinyConfig(), corpus: corpus, options: TrainingOptions(version: "test"))
        XCTAssertNotEqual(a.stepLosses, c.stepLosses, "a different seed must change the run")
    }

    /// Stop at step 5 (as Ctrl-C does), resume from the checkpoint: the losses, the curve and the
    /// final validation loss are bitwise those of an uninterrupted run.
    func testInterruptAndResumeIsBitwiseIdentical() throws {
        let corpus = markov.generate(count: 20_000, seed: 2)
        let config = tinyConfig()
        let full = try train(config, corpus: corpus, options: TrainingOptions(version: "test"))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scalelab-ckpt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("run.ckpt").path
        let stop = StopRequest()
        let first = try train(config, corpus: corpus, options: TrainingOptions(
            version: "test", checkpointPath: path, stop: stop, progress: { p in if p.step == 5 { stop.request() } }))
        XCTAssertEqual(first.status, .interrupted)
        XCTAssertEqual(first.stepLosses.count, 5)
        XCTAssertNil(first.finalValidationLoss)
        XCTAssertTrue(FileManager.default.fileExists(atPath: path))
        let resumed = try train(config, corpus: corpus, options: TrainingOptions(version: "test", checkpointPath: path, resume: true))
        XCTAssertEqual(resumed.status, .completed)
        XCTAssertEqual(resumed.stepLosses, full.stepLosses)
        XCTAssertEqual(resumed.learningCurve, full.learningCurve)
        XCTAssertEqual(resumed.finalValidationLoss, full.finalValidationLoss)

        var changed = config; changed.seed = 99
        XCTAssertThrowsError(try train(changed, corpus: corpus, options: TrainingOptions(version: "t", checkpointPath: path, resume: true)))
    }

    func testDivergenceEndsRunWithStatusAndMessage() throws {
        var config = tinyConfig()
        config.hyperparameters.learningRate = 1e30
        config.hyperparameters.warmupTokens = 0
        config.hyperparameters.adamw.clipNorm = 0
        let r = try train(config, corpus: markov.generate(count: 20_000, seed: 3), options: TrainingOptions(version: "test"))
        XCTAssertEqual(r.status, .diverged)
        XCTAssertTrue(r.message.contains("diverged"), r.message)
        XCTAssertNil(r.finalValidationLoss)
        XCTAssertLessThan(r.stepLosses.count, config.steps)
    }

    func testRecordAccountingAndJSONRoundTrip() throws {
        let config = tinyConfig()
        let r = try train(config, corpus: markov.generate(count: 20_000, seed: 4),
                          options: TrainingOptions(version: "9.9.9", peakFLOPS: 1e10))
        XCTAssertEqual(r.tokens, config.steps * 4 * 16)
        XCTAssertGreaterThanOrEqual(r.tokens, config.tokens)
        XCTAssertEqual(r.parameters, config.shape.parameterCount)
        // C = exact (causal-attention) FLOPs per token from ScalingLaws × tokens; the MFU counts
        // the executed work (attention blocks on and below the diagonal).
        let t = try XCTUnwrap(config.shape.transformerShape)
        XCTAssertEqual(r.flopsPerToken, t.trainingFLOPsPerToken(method: .exact))
        XCTAssertEqual(r.flops, t.trainingFLOPsPerToken(method: .exact) * Double(r.tokens))
        XCTAssertEqual(r.executedFLOPsPerToken, config.shape.executedTrainingFLOPsPerToken)
        XCTAssertLessThan(r.flopsPerToken, try XCTUnwrap(r.executedFLOPsPerToken))
        XCTAssertEqual(r.learningCurve.map(\.step), config.curveSteps)
        XCTAssertEqual(r.learningCurve.last?.step, config.steps)
        XCTAssertEqual(r.version, "9.9.9")
        XCTAssertEqual(r.mfu!, r.tokensPerSecond * r.executedFLOPsPerToken! / 1e10, accuracy: 1e-12)
        // Steady-state throughput leaves out the first steps; memory: baseline ≤ peak, both present on Linux.
        XCTAssertGreaterThan(config.steps, RunRecord.warmupStepsUntimed)
        XCTAssertGreaterThan(try XCTUnwrap(r.steadyTokensPerSecond), 0)
        let baseline = try XCTUnwrap(r.baselineResidentBytes), peak = try XCTUnwrap(r.peakResidentBytes)
        XCTAssertGreaterThan(baseline, 0)
        XCTAssertLessThanOrEqual(baseline, peak)
        let back = try JSONDecoder().decode(RunRecord.self, from: JSONEncoder().encode(r))
        XCTAssertEqual(back, r)
        // A record written before `executedFLOPsPerToken` existed still decodes, with it nil.
        var json = try XCTUnwrap(JSONSerialization.jsonObject(with: JSONEncoder().encode(r)) as? [String: Any])
        XCTAssertNotNil(json.removeValue(forKey: "executedFLOPsPerToken"))
        let old = try JSONDecoder().decode(RunRecord.self, from: JSONSerialization.data(withJSONObject: json))
        XCTAssertNil(old.executedFLOPsPerToken)
        XCTAssertEqual(old.flops, r.flops)
    }

    func testCurveStepsAreLogSpacedAndEndAtLastStep() {
        var c = tinyConfig(tokens: 64 * 1000)
        c.curvePoints = 5
        XCTAssertEqual(c.steps, 1000)
        XCTAssertEqual(c.curveSteps, [1, 6, 32, 178, 1000])
    }

    func testBadConfigurationsGiveClearErrors() throws {
        let corpus = markov.generate(count: 20_000, seed: 5)
        func message(_ body: () throws -> Void) -> String {
            do { try body(); return "no error" } catch { return "\(error)" }
        }
        var c = tinyConfig(); c.shape.heads = 3
        XCTAssertTrue(message { _ = try train(c, corpus: corpus, options: .init(version: "t")) }.contains("--heads 3 does not divide --d-model 16"))
        c = tinyConfig(); c.tokens = 0
        XCTAssertTrue(message { _ = try train(c, corpus: corpus, options: .init(version: "t")) }.contains("--tokens must be positive"))
        XCTAssertTrue(message { _ = try Corpus.load(path: "/nonexistent/shakespeare.txt") }.contains("does not exist"))
        let short = Corpus(bytes: Array(repeating: 97, count: 100), source: "short")
        XCTAssertTrue(message { _ = try train(tinyConfig(), corpus: short, options: .init(version: "t")) }.contains("corpus has 100 bytes"))
        XCTAssertTrue(message { _ = try Architecture.parse("gru") }.contains("unknown architecture 'gru'; choose one of: transformer, lstm"))
        c = tinyConfig(); c.hyperparameters.finalLearningRateFraction = 1.5
        XCTAssertTrue(message { _ = try train(c, corpus: corpus, options: .init(version: "t")) }.contains("--final-lr-fraction must be in [0, 1], got 1.5"))
        c = tinyConfig(); c.hyperparameters.microBatch = 3
        XCTAssertTrue(message { _ = try train(c, corpus: corpus, options: .init(version: "t")) }.contains("must divide --batch"))
    }

    func testCorpusFolderIsSortedAndSplitNeverOverlaps() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scalelab-corpus-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("b"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data("2222".utf8).write(to: dir.appendingPathComponent("b/x.md"))
        try Data("1111".utf8).write(to: dir.appendingPathComponent("a.md"))
        try Data("3333".utf8).write(to: dir.appendingPathComponent("c.md"))
        try Data("hidden".utf8).write(to: dir.appendingPathComponent(".h"))
        let corpus = try Corpus.load(path: dir.path)
        XCTAssertEqual(String(decoding: corpus.bytes, as: UTF8.self), "111122223333")
        let split = try CorpusSplit(Corpus(bytes: (0..<1000).map { UInt8($0 % 251) }, source: "s"), context: 8)
        XCTAssertEqual(split.train.count, 900)
        XCTAssertEqual(split.validation.count, 100)
        XCTAssertEqual(split.train + split.validation, (0..<1000).map { UInt8($0 % 251) })
    }

    /// A known entropy rate H: the trained model's validation loss comes down close to H and
    /// does not go meaningfully below it.
    func testLossApproachesMarkovEntropyFromAbove() throws {
        let source = MarkovSource(order: 1, alphabet: 8, sharpness: 3, seed: 7)
        let corpus = source.generate(count: 200_000, seed: 8)
        let shape = ModelShape(layers: 1, dModel: 32, heads: 2, context: 32)
        var h = Hyperparameters.defaults(for: shape, tokens: 150_000)
        h.batch = 16; h.microBatch = 16; h.learningRate = 3e-3; h.warmupTokens = 5_000
        var c = TrainingConfig(shape: shape, tokens: 150_000, seed: 1, hyperparameters: h, threads: 1)
        c.curvePoints = 6
        c.curveValidationBytes = 8192
        let r = try train(c, corpus: corpus, options: TrainingOptions(version: "test"))
        let H = source.entropyRate
        let final = try XCTUnwrap(r.finalValidationLoss)
        XCTAssertGreaterThan(H, 0.5)
        XCTAssertLessThan(H, log(8) - 0.3)
        XCTAssertGreaterThan(final, H - 0.02, "below the entropy rate: H = \(H), loss = \(final)")
        XCTAssertLessThan(final, H + 0.05, "did not approach the entropy rate: H = \(H), loss = \(final)")
        XCTAssertGreaterThan(r.learningCurve.first!.validationLoss, final + 1)
    }
}
