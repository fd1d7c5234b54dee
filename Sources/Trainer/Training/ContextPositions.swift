import Foundation

/// Mean loss (nats/token) of `model` at each position of its context on `bytes`: entry t is the
/// mean loss of predicting the byte after t + 1 bytes of context, over the same non-overlapping
/// windows `evaluate(_:on:)` scores (window k predicts bytes[kT+1 … kT+T]).
///
/// The loss of each prediction is −ln p(target) read from the probabilities the forward pass
/// leaves (`LanguageModel.lastProbabilities`), so the mean of the entries is `evaluate`'s loss on
/// the same bytes up to float rounding. Where Kaplan et al. 2020 (arXiv:2001.08361, Fig. 7) find
/// LSTMs falling behind transformers: on late positions, when long context could help.
public func evaluateByPosition(_ model: any LanguageModel, on bytes: [UInt8]) -> [Double] {
    let T = model.shape.context, V = model.shape.vocab
    var sums = [Double](repeating: 0, count: T)
    let windows = forEachEvaluationBatch(model, on: bytes) { b, _, targets in
        let p = model.lastProbabilities   // (b, T, V)
        for i in 0..<b {
            for t in 0..<T {
                let q = Double(p[(i * T + t) * V + Int(targets[i * T + t])])
                sums[t] -= Foundation.log(max(q, Double(Float.leastNormalMagnitude)))
            }
        }
    }
    return sums.map { $0 / Double(windows) }
}

/// Log-spaced buckets of context positions for `evaluateByPosition`: 1-based positions (the
/// bytes of context seen) 1, 2–3, 4–7, …, 2^k … min(2^(k+1) − 1, T). Powers of two because the
/// loss falls fastest over the first few bytes and slowly after (Kaplan et al. 2020, Fig. 20).
public enum ContextPositions {
    /// The pseudo-task the per-position losses are stored under, one metric per bucket.
    public static let task = "context-position"

    /// The buckets of a context of T positions, as closed ranges of 1-based positions.
    public static func buckets(context T: Int) -> [ClosedRange<Int>] {
        precondition(T >= 1, "the context must be at least 1, got \(T)")
        var out: [ClosedRange<Int>] = []
        var lo = 1
        while lo <= T {
            out.append(lo...min(2 * lo - 1, T))
            lo *= 2
        }
        return out
    }

    /// The metric name of a bucket: `loss@4-7` (mean nats per byte over positions 4 to 7).
    public static func metric(_ bucket: ClosedRange<Int>) -> String { "loss@\(bucket.lowerBound)-\(bucket.upperBound)" }

    /// The bucket a metric name denotes, or nil for any other name.
    public static func bucket(metric: String) -> ClosedRange<Int>? {
        guard metric.hasPrefix("loss@") else { return nil }
        let parts = metric.dropFirst(5).split(separator: "-")
        guard parts.count == 2, let lo = Int(parts[0]), let hi = Int(parts[1]), lo >= 1, hi >= lo else { return nil }
        return lo...hi
    }

    /// Per-position losses (`evaluateByPosition`) averaged over each bucket, as evaluations of
    /// the pseudo-task `task` at `step` after `tokens` training tokens.
    public static func evaluations(_ losses: [Double], step: Int, tokens: Double) -> [TaskEvaluation] {
        buckets(context: losses.count).map { r in
            let mean = losses[(r.lowerBound - 1)...(r.upperBound - 1)].reduce(0, +) / Double(r.count)
            return TaskEvaluation(step: step, tokens: tokens, task: task, metric: metric(r), value: mean)
        }
    }
}
