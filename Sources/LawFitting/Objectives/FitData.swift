import ScalingLaws

/// Measurements prepared for fitting: the law inputs, each loss and its log.
public struct FitData: Sendable {
    public let inputs: [LawInput]
    public let logLoss: [Double]
    /// The losses themselves (the residuals of `least-squares-loss` are `L̂ − L`).
    public let loss: [Double]

    public init(_ measurements: [Observation]) {
        inputs = measurements.map(\.input)
        loss = measurements.map(\.loss)
        logLoss = loss.map { _log($0) }
    }

    init(inputs: [LawInput], loss: [Double], logLoss: [Double]) {
        self.inputs = inputs
        self.loss = loss
        self.logLoss = logLoss
    }

    public var count: Int { inputs.count }

    /// The points at these indices (with repetition, as a bootstrap resample).
    public func subset(_ indices: [Int]) -> FitData {
        FitData(inputs: indices.map { inputs[$0] }, loss: indices.map { loss[$0] }, logLoss: indices.map { logLoss[$0] })
    }

    /// The same inputs with other log losses (a residual bootstrap's resample).
    func withLogLoss(_ logLoss: [Double]) -> FitData {
        precondition(logLoss.count == count, "\(logLoss.count) log losses for \(count) points")
        return FitData(inputs: inputs, loss: logLoss.map { _exp($0) }, logLoss: logLoss)
    }

    /// The smallest and largest value of each variable the points have (every point with a
    /// finite value counts), by symbol: `["N": [1e7, 1e9], …]`. A prediction outside them is an
    /// extrapolation.
    public var ranges: [String: [Double]] {
        var out: [String: [Double]] = [:]
        for v in ScaleVariable.allCases {
            let values = inputs.map { $0[v] }.filter(\.isFinite)
            if let lo = values.min(), let hi = values.max() { out[v.symbol] = [lo, hi] }
        }
        return out
    }
}

/// `Huber_δ(r) = r²/2` for `|r| ≤ δ`, `δ·(|r| − δ/2)` beyond (Huber 1964), and its derivative.
@inline(__always) func huber(_ r: Double, delta: Double) -> (value: Double, slope: Double) {
    let a = abs(r)
    return a <= delta ? (0.5 * r * r, r) : (delta * (a - 0.5 * delta), r > 0 ? delta : -delta)
}
