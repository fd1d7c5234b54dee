import XCTest
import Foundation
@testable import Trainer

/// Issue 16's prerequisite: fine-tuning (`TrainingConfig.initFrom`) starts a run from another
/// run's checkpoint, parameters only, and records the parent.
final class FineTuningTests: XCTestCase {
    /// Two domains: Markov sources with different transition tables.
    let source = MarkovSource(order: 2, alphabet: 6, sharpness: 3, seed: 42)
    let target = MarkovSource(order: 2, alphabet: 6, sharpness: 3, seed: 7)
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("scalelab-finetune-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    func tinyConfig(dModel: Int = 16, layers: Int = 1, tokens: Int = 16 * 4 * 10, seed: UInt64 = 9) -> TrainingConfig {
        let shape = ModelShape(layers: layers, dModel: dModel, heads: 2, context: 16)
        var h = Hyperparameters.defaults(for: shape, tokens: tokens)
        h.batch = 4; h.microBatch = 2; h.learningRate = 3e-3; h.warmupTokens = 128
        var c = TrainingConfig(shape: shape, tokens: tokens, seed: seed, hyperparameters: h, threads: 1)
        c.curvePoints = 3
        c.curveValidationBytes = 512
        return c
    }

    /// Trains the parent on the source domain, leaving its final checkpoint at `checkpoint`.
    func trainParent(_ checkpoint: String) throws -> RunRecord {
        let r = try train(tinyConfig(), corpus: source.generate(count: 20_000, seed: 1),
                          options: TrainingOptions(version: "test", checkpointPath: checkpoint))
        XCTAssertEqual(r.status, .completed)
        return r
    }

    func childConfig(from checkpoint: String) -> TrainingConfig {
        var c = tinyConfig(tokens: 16 * 4 * 6, seed: 3)
        c.initFrom = checkpoint
        return c
    }

    /// The child starts from exactly the parent's weights: loaded into a model they give the
    /// parent's final validation loss on the parent's data bitwise, and the child's first step
    /// loss is bitwise the parent model's loss on the child's first batch. The optimizer, step
    /// count, schedule and budget are the child's own.
    func testInitFromStartsFromExactlyTheParentsParameters() throws {
        let parentCheckpoint = path("parent.ckpt")
        let parent = try trainParent(parentCheckpoint)
        let config = childConfig(from: parentCheckpoint)

        // Parameters as loaded for the child equal the parent's final parameters.
        let (_, parameters) = try FineTuning.readParent(parentCheckpoint, for: config)
        let loaded = try makeModel(config.shape, microBatch: 2, threads: 1)
        FineTuning.load(parameters, into: loaded)
        let saved = try CheckpointedModel(path: parentCheckpoint, microBatch: 2, threads: 1)
        XCTAssertEqual(saved.steps, tinyConfig().steps)
        XCTAssertEqual(Array(UnsafeBufferPointer(start: loaded.parameters, count: loaded.parameterCount)),
                       Array(UnsafeBufferPointer(start: saved.model.parameters, count: saved.model.parameterCount)))
        let parentSplit = try CorpusSplit(source.generate(count: 20_000, seed: 1), context: 16)
        XCTAssertEqual(evaluate(loaded, on: parentSplit.validation), parent.finalValidationLoss,
                       "the loaded weights score the parent's final validation loss")

        // The child's step-0 loss: the parent's model on the first batch the child draws.
        let corpus = target.generate(count: 20_000, seed: 2)
        let child = try train(config, corpus: corpus, options: TrainingOptions(version: "test"))
        XCTAssertEqual(child.status, .completed)
        let trainBytes = try CorpusSplit(corpus, context: 16).train
        var sampler = BatchSampler(seed: config.seed &+ 0x5CA1_AB1E)
        let inputs = UnsafeMutablePointer<UInt8>.allocate(capacity: 2 * 16), targets = UnsafeMutablePointer<UInt8>.allocate(capacity: 2 * 16)
        defer { inputs.deallocate(); targets.deallocate() }
        var expected = 0.0
        for _ in 0..<config.accumulationSteps {
            sampler.fill(inputs, targets, batch: 2, context: 16, from: trainBytes)
            expected += saved.model.forward(inputs: inputs, targets: targets, batch: 2)
        }
        expected /= Double(config.accumulationSteps)
        XCTAssertEqual(child.stepLosses.first, expected, "step 0 of the child runs the parent's weights")

        // Its own run: its budget and schedule, and far better at the start than from scratch.
        XCTAssertEqual(child.stepLosses.count, config.steps)
        XCTAssertNotEqual(config.steps, parent.steps)
        var scratch = config; scratch.initFrom = nil
        let fresh = try train(scratch, corpus: corpus, options: TrainingOptions(version: "test"))
        XCTAssertLessThan(try XCTUnwrap(child.stepLosses.first), try XCTUnwrap(fresh.stepLosses.first) - 0.3)
        XCTAssertNil(fresh.parent)
    }

