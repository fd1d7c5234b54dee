import Foundation
import XCTest

@testable import Trainer

/// A unique-token cap (`TrainingConfig.uniqueTokens`): the sampler's epochs, the bytes a capped
/// run trains on, the record, resuming bitwise, and the refusals.
final class UniqueTokensTests: XCTestCase {
    let markov = MarkovSource(order: 2, alphabet: 6, sharpness: 3, seed: 42)

    func config(tokens: Int = 16 * 4 * 24, unique: Int? = 16 * 20 + 1) -> TrainingConfig {
        var c = tinyTrainingConfig(tokens: tokens)
        c.uniqueTokens = unique
        return c
    }

    func testEveryEpochVisitsEveryWindowOnceInItsOwnOrder() {
        let T = 16, U = T * 37 + 5
        var s = EpochSampler(seed: 3, unique: U, context: T)
        XCTAssertEqual(s.windows, 37, "⌊(U − 1)/T⌋ windows")
        var epochs: [[Int]] = []
        for _ in 0..<4 { epochs.append((0..<37).map { _ in s.nextStart() }) }
        for order in epochs {
            XCTAssertEqual(order.sorted(), (0..<37).map { $0 * T }, "one epoch: each window exactly once")
            XCTAssertTrue(order.allSatisfy { $0 + T + 1 <= U }, "every window lies in the first U bytes")
        }
        XCTAssertEqual(Set(epochs.map { $0 }).count, 4, "each epoch draws its own order")
        XCTAssertEqual(s.sequencesDrawn, 4 * 37)
        XCTAssertEqual(s.epochs, 4)
        // The same seed gives the same orders; another seed others.
        var again = EpochSampler(seed: 3, unique: U, context: T), other = EpochSampler(seed: 4, unique: U, context: T)
        let first = (0..<37).map { _ in again.nextStart() }, otherFirst = (0..<37).map { _ in other.nextStart() }
        XCTAssertEqual(first, epochs[0])
        XCTAssertNotEqual(otherFirst, epochs[0])
    }

    func testASamplerDecodedMidEpochContinuesTheSameOrder() throws {
        var s = EpochSampler(seed: 11, unique: 16 * 10 + 1, context: 16)
        for _ in 0..<13 { _ = s.nextStart() }
        let decoded = try JSONDecoder().decode(EpochSampler.self, from: try JSONEncoder().encode(s))
        XCTAssertEqual(decoded, s)
        var a = s, b = decoded
        XCTAssertEqual((0..<25).map { _ in a.nextStart() }, (0..<25).map { _ in b.nextStart() })
    }

    func testTheFilledSequencesHoldOnlyTheCapsBytes() {
        // The first U bytes are 0…99 (mod 100); every byte after them is 255.
        let T = 8, U = T * 12 + 1
        let train = (0..<U).map { UInt8($0 % 100) } + [UInt8](repeating: 255, count: 4000)
        var s = EpochSampler(seed: 1, unique: U, context: T)
        let inputs = UnsafeMutablePointer<UInt8>.allocate(capacity: 5 * T), targets = UnsafeMutablePointer<UInt8>.allocate(capacity: 5 * T)
        defer { inputs.deallocate(); targets.deallocate() }
        for _ in 0..<20 {
            s.fill(inputs, targets, batch: 5, from: train)
            for i in 0..<(5 * T) {
                XCTAssertNotEqual(inputs[i], 255)
                XCTAssertNotEqual(targets[i], 255)
                if i % T < T - 1 { XCTAssertEqual(targets[i], inputs[i + 1], "targets are the inputs one byte ahead") }
            }
        }
        XCTAssertEqual(s.sequencesDrawn, 100)
    }

    func testACappedRunRecordsItsCapAndEpochsAndResumesBitwise() throws {
        let corpus = markov.generate(count: 20_000, seed: 2)
        let c = config()
        let full = try train(c, corpus: corpus, options: TrainingOptions(version: "test"))
        XCTAssertEqual(full.status, .completed)
        XCTAssertEqual(full.data.uniqueTokens, 16 * 20 + 1)
        XCTAssertEqual(full.epochs, Double(c.tokens) / Double(16 * 20 + 1), accuracy: 1e-12)
        XCTAssertGreaterThan(full.epochs, 4.7)
        // The cap changes the run: the same config without it trains on other bytes.
        var uncapped = c
        uncapped.uniqueTokens = nil
        let free = try train(uncapped, corpus: corpus, options: TrainingOptions(version: "test"))
        XCTAssertNotEqual(free.stepLosses, full.stepLosses)
        XCTAssertNil(free.data.uniqueTokens)
        // Only the first U bytes are trained on: a corpus that differs from this one only between
        // the cap and the validation split gives the capped run bitwise the same losses.
        var bytes = corpus.bytes
        bytes.replaceSubrange(1_000..<18_000, with: bytes[1_000..<18_000].reversed())
        let changed = Corpus(bytes: bytes, source: "changed beyond the cap")
        let other = try train(c, corpus: changed, options: TrainingOptions(version: "test"))
        XCTAssertEqual(other.stepLosses, full.stepLosses)
        XCTAssertEqual(other.finalValidationLoss, full.finalValidationLoss)
        XCTAssertNotEqual(try train(uncapped, corpus: changed, options: TrainingOptions(version: "test")).stepLosses, free.stepLosses)

        let dir = try makeTemporaryDirectory("scalelab-unique")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (first, resumed) = try trainInterruptedThenResumed(c, corpus: corpus, stopAt: 7, checkpoint: dir.appendingPathComponent("run.ckpt").path)
        XCTAssertEqual(first.status, .interrupted)
        XCTAssertEqual(resumed.stepLosses, full.stepLosses)
        XCTAssertEqual(resumed.learningCurve, full.learningCurve)
        XCTAssertEqual(resumed.finalValidationLoss, full.finalValidationLoss)
    }

    func testBadCapsAreRefusedWithWhatToChange() throws {
        let corpus = markov.generate(count: 20_000, seed: 2)
        XCTAssertThrowsError(try config(unique: 16).validate()) {
            XCTAssertTrue("\($0)".contains("at least the context + 1 = 17"), "\($0)")
        }
        var mixed = config()
        mixed.mix = [TaskMixture(task: "addition-1", fraction: 0.1)]
        XCTAssertThrowsError(try mixed.validate()) { XCTAssertTrue("\($0)".contains("--mix"), "\($0)") }
        // 20,000 bytes less 10% held out: 18,000 training bytes.
        XCTAssertThrowsError(try train(config(unique: 18_001), corpus: corpus, options: TrainingOptions(version: "test"))) {
            XCTAssertTrue("\($0)".contains("more than the training split's 18000 bytes"), "\($0)")
        }
        XCTAssertEqual(try train(config(unique: 18_000), corpus: corpus, options: TrainingOptions(version: "test")).status, .completed)
    }

    func testOlderConfigsWithoutACapStillDecode() throws {
        var json = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(config(unique: nil))) as! [String: Any]
        json.removeValue(forKey: "uniqueTokens")
        let decoded = try JSONDecoder().decode(TrainingConfig.self, from: try JSONSerialization.data(withJSONObject: json))
        XCTAssertNil(decoded.uniqueTokens)
        XCTAssertEqual(decoded, config(unique: nil))
    }
}
