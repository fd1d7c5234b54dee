import Foundation

/// What the task evaluator needs from a model: next-byte distributions for a batch of byte
/// sequences. A language model provides it (`LanguageModelPredictor`); tests provide exact oracles.
public protocol NextBytePredictor {
    /// The longest sequence one query may hold (a model's context).
    var maximumLength: Int { get }
    /// For each sequence `i` and each position `t` in `starts[i]..<sequences[i].count`, the
    /// probabilities of the 256 byte values following `sequences[i][0...t]`: `result[i][t − starts[i]]`.
    func nextByteProbabilities(_ sequences: [[UInt8]], from starts: [Int]) -> [[[Float]]]
}

/// One task's metrics over an evaluation set, keyed by `TaskMetric` names.
public struct TaskScore: Sendable, Equatable {
    /// The task's name.
    public var task: String
    /// Examples evaluated.
    public var examples: Int
    /// Every metric of `TaskMetric.all`, by name.
    public var values: [String: Double]
    /// True when the evaluation problems are also training problems (a small task).
    public var overlapsTraining: Bool

    /// The value of `metric` (NaN if absent).
    public subscript(metric: String) -> Double { values[metric] ?? .nan }

    /// The scores as evaluation records at a point of a run, in `TaskMetric.all` order.
    public func records(step: Int, tokens: Double) -> [TaskEvaluation] {
        TaskMetric.all.map { TaskEvaluation(step: step, tokens: tokens, task: task, metric: $0, value: self[$0]) }
    }
}

/// Scores a model on task examples (`TaskMetric`):
///
/// - greedy decoding of `"\n" + prompt`, one byte at a time (the most probable byte, the lowest
///   byte value on a tie), until the model writes a newline or has written as many bytes as the
///   answer has; `exact_match` is 1 when those bytes are the answer (every task's answers have a
///   fixed length, so what would follow is not read: exact match scores the same ℓ bytes the
///   teacher-forced metrics do, and p^ℓ is its smooth counterpart), and `partial_credit` the
///   fraction of answer positions where the written byte is the right one (a missing byte counts
///   wrong);
/// - teacher forcing on `"\n" + prompt + answer`, one pass: with `p_i` the probability of the
///   answer's i-th byte given everything before it, `answer_probability` = Π p_i,
///   `answer_bits` = −Σ log2 p_i, `token_probability` = the mean of the p_i.
///
/// Each is averaged over the examples. All examples of a task go through the predictor
/// together, so a model runs them in as few batched forward passes as its batch allows.
public enum TaskEvaluator {
    /// The smallest probability used in `answer_bits`, so an underflowed 0 gives a large finite value.
    public static let probabilityFloor = 1e-30