    /// The record names the parent (checkpoint, config, steps, corpus, weights' digest) and reads
    /// back from JSON; records and configs written before fine-tuning existed still decode.
    func testRecordCarriesTheParentAndOlderJSONStillDecodes() throws {
        let parentCheckpoint = path("parent.ckpt")
        _ = try trainParent(parentCheckpoint)
        let config = childConfig(from: parentCheckpoint)
        let child = try train(config, corpus: target.generate(count: 20_000, seed: 2),
                              options: TrainingOptions(version: "test", checkpointPath: path("child.ckpt")))
        let parent = try XCTUnwrap(child.parent)
        XCTAssertEqual(parent.checkpoint, parentCheckpoint)
        XCTAssertEqual(parent.config, tinyConfig())
        XCTAssertNil(parent.config.initFrom)
        XCTAssertEqual(parent.steps, tinyConfig().steps)
        XCTAssertEqual(parent.tokens, tinyConfig().steps * tinyConfig().tokensPerStep)
        XCTAssertTrue(parent.completed)
        XCTAssertEqual(parent.dataSource, source.generate(count: 10, seed: 1).source)
        XCTAssertEqual(parent.parameterDigest.count, 16)
        XCTAssertEqual(child.config.initFrom, parentCheckpoint)

        let back = try RunRecord.jsonDecoder().decode(RunRecord.self, from: RunRecord.jsonEncoder().encode(child))
        XCTAssertEqual(back, child)
        var json = try XCTUnwrap(JSONSerialization.jsonObject(with: RunRecord.jsonEncoder().encode(child)) as? [String: Any])
        XCTAssertNotNil(json.removeValue(forKey: "parent"))
        var configJSON = try XCTUnwrap(json["config"] as? [String: Any])
        XCTAssertNotNil(configJSON.removeValue(forKey: "initFrom"))
        json["config"] = configJSON
        let old = try RunRecord.jsonDecoder().decode(RunRecord.self, from: JSONSerialization.data(withJSONObject: json))
        XCTAssertNil(old.parent)
        XCTAssertNil(old.config.initFrom)
        // A run from scratch writes neither key: its JSON is what it was before fine-tuning existed.
        let plain = String(decoding: try RunRecord.jsonEncoder().encode(tinyConfig()), as: UTF8.self)
        XCTAssertFalse(plain.contains("initFrom"), plain)

        // A grandchild records its parent's own parent through the parent's config.
        var grandchild = tinyConfig(tokens: 16 * 4 * 3, seed: 4)
        grandchild.initFrom = path("child.ckpt")
        let g = try train(grandchild, corpus: source.generate(count: 20_000, seed: 5), options: TrainingOptions(version: "test"))
        XCTAssertEqual(g.parent?.config.initFrom, parentCheckpoint)
        XCTAssertEqual(g.parent?.dataSource, target.generate(count: 10, seed: 2).source)
    }

