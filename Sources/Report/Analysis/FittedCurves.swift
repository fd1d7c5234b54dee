import Foundation
import LawFitting
import ScalingLaws

/// What a fit report predicts, evaluated the one way the fitter and planner do
/// (`Derived.atBudget`, `LawFormula.value`), with bootstrap bands from its refits.
public struct FittedCurves: Sendable {
    public let report: FitReport
    public let formula: any LawFormula
    /// Free parameters in `report.parameterOrder`.
    public let parameters: [Double]

    /// Nil when the report names a law ScaleLab does not know.
    public init?(_ report: FitReport) {
        guard var formula = report.namedLaw else { return nil }
        if let fixed = report.fixed, !fixed.isEmpty {
            guard let staged = FixedParameters(formula, fixed: fixed) else { return nil }
            formula = staged
        }
        guard formula.parameterNames == report.parameterOrder else { return nil }
        let p = report.parameterOrder.map { report.parameters[$0] ?? .nan }
        guard p.allSatisfy(\.isFinite) else { return nil }
        self.report = report
        self.formula = formula
        self.parameters = p
    }

    /// A short name for legends: `chinchilla fit`.
    public var name: String { "\(report.law) fit" }

    /// The predicted loss of a run.
    public func predict(_ x: LawInput) -> Double { formula.value(parameters, at: x) }

    /// The back-test fit's prediction (the law fitted without the held-out points), if any.
    public func backtestPredict(_ x: LawInput) -> Double? {
        guard let h = report.holdout else { return nil }
        let p = report.parameterOrder.map { h.parameters[$0] ?? .nan }
        guard p.allSatisfy(\.isFinite) else { return nil }
        return formula.value(p, at: x)
    }

    /// `loss`, `N_opt`, `D_opt` on the compute-optimal frontier at C (the keys the law can answer).
    public func atBudget(_ C: Double) -> [String: Double] { Derived.atBudget(formula, parameters, compute: C) }

    /// Whether the law has a compute-optimal frontier (a loss at a budget).
    public var hasFrontier: Bool { atBudget(1e20)["loss"] != nil }
    /// Whether the law gives N_opt and D_opt.
    public var hasAllocation: Bool { atBudget(1e20)["N_opt"] != nil }

    /// The percentile band of `key` at each budget over the bootstrap refits; nil without a
    /// bootstrap. Level as in the report (0.9: 5th to 95th percentile).
    public func band(_ key: String, at budgets: [Double]) -> (low: [Double], high: [Double])? {
        guard let b = report.bootstrap, !b.parameters.isEmpty else { return nil }
        var low: [Double] = [], high: [Double] = []
        for C in budgets {
            let values = b.parameters.compactMap { Derived.atBudget(formula, $0, compute: C)[key] }.filter(\.isFinite).sorted()
            guard !values.isEmpty else { low.append(.nan); high.append(.nan); continue }
            let tail = (1 - b.level) / 2
            low.append(quantile(sorted: values, tail))
            high.append(quantile(sorted: values, 1 - tail))
        }
        return (low, high)
    }
}

/// `count` values evenly spaced in log10 from `low` to `high`, both kept inside the positive
/// Doubles; none when the range is empty or not positive.
func logSpace(_ low: Double, _ high: Double, count: Int) -> [Double] {
    let low = max(low, .leastNonzeroMagnitude), high = min(high, .greatestFiniteMagnitude)
    guard low.isFinite, high >= low, count >= 2 else { return [] }
    let a = log10(low), b = log10(high)
    return (0..<count).map { min(pow(10, a + (b - a) * Double($0) / Double(count - 1)), .greatestFiniteMagnitude) }
}
