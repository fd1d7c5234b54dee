import XCTest
import Foundation
@testable import Trainer

/// A next-byte oracle that knows the right answer: for a sequence `"\n" + prompt + written`, it
/// puts probability `right` on the answer's next byte (the newline once the answer is complete)
/// when `isRight(position)` and otherwise on a wrong letter, spreading the rest evenly.
struct AnswerOracle: NextBytePredictor {
    let examples: [TaskExample]
    let right: Float
    var isRight: (Int) -> Bool = { _ in true }
    var maximumLength: Int { 64 }

    func nextByteProbabilities(_ sequences: [[UInt8]], from starts: [Int]) -> [[[Float]]] {
        zip(sequences, starts).map { s, start in
            let e = examples.first { s.count >= $0.prompt.count + 1 && Array(s[1...$0.prompt.count]) == $0.prompt }!
            return (start..<s.count).map { t in
                let k = t - e.prompt.count                  // answer position predicted after s[0...t]
                let correct = k < e.answer.count ? e.answer[k] : TaskSuite.newline
                let target = isRight(k) ? correct : (correct == UInt8(ascii: "z") ? UInt8(ascii: "y") : UInt8(ascii: "z"))
                var d = [Float](repeating: (1 - right) / 255, count: 256)
                d[Int(target)] = right
                return d
            }
        }
    }
}

final class TaskTests: XCTestCase {
    func testNamesParseAndBadNamesSayWhatToFix() throws {
        XCTAssertEqual(try TaskSuite(parsing: "addition-3"), try TaskSuite(kind: .addition, size: 3))
        XCTAssertEqual(try TaskSuite.parseList("addition-2, reversal-4,copy-1").map(\.description), ["addition-2", "reversal-4", "copy-1"])
        for (bad, says) in [("multiplication-3", "unknown task"), ("addition", "unknown task"), ("addition-x", "not a whole number"),
                            ("addition-0", "1…9"), ("addition-10", "1…9"), ("reversal-99", "1…13"), ("addition-2,addition-2", "twice"), ("", "no task")] {
            XCTAssertThrowsError(try TaskSuite.parseList(bad), bad) { e in
                XCTAssertTrue("\(e)".contains(says), "\(bad): \(e)")
            }
        }
    }