    /// A checkpoint of another shape: the error names each dimension that differs, with both
    /// values and the option that fixes it. Missing, foreign, truncated and corrupt files are
    /// errors naming the file, never traps.
    func testShapeMismatchAndBadFilesAreClearErrors() throws {
        let parentCheckpoint = path("parent.ckpt")
        _ = try trainParent(parentCheckpoint)
        let corpus = target.generate(count: 20_000, seed: 2)
        func message(_ config: TrainingConfig) -> String {
            do {
                _ = try train(config, corpus: corpus, options: TrainingOptions(version: "test"))
                return "no error"
            } catch let e as TrainerError {
                return e.description
            } catch {
                return "unexpected \(error)"
            }
        }
        var wider = tinyConfig(dModel: 24); wider.initFrom = parentCheckpoint
        let m = message(wider)
        XCTAssertTrue(m.contains("has d_model 16, this run 24: fine-tune with the checkpoint's shape (--d-model 16"), m)
        XCTAssertFalse(m.contains("layers"), m)
        var deeper = tinyConfig(dModel: 24, layers: 2); deeper.initFrom = parentCheckpoint
        let both = message(deeper)
        XCTAssertTrue(both.contains("layers 1, this run 2") && both.contains("d_model 16, this run 24"), both)
        XCTAssertTrue(both.contains("--layers 1 --d-model 16"), both)
        var longer = tinyConfig(); longer.shape.context = 32; longer.initFrom = parentCheckpoint
        XCTAssertTrue(message(longer).contains("context 16, this run 32"), message(longer))

        let missing = path("none.ckpt")
        XCTAssertTrue(message(childConfig(from: missing)).contains("--init-from '\(missing)' does not exist"), message(childConfig(from: missing)))
        let garbage = path("garbage.ckpt")
        try Data("not a checkpoint".utf8).write(to: URL(fileURLWithPath: garbage))
        XCTAssertTrue(message(childConfig(from: garbage)).contains("not a ScaleLab checkpoint"), message(childConfig(from: garbage)))
        let bytes = try Data(contentsOf: URL(fileURLWithPath: parentCheckpoint))
        let truncated = path("truncated.ckpt")
        try bytes.prefix(bytes.count - 4).write(to: URL(fileURLWithPath: truncated))
        XCTAssertTrue(message(childConfig(from: truncated)).contains("truncated"), message(childConfig(from: truncated)))
        // A header length near 2^64 once overflowed Int and trapped; now it is a truncated file.
        var huge = bytes
        huge.replaceSubrange(Checkpoint.magic.count..<(Checkpoint.magic.count + 8), with: [UInt8](repeating: 0xFF, count: 8))
        let hugePath = path("huge.ckpt")
        try huge.write(to: URL(fileURLWithPath: hugePath))
        XCTAssertTrue(message(childConfig(from: hugePath)).contains("truncated"), message(childConfig(from: hugePath)))
        XCTAssertThrowsError(try TrainingConfig.ofCheckpoint(at: hugePath))
        XCTAssertThrowsError(try CheckpointedModel(path: hugePath, microBatch: 1, threads: 1))
        // So did a header whose parameter count, times 12 bytes, overflows Int.
        let head = Checkpoint.magic.count + 8
        let length = Int(bytes.subdata(in: Checkpoint.magic.count..<head).withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) })
        var header = try XCTUnwrap(JSONSerialization.jsonObject(with: bytes.subdata(in: head..<(head + length))) as? [String: Any])
        header["parameterCount"] = Int.max / 4
        let json = try JSONSerialization.data(withJSONObject: header)
        var overflowing = Data(Checkpoint.magic)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { overflowing.append(contentsOf: $0) }
        overflowing.append(json)
        overflowing.append(bytes.suffix(from: head + length))
        let overflowPath = path("overflow.ckpt")
        try overflowing.write(to: URL(fileURLWithPath: overflowPath))
        XCTAssertTrue(message(childConfig(from: overflowPath)).contains("truncated or corrupt"), message(childConfig(from: overflowPath)))
        XCTAssertThrowsError(try CheckpointedModel(path: overflowPath, microBatch: 1, threads: 1))
        XCTAssertEqual(try TrainingConfig.ofCheckpoint(at: parentCheckpoint), tinyConfig())
        var empty = tinyConfig(); empty.initFrom = ""
        XCTAssertTrue(message(empty).contains("--init-from must name a checkpoint file"), message(empty))
    }

    /// An interrupted fine-tuning run resumes from its own checkpoint, bitwise as if never
    /// stopped, even with the parent's checkpoint gone, and keeps its parent in the record.
    func testInterruptedFineTuningResumesFromItsOwnCheckpoint() throws {
        let parentCheckpoint = path("parent.ckpt")
        _ = try trainParent(parentCheckpoint)
        let config = childConfig(from: parentCheckpoint)
        let corpus = target.generate(count: 20_000, seed: 2)
        let full = try train(config, corpus: corpus, options: TrainingOptions(version: "test"))
        let own = path("child.ckpt"), stop = StopRequest()
        let first = try train(config, corpus: corpus, options: TrainingOptions(
            version: "test", checkpointPath: own, stop: stop, progress: { p in if p.step == 3 { stop.request() } }))
        XCTAssertEqual(first.status, .interrupted)
        XCTAssertEqual(first.stepLosses.count, 3)
        try FileManager.default.removeItem(atPath: parentCheckpoint)
        let resumed = try train(config, corpus: corpus, options: TrainingOptions(version: "test", checkpointPath: own, resume: true))
        XCTAssertEqual(resumed.status, .completed)
        XCTAssertEqual(resumed.stepLosses, full.stepLosses)
        XCTAssertEqual(resumed.finalValidationLoss, full.finalValidationLoss)
        XCTAssertEqual(resumed.parent, full.parent)
        XCTAssertNotNil(resumed.parent)
        // Resuming a run from scratch with a fine-tuning config (or the reverse) is refused.
        var scratch = config; scratch.initFrom = nil
        XCTAssertThrowsError(try train(scratch, corpus: corpus, options: TrainingOptions(version: "test", checkpointPath: own, resume: true)))
    }
}
