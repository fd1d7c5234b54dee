/// Two laws' forecasts of the same loss, combined with the weight their back-test calls for.
///
/// When two laws err in opposite directions on a back-test (fitted without the ladder's largest
/// budget, predicting that budget's best run), a weighted mean of the two can be exact there:
/// with back-test relative errors `e₁` and `e₂` of opposite signs, the weight on the first law is
///
///     w = e₂ / (e₂ − e₁)  ∈ [0, 1],   so that   w·e₁ + (1 − w)·e₂ = 0,
///
/// and the combined forecast is `w·L₁ + (1 − w)·L₂` (relative errors against one measured loss
/// combine with the same weights). When the errors have the same sign no mean of the two can
/// cancel them, and the law with the smaller |error| gets all the weight. This is stacking
/// (Wolpert 1992; Breiman 1996, "Stacked regressions") with one held-out point: it assumes the
/// ratio of the two laws' extrapolation biases carries from the back-test's distance to the
/// forecast's, which only a further held-out run can check.
///
/// The motivating case is approach 3, `E + A/N^α + B/D^β`, whose fitted E is poorly identified on
/// a small ladder, against the compute frontier `(C_c/C)^α_C`, which has no irreducible term:
/// on the demo's ladders the first over-predicts and the second under-predicts.
public struct ForecastCombination: Sendable, Codable, Equatable {
    /// The weight on the first law's forecast; `1 − weight` on the second's.
    public var weight: Double
    /// The two laws' back-test relative errors, `(predicted − measured)/measured`.
    public var backtestErrors: [Double]

    /// The weight from the two back-test errors (see the type's doc). Nil when either is not finite.
    public init?(backtestErrors e1: Double, _ e2: Double) {
        guard e1.isFinite, e2.isFinite else { return nil }
        if e1 == e2 { weight = 0.5 }
        else if (e1 <= 0) != (e2 <= 0) || e1 == 0 || e2 == 0 { weight = e2 / (e2 - e1) }
        else { weight = abs(e1) <= abs(e2) ? 1 : 0 }
        backtestErrors = [e1, e2]
    }

    /// `weight·first + (1 − weight)·second`.
    public func combine(_ first: Double, _ second: Double) -> Double {
        weight * first + (1 - weight) * second
    }

    /// The two percentile intervals `[low, high]` combined end by end: the interval of the
    /// combination when the two forecasts' errors move together (the widest case for a weighted
    /// mean; independent errors would give a narrower one).
    public func combine(interval first: [Double], _ second: [Double]) -> [Double] {
        precondition(first.count == 2 && second.count == 2, "intervals are [low, high], got \(first) and \(second)")
        return [combine(first[0], second[0]), combine(first[1], second[1])]
    }
}