    /// Every addition answer is the sum written least-significant digit first in K + 1 digits,
    /// every reversal answer the reversed letters, every copy the letters.
    func testGeneratorsAreCorrectAndDeterministic() throws {
        for k in 1...6 {
            let t = try TaskSuite(kind: .addition, size: k)
            let set = try t.evaluationSet(count: 50, seed: 3)
            XCTAssertEqual(set, try t.evaluationSet(count: 50, seed: 3))
            XCTAssertEqual(Array(try t.evaluationSet(count: 80, seed: 3).prefix(50)), set, "a smaller set is a prefix of a larger one")
            for e in set + (0..<50).map({ _ in t.trainingStream(seed: 1) }).map({ var s = $0; return s.next() }) {
                let text = String(decoding: e.prompt, as: UTF8.self)
                XCTAssertEqual(e.prompt.count, t.promptLength); XCTAssertEqual(e.answer.count, t.answerLength)
                let parts = text.dropLast().split(separator: "+")
                XCTAssertEqual(parts.count, 2); XCTAssertTrue(text.hasSuffix("="))
                XCTAssertEqual(parts[0].count, k); XCTAssertEqual(parts[1].count, k)
                let sum = Int(parts[0])! + Int(parts[1])!
                XCTAssertEqual(Int(String(decoding: e.answer.reversed(), as: UTF8.self)), sum, text)
            }
        }
        XCTAssertEqual(try TaskSuite(parsing: "addition-3").example(456_123).line, Array("456+123=9750\n".utf8))
        XCTAssertEqual(try TaskSuite(parsing: "addition-2").example(9999).line, Array("99+99=891\n".utf8))
        for k in [1, 3, 5] {
            for kind in [TaskKind.reversal, .copy] {
                let t = try TaskSuite(kind: kind, size: k)
                var stream = t.trainingStream(seed: 7), again = t.trainingStream(seed: 7)
                for _ in 0..<100 {
                    let e = stream.next()
                    XCTAssertEqual(e, again.next())
                    let letters = Array(e.prompt[1..<(e.prompt.count - 1)])
                    XCTAssertEqual(letters.count, k)
                    XCTAssertTrue(letters.allSatisfy { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) })
                    XCTAssertEqual(e.answer, kind == .reversal ? letters.reversed() : letters)
                    XCTAssertEqual(e.prompt.first, UInt8(ascii: kind == .reversal ? "<" : ">"))
                }
            }
        }
    }

    /// Large tasks never train on an evaluation problem; small ones say they overlap and evaluate on all problems.
    func testEvaluationAndTrainingAreDisjoint() throws {
        for name in ["addition-2", "addition-3", "reversal-3", "copy-4"] {
            let t = try TaskSuite(parsing: name)
            XCTAssertFalse(t.evaluationOverlapsTraining)
            let first = try t.evaluationSet(count: 500, seed: 0), second = try t.evaluationSet(count: 500, seed: 5)
            XCTAssertEqual(Set(first).count, 500, "distinct problems")
            XCTAssertNotEqual(first, second, "another seed draws another set")
            let held = Set(first + second)
            var s = t.trainingStream(seed: 11)
            var trained = Set<TaskExample>()
            for _ in 0..<20_000 { trained.insert(s.next()) }
            XCTAssertTrue(held.isDisjoint(with: trained), name)
            // About a tenth of the problems are held out.
            let fraction = Double((0..<10_000).filter { t.isHeldOut($0 * (t.problemCount / 10_000)) }.count) / 10_000
            XCTAssertEqual(fraction, 0.1, accuracy: 0.015, name)
        }
        let one = try TaskSuite(parsing: "addition-1")
        XCTAssertTrue(one.evaluationOverlapsTraining)
        let all = try one.evaluationSet(count: 500)
        XCTAssertEqual(all.count, 100)
        XCTAssertEqual(Set(all).count, 100)
        XCTAssertThrowsError(try TaskSuite(parsing: "addition-2").evaluationSet(count: 600)) { e in
            XCTAssertTrue("\(e)".contains("at most"), "\(e)")
        }
    }

    /// Each task's share of the mixed stream's bytes is its fraction; the corpus bytes all appear,
    /// in order; the stream is the same for the same seed and differs for another.
    func testMixFractionsAreMeasuredOnTheStream() throws {
        let corpus = MarkovSource(order: 1, alphabet: 6, sharpness: 2, seed: 3).generate(count: 200_000, seed: 4).bytes
            .enumerated().map { $0.offset % 61 == 60 ? TaskSuite.newline : $0.element + UInt8(ascii: "A") }
        let mix = try TaskMixture.parseList("addition-3:0.1,reversal-5:0.05")
        let stream = try TaskMixture.mixedStream(corpus: corpus, mix: mix, seed: 1)
        XCTAssertEqual(stream, try TaskMixture.mixedStream(corpus: corpus, mix: mix, seed: 1))
        XCTAssertNotEqual(stream, try TaskMixture.mixedStream(corpus: corpus, mix: mix, seed: 2))
        var addition = 0, reversal = 0, plain: [UInt8] = []
        for line in stream.split(separator: TaskSuite.newline, omittingEmptySubsequences: false).dropLast() {
            if line.contains(UInt8(ascii: "+")) { addition += line.count + 1 }
            else if line.first == UInt8(ascii: "<") { reversal += line.count + 1 }
            else { plain += line + [TaskSuite.newline] }
        }
        XCTAssertEqual(Double(addition) / Double(stream.count), 0.1, accuracy: 0.002)
        XCTAssertEqual(Double(reversal) / Double(stream.count), 0.05, accuracy: 0.002)
        XCTAssertEqual(plain, Array(corpus.prefix(plain.count)), "corpus bytes in order")
        XCTAssertEqual(plain.count, corpus.lastIndex(of: TaskSuite.newline)! + 1)
        for (bad, says) in [("addition-3:0", "(0, 1)"), ("addition-3:1.5", "(0, 1)"), ("addition-3:0.6,reversal-2:0.5", "sum to"),
                            ("addition-3:0.99999999999999", "at most 0.95"),
                            ("nope-3:0.1", "unknown task"), ("addition-3", "TASK:FRACTION"), ("addition-3:0.1,addition-3:0.2", "twice")] {
            XCTAssertThrowsError(try TaskMixture.parseList(bad), bad) { e in XCTAssertTrue("\(e)".contains(says), "\(bad): \(e)") }
        }
    }

    /// An oracle with probability 0.9 on every right byte: exact match 1, partial credit 1,
    /// answer probability 0.9^ℓ, answer bits −ℓ·log2 0.9, token probability 0.9.
    func testEvaluatorAgainstAnExactOracle() throws {
        let t = try TaskSuite(parsing: "addition-3")
        let set = try t.evaluationSet(count: 40)
        let l = Double(t.answerLength), p = Double(Float(0.9))
        let s = try TaskEvaluator.score(t, examples: set, with: AnswerOracle(examples: set, right: 0.9))
        XCTAssertEqual(s.examples, 40)
        XCTAssertEqual(s[TaskMetric.exactMatch], 1)
        XCTAssertEqual(s[TaskMetric.partialCredit], 1)
        XCTAssertEqual(s[TaskMetric.answerProbability], pow(p, l), accuracy: 1e-12)
        XCTAssertEqual(s[TaskMetric.answerBits], -l * log2(p), accuracy: 1e-12)
        XCTAssertEqual(s[TaskMetric.tokenProbability], p, accuracy: 1e-12)

        // Right on every answer byte but wrong after it (a letter where the newline would be):
        // exact match reads the answer's ℓ bytes only, as the teacher-forced metrics do.
        let runOn = try TaskEvaluator.score(t, examples: set, with: AnswerOracle(examples: set, right: 0.9,
                                                                                 isRight: { $0 < t.answerLength }))
        XCTAssertEqual(runOn[TaskMetric.exactMatch], 1)
        XCTAssertEqual(runOn[TaskMetric.tokenProbability], p, accuracy: 1e-12)

        // Right on the first two answer bytes only, probability 0.3 on the right byte: greedy
        // writes 2 of 4 right (then wrong letters up to ℓ), so exact match 0, partial 1/2; the
        // teacher-forced metrics see 0.3 on the two right positions and (0.7/255) on the others.
        let q = Double(Float(0.3)), r = Double((1 - Float(0.3)) / 255)
        let half = try TaskEvaluator.score(t, examples: set, with: AnswerOracle(examples: set, right: 0.3, isRight: { $0 < 2 }))
        XCTAssertEqual(half[TaskMetric.exactMatch], 0)
        XCTAssertEqual(half[TaskMetric.partialCredit], 0.5)
        XCTAssertEqual(half[TaskMetric.answerProbability], q * q * r * r, accuracy: 1e-9 * q * q * r * r)
        XCTAssertEqual(half[TaskMetric.answerBits], -2 * log2(q) - 2 * log2(r), accuracy: 1e-9)
        XCTAssertEqual(half[TaskMetric.tokenProbability], (2 * q + 2 * r) / 4, accuracy: 1e-9)
        XCTAssertEqual(half.records(step: 3, tokens: 96).map(\.metric), TaskMetric.all)

        // A context too short for the task is refused.
        struct Short: NextBytePredictor {
            var maximumLength: Int { 8 }
            func nextByteProbabilities(_ s: [[UInt8]], from: [Int]) -> [[[Float]]] { [] }
        }
        XCTAssertThrowsError(try TaskEvaluator.score(t, examples: set, with: Short())) { e in
            XCTAssertTrue("\(e)".contains("context of at least 15"), "\(e)")
        }
    }

    /// The model predictor's distributions are the model's own: teacher-forced probabilities
    /// from one batched call equal those of the loss the forward pass computes, for both models.
    func testModelPredictorMatchesTheForwardLoss() throws {
        for arch in [Architecture.transformer, .lstm] {
            let shape = ModelShape(architecture: arch, layers: 1, dModel: 16, heads: 2, context: 16)
            let model = try makeModel(shape, microBatch: 3)
            var rng = SeededGenerator(seed: 5)
            model.initialize(using: &rng)
            let sequences: [[UInt8]] = (0..<5).map { i in (0..<16).map { UInt8(($0 * 7 + i * 13) % 256) } }
            let probs = LanguageModelPredictor(model).nextByteProbabilities(sequences, from: sequences.map { _ in 0 })
            for s in sequences {
                let inputs = Array(s), targets = Array(s.dropFirst()) + [0]
                let loss = model.forward(inputs: inputs, targets: targets, batch: 1)
                var expected = 0.0
                let p = probs[sequences.firstIndex(of: s)!]
                for t in 0..<16 { expected -= log(Double(p[t][Int(targets[t])])) }
                XCTAssertEqual(loss, expected / 16, accuracy: 1e-4, "\(arch)")
                XCTAssertEqual(p[3].reduce(0, +), 1, accuracy: 1e-4)
            }
        }
    }
}

