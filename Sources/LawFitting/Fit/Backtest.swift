import ScalingLaws

/// Judge a law by extrapolation (docs/science.md, §Back-tests): fit on all but the K largest points, predict those.
public struct BacktestResult: Sendable {
    public struct Prediction: Sendable, Codable, Equatable {
        public var input: [String: Double]
        public var loss: Double
        public var predicted: Double
        /// `(predicted − loss)/loss`.
        public var relativeError: Double
    }

    public let fit: LawFit
    public let predictions: [Prediction]

    /// Root mean square of `log predicted − log loss` on the held-out points.
    public var rmseLog: Double {
        let s = predictions.map { let r = _log($0.predicted) - _log($0.loss); return r * r }.reduce(0, +)
        return (s / Double(max(predictions.count, 1))).squareRoot()
    }

    /// Mean absolute relative error on the held-out points.
    public var meanAbsoluteRelativeError: Double {
        predictions.map { abs($0.relativeError) }.reduce(0, +) / Double(max(predictions.count, 1))
    }
}

public enum Backtest {
    /// The size used to rank points: C when present, else 6·N·D, else the law's single variable.
    public static func scale(of x: LawInput, for formula: any LawFormula) -> Double {
        if x.C.isFinite { return x.C }
        if x.N.isFinite, x.D.isFinite { return 6 * x.N * x.D }
        return formula.variables.map { x[$0] }.first(where: \.isFinite) ?? .nan
    }

    /// Indices of `data` split into (train, held-out K largest by `scale`).
    public static func split(_ data: FitData, holdout k: Int, for formula: any LawFormula) -> (train: [Int], test: [Int]) {
        let order = data.inputs.indices.sorted { scale(of: data.inputs[$0], for: formula) < scale(of: data.inputs[$1], for: formula) }
        return (Array(order.dropLast(k)), Array(order.suffix(k)))
    }

    public static func run(_ formula: any LawFormula, data: FitData, holdout k: Int,
                           options: FitOptions = FitOptions()) throws -> BacktestResult {
        let p = formula.parameters.count
        guard k >= 1 else { throw FitError.badOption("--holdout-largest needs at least 1 point, got \(k)") }
        guard data.count - k > p else { throw FitError.holdoutTooLarge(holdout: k, points: data.count, parameters: p) }
        let (train, test) = split(data, holdout: k, for: formula)
        let fit = try LawFitter.fit(formula, to: data.subset(train), options: options)
        let law = fit.law
        let predictions = test.map { i -> BacktestResult.Prediction in
            let x = data.inputs[i]
            let loss = _exp(data.logLoss[i])
            let predicted = law(x)
            var input: [String: Double] = [:]
            for v in ScaleVariable.allCases where x[v].isFinite { input[v.symbol] = x[v] }
            return .init(input: input, loss: loss, predicted: predicted, relativeError: (predicted - loss) / loss)
        }
        return BacktestResult(fit: fit, predictions: predictions)
    }
}
