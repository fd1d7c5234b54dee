import Foundation
import LawFitting
import ScalingLaws

/// One law fitted to measurements the one way every command does it: the multi-start fit, its
/// bootstrap, the back-test on the largest-compute points, and the numbers at the budgets asked
/// for, gathered in a `FitReport` (the JSON of `scalelab fit`).
public struct LawAnalysis: Sendable {
    public var fit: LawFit
    public var bootstrap: BootstrapResult?
    public var backtest: BacktestResult?
    public var report: FitReport
    /// The points fitted (those with every variable the law reads).
    public var data: FitData

    /// Fits `options.law` (or the law the data calls for, `mainLaw`) to `set`.
    ///
    /// The back-test holds out `options.holdout` points; without it, a tenth when enough points
    /// are left to fit the law, and none otherwise (an explicit `holdout` that leaves too few is
    /// an error).
    public static func run(_ set: MeasurementSet, options: AnalysisOptions, version: String) throws -> LawAnalysis {
        let formula = try Self.formula(for: set, options: options)
        try set.checkScales()
        try validatePointCount(set, for: formula)
        let data = FitData(set.measurements.filter { m in formula.variables.allSatisfy { m.value(of: $0) != nil } })
        let fitOptions = options.fitOptions(for: formula)
        options.report("fitting \(formula.identifier) to \(points(data.count))...")
        let fit = try LawFitter.fit(formula, to: data, options: fitOptions)
        var boot: BootstrapResult? = nil
        if options.bootstrap > 0 {
            options.report("fitting \(formula.identifier) (\(options.bootstrap) bootstrap resample\(options.bootstrap == 1 ? "" : "s"))...")
            boot = try Bootstrap.run(fit, data: data, options: options.bootstrapOptions, fitOptions: fitOptions)
        }
        let k = options.holdoutCount(points: data.count)
        let willBacktest = options.holdout != nil || data.count - k > formula.parameters.count
        if willBacktest { options.report("back-testing \(formula.identifier) without the \(groupedDigits(k)) largest-compute points...") }
        let backtest = willBacktest ? try Backtest.run(formula, data: data, holdout: k, options: fitOptions) : nil
        let rolling = try rollingBacktest(formula, data: data, options: options)
        var report = FitReport(fit: fit, bootstrap: boot, seed: options.seed, budgets: options.budgets, holdout: backtest,
                               rollingBacktest: rolling,
                               data: .init(file: set.source, points: data.count, hash: set.contentHash, ranges: data.ranges,
                                           columns: set.provenance.isEmpty ? nil : set.provenance,
                                           computeCheck: set.computeCheck), version: version)
        report.warnings = set.warnings.isEmpty ? nil : set.warnings
        return LawAnalysis(fit: fit, bootstrap: boot, backtest: backtest, report: report, data: data)
    }

    /// The rolling back-tests of `formula` over the budgets of `data` (grouped by
    /// `options.budgetTolerance`), which give a forecast its form interval
    /// (`RollingBacktestResult.formInterval`); nil for data of more than
    /// `RollingBacktest.maxBudgets` budgets (not a ladder) or without a compute scale. The first
    /// back-test fit starts from the whole grid, each later one from the one before's best starts
    /// and a coarse grid (`RollingBacktest.warmStarts`).
    public static func rollingBacktest(_ formula: any LawFormula, data: FitData,
                                       options: AnalysisOptions) throws -> RollingBacktestResult? {
        let budgets = RollingBacktest.budgets(data, for: formula, tolerance: options.budgetTolerance).count
        guard budgets > 0, budgets <= RollingBacktest.maxBudgets else { return nil }
        options.report("rolling back-tests of \(formula.identifier) over \(budgets) budget\(budgets == 1 ? "" : "s")...")
        return try RollingBacktest.run(formula, data: data, tolerance: options.budgetTolerance, options: options.fitOptions(for: formula),
                                      warmStarts: true)
    }

    /// `1 point`, `10,000 points`.
    static func points(_ n: Int) -> String { groupedDigits(n) + (n == 1 ? " point" : " points") }

    /// The law to fit: `options.law` with `options.fixed` held, or `mainLaw`.
    public static func formula(for set: MeasurementSet, options: AnalysisOptions) throws(AnalysisError) -> any LawFormula {
        var formula = try mainLaw(set, options.law, variable: options.variable)
        if !options.fixed.isEmpty {
            guard let staged = FixedParameters(formula, fixed: options.fixed) else {
                let name = options.fixed.keys.sorted().first { !formula.parameterNames.contains($0) } ?? options.fixed.keys.sorted()[0]
                throw .unknownFixedParameter(law: formula.identifier, name: name, known: formula.parameterNames)
            }
            formula = staged
        }
        return formula
    }

    /// The law named, or chinchilla when every run has N and D, or power-c when every run has C.
    public static func mainLaw(_ set: MeasurementSet, _ name: String?, variable: ScaleVariable? = nil) throws(AnalysisError) -> any LawFormula {
        if let name {
            guard let f = LawForms.named(name, variable: variable) else { throw .unknownLaw(name) }
            return f
        }
        let have = set.availableVariables
        if have.isSuperset(of: [.parameters, .tokens]) { return ChinchillaLaw() }
        if have.contains(.compute) { return SaturatingPowerLaw(variable: .compute) }
        throw .noApplicableLaw(source: set.source, variables: have.map(\.symbol).sorted())
    }

    /// Every applicable law fitted and back-tested on the largest-compute points, ranked by
    /// `Comparison.ranked`. A law whose fit fails is left out and named in `dropped`.
    public static func compare(_ set: MeasurementSet, options: AnalysisOptions) throws(AnalysisError) -> LawComparison {
        do { try set.checkScales() } catch { throw .fit(error.description) }
        let data = FitData(set.measurements)
        let forms = Comparison.applicable(to: data)
        guard !forms.isEmpty else {
            throw .noApplicableLaw(source: set.source, variables: set.availableVariables.map(\.symbol).sorted())
        }
        let holdout = options.holdoutCount(points: set.count)
        var rows: [ComparisonRow] = [], dropped: [String] = []
        for (i, form) in forms.enumerated() {
            options.report("comparing laws: fitting and back-testing \(form.identifier) (\(i + 1) of \(forms.count))...")
            do { rows += try Comparison.run([form], data: data, holdout: holdout, options: options.fitOptions(for: form)) } catch {
                dropped.append("\(form.identifier): \(error)")
            }
        }
        return LawComparison(holdout: holdout, rows: Comparison.ranked(rows), dropped: dropped.isEmpty ? nil : dropped)
    }
}
