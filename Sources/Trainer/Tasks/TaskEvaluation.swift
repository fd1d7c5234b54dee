/// One measurement of one metric of one task, at one point of a run: a row of the store's
/// `evaluation` table, an entry of a run record's `evaluations`, and what a trainer run
/// elsewhere reports in its result file (docs/trainers.md).
///
/// ```json
/// {"step": 400, "tokens": 819200, "task": "addition-3", "metric": "exact_match", "value": 0.12}
/// ```
public struct TaskEvaluation: Sendable, Codable, Equatable, Hashable {
    /// Optimizer step the model had taken when it was evaluated.
    public var step: Int
    /// Training tokens seen by then.
    public var tokens: Double
    /// The task's name, such as `addition-3` (one of ScaleLab's suites) or any name a trainer uses.
    public var task: String
    /// The metric's name: one of ``TaskMetric`` for ScaleLab's own evaluations, or any name.
    public var metric: String
    /// The metric's value (a fraction for accuracies, bits for log-likelihoods).
    public var value: Double

    /// An evaluation record.
    public init(step: Int, tokens: Double, task: String, metric: String, value: Double) {
        self.step = step; self.tokens = tokens; self.task = task; self.metric = metric; self.value = value
    }
}

/// The names of the metrics ScaleLab's evaluator records for every task, each averaged over the
/// task's held-out examples.
public enum TaskMetric {
    /// Fraction of examples whose greedy decoding equals the answer exactly.
    public static let exactMatch = "exact_match"
    /// Partial credit: fraction of answer characters the greedy decoding got right, position by position.
    public static let partialCredit = "partial_credit"
    /// Mean negative log-likelihood of the whole correct answer, in bits (lower is better).
    public static let answerBits = "answer_bits"
    /// Mean probability of the whole correct answer under the model (teacher forced).
    public static let answerProbability = "answer_probability"
    /// Mean per-character probability of the correct answer (teacher forced): the smooth metric
    /// whose power `p^length` predicts exact match if characters were independent.
    public static let tokenProbability = "token_probability"
    /// All of them, in the order they are reported.
    public static let all = [exactMatch, partialCredit, answerBits, answerProbability, tokenProbability]
}
