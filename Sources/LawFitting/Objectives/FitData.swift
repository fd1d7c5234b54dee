import ScalingLaws

/// Measurements prepared for fitting: the law inputs and the log of each loss.
public struct FitData: Sendable {
    public let inputs: [LawInput]
    public let logLoss: [Double]

    public init(_ measurements: [Observation]) {
        inputs = measurements.map(\.input)
        logLoss = measurements.map { _log($0.loss) }
    }

    init(inputs: [LawInput], logLoss: [Double]) {
        self.inputs = inputs
        self.logLoss = logLoss
    }

    public var count: Int { inputs.count }

    /// The points at these indices (with repetition, as a bootstrap resample).
    public func subset(_ indices: [Int]) -> FitData {
        FitData(inputs: indices.map { inputs[$0] }, logLoss: indices.map { logLoss[$0] })
    }
}

/// `Huber_δ(r) = r²/2` for `|r| ≤ δ`, `δ·(|r| − δ/2)` beyond (Huber 1964), and its derivative.
@inline(__always) func huber(_ r: Double, delta: Double) -> (value: Double, slope: Double) {
    let a = abs(r)
    return a <= delta ? (0.5 * r * r, r) : (delta * (a - 0.5 * delta), r > 0 ? delta : -delta)
}