    /// Scores `examples` of `task` with `predictor`. Throws if an example does not fit the
    /// predictor's context (`task.evaluationContext` bytes).
    public static func score(_ task: TaskSuite, examples: [TaskExample], with predictor: any NextBytePredictor) throws -> TaskScore {
        guard task.evaluationContext <= predictor.maximumLength else {
            throw TrainerError.invalidConfiguration(
                "task '\(task)' needs a context of at least \(task.evaluationContext) bytes to evaluate (prompt, answer and 2 more), the model has \(predictor.maximumLength)")
        }
        let n = examples.count
        guard n > 0 else { throw TrainerError.invalidConfiguration("task '\(task)': no evaluation examples") }
        let prompts = examples.map { [TaskSuite.newline] + $0.prompt }

        // Teacher forcing: the distributions after the prompt's last byte and after each answer byte.
        let forced = predictor.nextByteProbabilities(zip(prompts, examples).map { $0 + $1.answer },
                                                     from: prompts.map { $0.count - 1 })
        var bits = 0.0, answerP = 0.0, tokenP = 0.0
        for (i, e) in examples.enumerated() {
            var logP = 0.0, sumP = 0.0
            for (k, byte) in e.answer.enumerated() {
                let p = Double(forced[i][k][Int(byte)])
                logP += log2(max(p, probabilityFloor)); sumP += p
            }
            bits -= logP; answerP += exp2(logP); tokenP += sumP / Double(e.answer.count)
        }

        // Greedy decoding, all unfinished examples in one query per byte.
        var written = [[UInt8]](repeating: [], count: n)
        var active = Array(0..<n)
        let steps = examples.map(\.answer.count).max() ?? 0
        for _ in 0..<steps where !active.isEmpty {
            let sequences = active.map { prompts[$0] + written[$0] }
            let next = predictor.nextByteProbabilities(sequences, from: sequences.map { $0.count - 1 })
            var still: [Int] = []
            for (j, i) in active.enumerated() {
                let d = next[j][0]
                var best = 0
                for v in 1..<d.count where d[v] > d[best] { best = v }
                if best == Int(TaskSuite.newline) { continue }
                written[i].append(UInt8(best))
                if written[i].count < examples[i].answer.count { still.append(i) }
            }
            active = still
        }
        var exact = 0.0, partial = 0.0
        for (i, e) in examples.enumerated() {
            if written[i] == e.answer { exact += 1 }
            var right = 0
            for (k, byte) in e.answer.enumerated() where k < written[i].count && written[i][k] == byte { right += 1 }
            partial += Double(right) / Double(e.answer.count)
        }
        let N = Double(n)
        return TaskScore(task: task.description, examples: n,
                         values: [TaskMetric.exactMatch: exact / N, TaskMetric.partialCredit: partial / N,
                                  TaskMetric.answerBits: bits / N, TaskMetric.answerProbability: answerP / N,
                                  TaskMetric.tokenProbability: tokenP / N],
                         overlapsTraining: task.evaluationOverlapsTraining)
    }
}

/// A language model as a `NextBytePredictor`: sequences are placed at the start of a context
/// (the rest padded with zero bytes, which a causal model's earlier positions never see) and run
/// `microBatch` at a time through `forward`; the distributions are the softmax probabilities the
/// forward pass leaves behind (`LanguageModel.lastProbabilities`).
///
/// Running the model overwrites its activations but not its parameters or gradients, so a
/// training loop can evaluate between steps without changing what it computes.
public final class LanguageModelPredictor: NextBytePredictor {
    /// The model queried.
    public let model: any LanguageModel
    /// The model's context.
    public var maximumLength: Int { model.shape.context }

    /// A predictor for `model`.
    public init(_ model: any LanguageModel) { self.model = model }

    /// See `NextBytePredictor`; sequences must be 1…context bytes long.
    public func nextByteProbabilities(_ sequences: [[UInt8]], from starts: [Int]) -> [[[Float]]] {
        let T = model.shape.context, V = model.shape.vocab, B = model.microBatch
        var inputs = [UInt8](repeating: 0, count: B * T)
        let targets = [UInt8](repeating: 0, count: B * T)
        var out: [[[Float]]] = []
        out.reserveCapacity(sequences.count)
        var first = 0
        while first < sequences.count {
            let b = min(B, sequences.count - first)
            for i in 0..<b {
                let s = sequences[first + i]
                precondition(!s.isEmpty && s.count <= T, "sequence of \(s.count) bytes for a context of \(T)")
                for t in 0..<T { inputs[i * T + t] = t < s.count ? s[t] : 0 }
            }
            _ = inputs.withUnsafeBufferPointer { x in targets.withUnsafeBufferPointer { y in
                model.forward(inputs: x.baseAddress!, targets: y.baseAddress!, batch: b) } }
            let probs = model.lastProbabilities
            for i in 0..<b {
                let s = sequences[first + i]
                out.append((starts[first + i]..<s.count).map { t in
                    Array(UnsafeBufferPointer(start: probs + (i * T + t) * V, count: V))
                })
            }
            first += b
        }
        return out
    }
}

/// Evaluates `model` on each task's evaluation set and returns the records at one point of a run.
public func evaluateTasks(_ model: any LanguageModel, sets: [(TaskSuite, [TaskExample])], step: Int, tokens: Double) throws -> [TaskEvaluation] {
    let predictor = LanguageModelPredictor(model)
    return try sets.flatMap { try TaskEvaluator.score($0.0, examples: $0.1, with: predictor).records(step: step, tokens: tokens) }
}
