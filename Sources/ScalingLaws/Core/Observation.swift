/// The quantities a scaling law can depend on, with the letters docs/science.md uses (§Conventions).
public enum ScaleVariable: String, Sendable, Codable, CaseIterable, Hashable {
    /// N: model parameters.
    case parameters = "N"
    /// D: training tokens seen (with repetition).
    case tokens = "D"
    /// C: training FLOPs.
    case compute = "C"
    /// U: unique training tokens.
    case uniqueTokens = "U"

    /// The letter used in formulas and column headers: `N`, `D`, `C` or `U`.
    public var symbol: String { rawValue }
}

/// One measured training run: its scale and its held-out loss (nats per token).
///
/// Any of the scale quantities may be missing in the input; a law says which it needs.
public struct Observation: Sendable, Codable, Equatable, Hashable {
    public var parameters: Double?
    public var tokens: Double?
    public var compute: Double?
    public var uniqueTokens: Double?
    public var loss: Double

    public init(parameters: Double? = nil, tokens: Double? = nil, compute: Double? = nil,
                uniqueTokens: Double? = nil, loss: Double) {
        self.parameters = parameters
        self.tokens = tokens
        self.compute = compute
        self.uniqueTokens = uniqueTokens
        self.loss = loss
    }

    /// The value of one scale quantity, if present.
    public func value(of variable: ScaleVariable) -> Double? {
        switch variable {
        case .parameters: parameters
        case .tokens: tokens
        case .compute: compute
        case .uniqueTokens: uniqueTokens
        }
    }

    /// The point as a law's input; missing quantities become NaN.
    public var input: LawInput {
        LawInput(N: parameters ?? .nan, D: tokens ?? .nan, C: compute ?? .nan, U: uniqueTokens ?? .nan)
    }
}

/// A point to evaluate a law at: its scale and, when it was measured, its loss (nats per token).
///
/// What `MeasurementReader.readPoints` reads for `scalelab predict`: a row of a file whose loss
/// may be missing.
public struct ScalePoint: Sendable, Codable, Equatable, Hashable {
    /// N: model parameters.
    public var parameters: Double?
    /// D: training tokens.
    public var tokens: Double?
    /// C: training FLOPs.
    public var compute: Double?
    /// U: unique training tokens.
    public var uniqueTokens: Double?
    /// The measured loss, if any.
    public var loss: Double?
    /// The line of the file it was read from (1-based; a CSV header is line 1), or nil.
    public var line: Int?

    /// A point from its scale, its measured loss and the line it was read from (each optional).
    public init(parameters: Double? = nil, tokens: Double? = nil, compute: Double? = nil,
                uniqueTokens: Double? = nil, loss: Double? = nil, line: Int? = nil) {
        self.parameters = parameters
        self.tokens = tokens
        self.compute = compute
        self.uniqueTokens = uniqueTokens
        self.loss = loss
        self.line = line
    }

    /// The value of one scale quantity, if present.
    public func value(of variable: ScaleVariable) -> Double? {
        switch variable {
        case .parameters: parameters
        case .tokens: tokens
        case .compute: compute
        case .uniqueTokens: uniqueTokens
        }
    }

    /// The point as a law's input; missing quantities become NaN.
    public var input: LawInput {
        LawInput(N: parameters ?? .nan, D: tokens ?? .nan, C: compute ?? .nan, U: uniqueTokens ?? .nan)
    }
}

/// The arguments of a law, as plain numbers for the fitter's inner loop.
///
/// Legend: N = parameters, D = tokens, C = training FLOPs, U = unique tokens.
/// A quantity the law does not use may be NaN.
public struct LawInput: Sendable, Equatable, Hashable {
    public var N: Double
    public var D: Double
    public var C: Double
    public var U: Double

    public init(N: Double = .nan, D: Double = .nan, C: Double = .nan, U: Double = .nan) {
        self.N = N
        self.D = D
        self.C = C
        self.U = U
    }

    public subscript(variable: ScaleVariable) -> Double {
        switch variable {
        case .parameters: N
        case .tokens: D
        case .compute: C
        case .uniqueTokens: U
        }
    }
}