final class TaskTrainingTests: XCTestCase {
    let markov = MarkovSource(order: 2, alphabet: 6, sharpness: 3, seed: 42)

    func config(tokens: Int, mix: String, eval: [String], examples: Int) throws -> TrainingConfig {
        let shape = ModelShape(layers: 1, dModel: 32, heads: 2, context: 16)
        var h = Hyperparameters.defaults(for: shape, tokens: tokens)
        h.batch = 8; h.microBatch = 8; h.learningRate = 3e-3; h.warmupTokens = 1024
        var c = TrainingConfig(shape: shape, tokens: tokens, seed: 3, hyperparameters: h, threads: 1)
        c.curvePoints = 4
        c.curveValidationBytes = 512
        c.mix = try TaskMixture.parseList(mix)
        c.evaluationTasks = eval
        c.evaluationExamples = examples
        return c
    }

    /// Evaluations at every curve point, all five metrics per task; the same config gives the
    /// same evaluations; interrupted and resumed, the run is bitwise the uninterrupted one.
    func testEvaluationDuringTrainingIsDeterministicAndResumesBitwise() throws {
        let corpus = markov.generate(count: 20_000, seed: 2)
        let c = try config(tokens: 16 * 8 * 12, mix: "addition-1:0.3,reversal-2:0.1", eval: ["addition-1", "reversal-2"], examples: 30)
        let full = try train(c, corpus: corpus, options: TrainingOptions(version: "test"))
        let again = try train(c, corpus: corpus, options: TrainingOptions(version: "test"))
        XCTAssertEqual(full.status, .completed)
        let evaluations = try XCTUnwrap(full.evaluations)
        XCTAssertEqual(evaluations.count, c.curveSteps.count * 2 * TaskMetric.all.count)
        XCTAssertEqual(Array(Set(evaluations.map(\.step))).sorted(), c.curveSteps)
        XCTAssertEqual(evaluations.last?.step, c.steps)
        XCTAssertEqual(evaluations.first?.tokens, Double(c.curveSteps[0] * c.tokensPerStep))
        XCTAssertEqual(again.evaluations, full.evaluations)
        XCTAssertEqual(again.stepLosses, full.stepLosses)
        XCTAssertNotNil(full.data.mixedTrainBytes)
        XCTAssertGreaterThan(full.data.mixedTrainBytes!, full.data.trainBytes)

        // Evaluating does not change training: the same run without --eval has the same losses.
        var plain = c; plain.evaluationTasks = nil; plain.evaluationExamples = nil
        XCTAssertEqual(try train(plain, corpus: corpus, options: TrainingOptions(version: "test")).stepLosses, full.stepLosses)

        let dir = try makeTemporaryDirectory("scalelab-tasks")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("run.ckpt").path
        let (first, resumed) = try trainInterruptedThenResumed(c, corpus: corpus, stopAt: 5, checkpoint: path)
        XCTAssertEqual(first.status, .interrupted)
        XCTAssertEqual(resumed.stepLosses, full.stepLosses)
        XCTAssertEqual(resumed.learningCurve, full.learningCurve)
        XCTAssertEqual(resumed.evaluations, full.evaluations)

        // The completed run left its final checkpoint: loaded back, it scores what training recorded last.
        let loaded = try CheckpointedModel(path: path, microBatch: 16, threads: 1)
        XCTAssertEqual(loaded.steps, c.steps)
        let task = try TaskSuite(parsing: "reversal-2")
        let score = try TaskEvaluator.score(task, examples: try task.evaluationSet(count: 30), with: LanguageModelPredictor(loaded.model))
        let recorded = evaluations.filter { $0.step == c.steps && $0.task == "reversal-2" }
        XCTAssertEqual(recorded.count, TaskMetric.all.count)
        // Another micro-batch may sum in another order: equal to float rounding.
        for r in recorded { XCTAssertEqual(score[r.metric], r.value, accuracy: 1e-5 * max(1, abs(r.value)), r.metric) }
    }

