/// A law with some parameters held at given values; only the others are free.
///
/// Used for staged fits, e.g. Muennighoff et al.'s fit of R_D*, R_N* with E, A, B, α, β fixed,
/// or a Chinchilla fit with E fixed at a known entropy.
public struct FixedParameters: LawFormula {
    public let base: any LawFormula
    /// Natural values of the fixed parameters, by name.
    public let fixed: [String: Double]
    private let freeIndices: [Int]

    /// Nil when a name is not a parameter of `base`.
    public init?(_ base: any LawFormula, fixed: [String: Double]) {
        let names = base.parameterNames
        guard fixed.keys.allSatisfy(names.contains) else { return nil }
        self.base = base
        self.fixed = fixed
        freeIndices = names.indices.filter { fixed[names[$0]] == nil }
    }

    public var identifier: String { base.identifier }
    public var formula: String {
        base.formula + " with " + fixed.keys.sorted().map { "\($0) = \(fixed[$0]!)" }.joined(separator: ", ")
    }
    public var variables: [ScaleVariable] { base.variables }
    public var defaultObjective: FitObjectiveKind { base.defaultObjective }
    public var parameters: [ParameterSpec] { freeIndices.map { base.parameters[$0] } }

    /// The base law's full parameter vector from the free values.
    public func full(_ free: [Double]) -> [Double] {
        var p = base.parameterNames.map { fixed[$0] ?? 0 }
        for (k, i) in freeIndices.enumerated() { p[i] = free[k] }
        return p
    }

    public func value(_ p: [Double], at x: LawInput) -> Double { base.value(full(p), at: x) }

    public func value(_ p: [Double], at x: LawInput, gradient g: inout [Double]) -> Double {
        var fullGradient = [Double](repeating: 0, count: base.parameters.count)
        let L = base.value(full(p), at: x, gradient: &fullGradient)
        for (k, i) in freeIndices.enumerated() { g[k] = fullGradient[i] }
        return L
    }
}
