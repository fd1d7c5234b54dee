import Foundation
import LawFitting
import ScalingLaws

/// How to build a report from a measurements file: the fits to make and the provenance to record.
public struct ReportOptions: Sendable {
    /// The page heading; nil gives `Scaling laws for <file name>`.
    public var title: String?
    /// The main law; nil chooses `chinchilla` when every run has N and D, else `power-c`.
    public var law: String?
    /// Compute budgets (FLOPs) to plan for and extrapolate to.
    public var budgets: [Double] = []
    /// Bootstrap resamples of the main fit (0: no intervals or bands).
    public var bootstrapSamples = 100
    public var level = 0.9
    public var seed: UInt64 = 0
    /// Runs held out for the back-tests; nil holds out a tenth (at least 1).
    public var holdout: Int?
    /// Fit and back-test every applicable law for the comparison table.
    public var compareLaws = true
    /// Options of every fit (threads, objective).
    public var fitOptions = FitOptions()
    /// Start grids by fitting-parameter name (`log_A`, `alpha`), applied to each law that has the parameter.
    public var grid: [String: [Double]] = [:]
    public var version: String
    /// Written as given: the caller decides the format (the CLI writes ISO 8601 UTC).
    public var date: String
    public var machine: String
    public var command: String?

    public init(version: String, date: String, machine: String) {
        self.version = version
        self.date = date
        self.machine = machine
    }
}

/// A report's input that cannot be made, with what to change.
public enum ReportError: Error, Sendable, Equatable, CustomStringConvertible {
    case noApplicableLaw(source: String, variables: [String])
    case unknownLaw(String)
    case fit(String)

    public var description: String {
        switch self {
        case let .noApplicableLaw(source, variables):
            "\(source) has runs with \(variables.isEmpty ? "no scale columns" : variables.joined(separator: ", ")); "
                + "a report needs N and D (for chinchilla) or C (for power-c) on every run"
        case let .unknownLaw(name):
            "unknown law '\(name)'; known laws: \(LawForms.identifiers.joined(separator: ", "))"
        case let .fit(message): message
        }
    }
}

/// Makes a `ReportInput` from measurements read from a file: the main fit with bootstrap,
/// budgets and back-test (a `FitReport`, as `scalelab fit` writes it) and the comparison of laws.
public enum ReportBuilder {
    public static func input(from set: MeasurementSet, options: ReportOptions) throws(ReportError) -> ReportInput {
        let formula = try mainLaw(set, options.law)
        let data = FitData(set.measurements.filter { m in formula.variables.allSatisfy { m.value(of: $0) != nil } })
        let holdout = options.holdout ?? max(1, data.count / 10)
        let fitOptions = Self.options(for: formula, options)
        let report: FitReport
        do {
            let fit = try LawFitter.fit(formula, to: data, options: fitOptions)
            let boot = options.bootstrapSamples > 0
                ? try Bootstrap.run(fit, data: data, options: BootstrapOptions(samples: options.bootstrapSamples, level: options.level,
                                                                               seed: options.seed), fitOptions: fitOptions)
                : nil
            let backtest = data.count - holdout > formula.parameters.count
                ? try Backtest.run(formula, data: data, holdout: holdout, options: fitOptions) : nil
            report = FitReport(fit: fit, bootstrap: boot, seed: options.seed, budgets: options.budgets, holdout: backtest,
                               data: .init(file: set.source, points: data.count, hash: set.contentHash), version: options.version)
        } catch {
            throw .fit("\(error)")
        }
        let comparison = options.compareLaws ? compare(set, holdout: holdout, options) : nil
        let name = URL(fileURLWithPath: set.source).lastPathComponent
        return ReportInput(
            title: options.title ?? "Scaling laws for \(name)",
            runs: set.measurements.map { ReportRun($0) }, fits: [report], comparison: comparison, budgets: options.budgets,
            provenance: Provenance(source: set.source, dataHash: set.contentHash, scalelabVersion: options.version,
                                   seed: options.seed, bootstrapSamples: options.bootstrapSamples, date: options.date,
                                   machine: options.machine, command: options.command))
    }

    /// The law named, or chinchilla when every run has N and D, or power-c when every run has C.
    static func mainLaw(_ set: MeasurementSet, _ name: String?) throws(ReportError) -> any LawFormula {
        if let name {
            guard let f = LawForms.named(name) else { throw .unknownLaw(name) }
            return f
        }
        let have = set.availableVariables
        if have.isSuperset(of: [.parameters, .tokens]) { return ChinchillaLaw() }
        if have.contains(.compute) { return SaturatingPowerLaw(variable: .compute) }
        throw .noApplicableLaw(source: set.source, variables: have.map(\.symbol).sorted())
    }

    /// The fit options for one law: the shared ones, with the grids of its own parameters.
    static func options(for formula: any LawFormula, _ o: ReportOptions) -> FitOptions {
        var f = o.fitOptions
        let names = Set(formula.parameters.map(FitOptions.fittingName(of:)))
        f.grid = o.grid.filter { names.contains($0.key) }
        return f
    }

    /// Every applicable law fitted and back-tested; a law whose fit fails is left out. Ranked by
    /// `Comparison.ranked`, as `Comparison.run` ranks.
    static func compare(_ set: MeasurementSet, holdout: Int, _ o: ReportOptions) -> LawComparison {
        let data = FitData(set.measurements)
        var rows: [ComparisonRow] = []
        for form in Comparison.applicable(to: data) {
            if let r = try? Comparison.run([form], data: data, holdout: holdout, options: options(for: form, o)) { rows += r }
        }
        return LawComparison(holdout: holdout, rows: Comparison.ranked(rows))
    }
}
