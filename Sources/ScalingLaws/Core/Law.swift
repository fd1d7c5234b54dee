/// A functional form with parameter values: a law you can evaluate.
public struct Law: Sendable {
    public let formula: any LawFormula
    public var parameters: [Double]

    public init(_ formula: any LawFormula, parameters: [Double]) {
        precondition(parameters.count == formula.parameters.count,
                     "\(formula.identifier) has \(formula.parameters.count) parameters, got \(parameters.count)")
        self.formula = formula
        self.parameters = parameters
    }

    /// From named values, e.g. `["E": 1.69, "A": 406.4, ...]`. Nil if a name is missing.
    public init?(_ formula: any LawFormula, named values: [String: Double]) {
        var p: [Double] = []
        for spec in formula.parameters {
            guard let v = values[spec.name] else { return nil }
            p.append(v)
        }
        self.init(formula, parameters: p)
    }

    public var identifier: String { formula.identifier }

    /// The parameters by name.
    public var named: [String: Double] {
        Dictionary(uniqueKeysWithValues: zip(formula.parameterNames, parameters))
    }

    public subscript(name: String) -> Double? {
        formula.parameterNames.firstIndex(of: name).map { parameters[$0] }
    }

    /// The predicted loss at `x`.
    public func callAsFunction(_ x: LawInput) -> Double { formula.value(parameters, at: x) }

    /// The predicted loss for a measurement's scale.
    public func predict(_ m: Observation) -> Double { formula.value(parameters, at: m.input) }
}

/// Every functional form ScaleLab can fit, by command-line identifier.
public enum LawForms {
    /// One instance of each form, with its default variable (and one break for BNSL).
    public static let all: [any LawFormula] = [
        SaturatingPowerLaw(variable: .parameters),
        SaturatingPowerLaw(variable: .tokens),
        SaturatingPowerLaw(variable: .compute),
        KaplanPowerLaw(variable: .parameters),
        KaplanPowerLaw(variable: .tokens),
        KaplanPowerLaw(variable: .compute),
        KaplanJointLaw(),
        ChinchillaLaw(),
        ChinchillaLaw(tiedExponents: true),
        DataConstrainedLaw(),
        DataConstrainedLaw(tiedExponents: true),
        BrokenPowerLaw(variable: .tokens, breaks: 1),
    ]

    public static var identifiers: [String] { all.map(\.identifier) + ["bnsl-K (K breaks)"] }

    /// The form with this identifier. `bnsl-K` gives K breaks; `variable` overrides the
    /// variable of a broken power law (default D).
    public static func named(_ identifier: String, variable: ScaleVariable? = nil) -> (any LawFormula)? {
        let id = identifier.lowercased()
        if id == "bnsl" { return BrokenPowerLaw(variable: variable ?? .tokens, breaks: 1) }
        if id.hasPrefix("bnsl-"), let k = Int(id.dropFirst(5)), k >= 0, k <= 8 {
            return BrokenPowerLaw(variable: variable ?? .tokens, breaks: k)
        }
        return all.first { $0.identifier == id }
    }
}

extension LawFormula {
    /// Whether the form ties β to α (`chinchilla-tied`, `data-constrained-tied`).
    public var tiesExponents: Bool {
        (self as? ChinchillaLaw)?.tiedExponents == true || (self as? DataConstrainedLaw)?.tiedExponents == true
    }

    /// The same form with β free when this one ties it to α; else the form itself. A tied law's
    /// parameters are its untied form's with `beta` set to `alpha`.
    public var untiedForm: any LawFormula {
        if let c = self as? ChinchillaLaw, c.tiedExponents { return ChinchillaLaw() }
        if let d = self as? DataConstrainedLaw, d.tiedExponents { return DataConstrainedLaw() }
        return self
    }
}