    func testBadEvaluationSettingsAreRefused() throws {
        var c = try config(tokens: 4096, mix: "addition-1:0.1", eval: ["addition-9"], examples: 10)
        XCTAssertThrowsError(try c.validate()) { XCTAssertTrue("\($0)".contains("context of at least 33"), "\($0)") }
        c.evaluationTasks = ["addition-1"]; c.evaluationExamples = 0
        XCTAssertThrowsError(try c.validate()) { XCTAssertTrue("\($0)".contains("at least 1"), "\($0)") }
        c.evaluationTasks = nil; c.evaluationExamples = 10
        XCTAssertThrowsError(try c.validate()) { XCTAssertTrue("\($0)".contains("needs --eval"), "\($0)") }
        c.evaluationExamples = nil; c.mix = [TaskMixture(task: "addition-1", fraction: 1)]
        XCTAssertThrowsError(try c.validate()) { XCTAssertTrue("\($0)".contains("(0, 1)"), "\($0)") }
        // Records and configs written before tasks existed still decode.
        let old = try RunRecord.jsonEncoder().encode(try config(tokens: 4096, mix: "addition-1:0.1", eval: ["addition-1"], examples: 5))
        var json = try XCTUnwrap(JSONSerialization.jsonObject(with: old) as? [String: Any])
        json["mix"] = nil; json["evaluationTasks"] = nil; json["evaluationExamples"] = nil
        let decoded = try RunRecord.jsonDecoder().decode(TrainingConfig.self, from: JSONSerialization.data(withJSONObject: json))
        XCTAssertNil(decoded.mix); XCTAssertNil(decoded.evaluationTasks)
    }

    /// A short real run on a half-addition mix: addition-1's token probability rises clearly
    /// between the first and the last evaluation (a model that has learned nothing puts about
    /// 1/256 on each answer digit; the digits alone are worth 1/10).
    func testTaskMetricImprovesWithTraining() throws {
        let corpus = markov.generate(count: 40_000, seed: 5)
        let c = try config(tokens: 16 * 8 * 400, mix: "addition-1:0.5", eval: ["addition-1"], examples: 100)
        let r = try train(c, corpus: corpus, options: TrainingOptions(version: "test"))
        let p = try XCTUnwrap(r.evaluations).filter { $0.metric == TaskMetric.tokenProbability }
        XCTAssertLessThan(p.first!.value, 0.05, "\(p.map(\.value))")
        XCTAssertGreaterThan(p.last!.value, 0.15, "\(p.map(\.value))")
        let bits = r.evaluations!.filter { $0.metric == TaskMetric.answerBits }
        XCTAssertLessThan(bits.last!.value, bits.first!.value - 5, "\(bits.map(\.value))")
    }
}
