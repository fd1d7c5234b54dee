import ScalingLaws

/// Every applicable law fitted to the same data, ranked by held-out error (docs/science.md, §Back-tests: judge a law
/// by extrapolation, not in-sample fit), with AIC and BIC for the in-sample view.
public struct ComparisonRow: Sendable, Codable, Equatable {
    public var law: String
    public var parameterCount: Int
    public var points: Int
    public var objective: Double
    public var rmseLog: Double
    /// Akaike and Bayesian information criteria under Gaussian log residuals:
    /// `n·ln(RSS/n) + 2k` and `n·ln(RSS/n) + k·ln n` (lower is better).
    public var aic: Double
    public var bic: Double
    public var holdoutRmseLog: Double?
    public var holdoutMeanAbsoluteRelativeError: Double?
    public var status: String
    public var parameters: [String: Double]
}

public enum Comparison {
    /// The forms whose variables every point has and which have fewer parameters than points.
    public static func applicable(to data: FitData, among forms: [any LawFormula] = LawForms.all) -> [any LawFormula] {
        forms.filter { form in
            data.count > form.parameters.count
                && data.inputs.allSatisfy { x in form.variables.allSatisfy { x[$0].isFinite } }
        }
    }

    /// Fits each form; back-tests on the `holdout` largest points when the form leaves enough to fit.
    /// Rows come back `ranked`.
    public static func run(_ forms: [any LawFormula], data: FitData, holdout: Int,
                           options: FitOptions = FitOptions()) throws -> [ComparisonRow] {
        var rows: [ComparisonRow] = []
        for form in forms {
            let fit = try LawFitter.fit(form, to: data, options: options)
            let n = Double(fit.points), k = Double(form.parameters.count)
            let rss = max(fit.rmseLog * fit.rmseLog * n, 1e-300)
            var row = ComparisonRow(
                law: form.identifier, parameterCount: form.parameters.count, points: fit.points,
                objective: fit.objective, rmseLog: fit.rmseLog,
                aic: n * _log(rss / n) + 2 * k, bic: n * _log(rss / n) + k * _log(n),
                holdoutRmseLog: nil, holdoutMeanAbsoluteRelativeError: nil, status: fit.status.rawValue,
                parameters: fit.law.named)
            if holdout > 0, data.count - holdout > form.parameters.count {
                let backtest = try Backtest.run(form, data: data, holdout: holdout, options: options)
                row.holdoutRmseLog = backtest.rmseLog
                row.holdoutMeanAbsoluteRelativeError = backtest.meanAbsoluteRelativeError
            }
            rows.append(row)
        }
        return ranked(rows)
    }

    /// Rows ranked as ScaleLab ranks laws: by held-out log RMSE, best first; rows without a
    /// back-test after those with one, by AIC. Stable for ties.
    public static func ranked(_ rows: [ComparisonRow]) -> [ComparisonRow] {
        rows.enumerated().sorted { x, y in
            let (a, b) = (x.element, y.element)
            switch (a.holdoutRmseLog, b.holdoutRmseLog) {
            case let (p?, q?) where p != q: return p < q
            case (.some, nil): return true
            case (nil, .some): return false
            case (nil, nil) where a.aic != b.aic: return a.aic < b.aic
            default: return x.offset < y.offset
            }
        }.map(\.element)
    }
}

/// The comparison of laws: every row, and how many of the largest points were held out.
public struct LawComparison: Sendable, Codable, Equatable {
    public var holdout: Int
    public var rows: [ComparisonRow]
    /// The laws whose fit failed, each with why; nil when every law was fitted.
    public var dropped: [String]?

    public init(holdout: Int, rows: [ComparisonRow], dropped: [String]? = nil) {
        self.holdout = holdout
        self.rows = rows
        self.dropped = dropped
    }
}
