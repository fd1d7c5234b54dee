import XCTest
import Foundation
@testable import Trainer

/// The loss by context position (`evaluateByPosition`, `ContextPositions`): the positions'
/// mean is the ordinary validation loss on the same windows, for both architectures, and a model
/// trained on an order-2 Markov source does worse with one byte of context than with more.
final class ContextPositionTests: XCTestCase {
    let markov = MarkovSource(order: 2, alphabet: 6, sharpness: 3, seed: 42)

    func testThePositionsMeanIsTheValidationLossForBothArchitectures() throws {
        // 1,000 bytes at T = 16: 62 windows, a micro-batch of 4 that does not divide them.
        let bytes = markov.generate(count: 1_000, seed: 3).bytes
        for arch in Architecture.allCases {
            let shape = ModelShape(architecture: arch, layers: 2, dModel: 16, heads: 2, context: 16)
            let model = try makeModel(shape, microBatch: 4)
            var rng = SeededGenerator(seed: 7)
            model.initialize(using: &rng)
            let byPosition = evaluateByPosition(model, on: bytes)
            XCTAssertEqual(byPosition.count, 16)
            let mean = byPosition.reduce(0, +) / 16
            let whole = evaluate(model, on: bytes)
            XCTAssertEqual(mean, whole, accuracy: 1e-5 * whole, "\(arch)")
            XCTAssertTrue(byPosition.allSatisfy { $0 > 0 && $0.isFinite }, "\(arch): \(byPosition)")
        }
    }

    func testBucketsAreLogSpacedAndCoverTheContextOnce() {
        XCTAssertEqual(ContextPositions.buckets(context: 64), [1...1, 2...3, 4...7, 8...15, 16...31, 32...63, 64...64])
        XCTAssertEqual(ContextPositions.buckets(context: 1), [1...1])
        XCTAssertEqual(ContextPositions.buckets(context: 12), [1...1, 2...3, 4...7, 8...12])
        for T in 1...200 {
            let b = ContextPositions.buckets(context: T)
            XCTAssertEqual(b.map(\.count).reduce(0, +), T, "T = \(T)")
            XCTAssertEqual(b.first?.lowerBound, 1)
            XCTAssertEqual(b.last?.upperBound, T)
        }
        for r in ContextPositions.buckets(context: 100) {
            XCTAssertEqual(ContextPositions.bucket(metric: ContextPositions.metric(r)), r)
        }
        for bad in ["loss", "loss@", "loss@3", "loss@0-1", "loss@5-2", "loss@a-b", "exact_match"] {
            XCTAssertNil(ContextPositions.bucket(metric: bad), bad)
        }
        // Bucket means: positions 2 and 3 average to the 2–3 bucket.
        let e = ContextPositions.evaluations([4, 3, 1, 2, 2, 2, 2, 1], step: 5, tokens: 10)
        XCTAssertEqual(e.map(\.metric), ["loss@1-1", "loss@2-3", "loss@4-7", "loss@8-8"])
        XCTAssertEqual(e.map(\.value), [4, 2, 2, 1])
        XCTAssertTrue(e.allSatisfy { $0.task == ContextPositions.task && $0.step == 5 && $0.tokens == 10 })
    }

    func testATrainedRunRecordsItsLossByPositionWhenAsked() throws {
        let corpus = markov.generate(count: 20_000, seed: 1)
        let shape = ModelShape(layers: 1, dModel: 16, heads: 2, context: 16)
        let tokens = 16 * 32 * 12
        var h = Hyperparameters.defaults(for: shape, tokens: tokens)
        h.batch = 4; h.microBatch = 2; h.learningRate = 3e-3; h.warmupTokens = 128
        var config = TrainingConfig(shape: shape, tokens: tokens, seed: 9, hyperparameters: h, threads: 1)
        config.curvePoints = 2
        let plain = try train(config, corpus: corpus, options: TrainingOptions(version: "test"))
        XCTAssertNil(plain.evaluations, "not asked for: none recorded")
        config.evaluatesContextPositions = true
        let r = try train(config, corpus: corpus, options: TrainingOptions(version: "test"))
        XCTAssertEqual(r.stepLosses, plain.stepLosses, "scoring positions does not change training")
        let e = try XCTUnwrap(r.evaluations)
        XCTAssertEqual(e.map(\.metric), ContextPositions.buckets(context: 16).map(ContextPositions.metric))
        XCTAssertTrue(e.allSatisfy { $0.task == ContextPositions.task && $0.step == r.steps })
        // The count-weighted mean of the buckets is the final validation loss.
        let weighted = zip(e, ContextPositions.buckets(context: 16)).map { $0.value * Double($1.count) }.reduce(0, +) / 16
        let final = try XCTUnwrap(r.finalValidationLoss)
        XCTAssertEqual(weighted, final, accuracy: 1e-5 * final)
        // An order-2 source: one byte of context cannot tell as much as two or more.
        XCTAssertGreaterThan(e[0].value, e[3].value, "\(e)")
    }
}
