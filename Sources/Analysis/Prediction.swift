import Foundation
import LawFitting
import ScalingLaws

/// A fitted law asked for its loss at given points, with two intervals and, where a point has a
/// measured loss, how far off the law is. The one place `scalelab predict` gets its numbers from.
///
/// The noise interval is a bootstrap percentile interval: the spread of the law refitted on
/// resampled runs, i.e. how much the fit moves with the noise of the runs it saw. It says nothing
/// about whether the law's form is right, so a point far outside the fitted range can miss it by
/// much more than its width (see `extrapolated`). The form interval widens it by the error of the
/// law's form that the fit's rolling back-tests measured (`RollingBacktestResult.formInterval`),
/// in proportion to the point's distance in ln C beyond the largest budget fitted; inside the
/// budgets it equals the noise interval.
public struct Prediction: Sendable, Codable, Equatable {
    /// One point: its scale, the law's loss, the interval, and the comparison with a measured loss.
    public struct Point: Sendable, Codable, Equatable {
        /// The variables the law reads, by symbol (`N`, `D`, `C`, `U`).
        public var input: [String: Double]
        /// The line of the points file it came from, if any.
        public var line: Int?
        /// The fitted law's loss at the point.
        public var predicted: Double
        /// `[low, high]`: the central `level` percentile interval of the refits' losses (the noise
        /// interval); nil without refits.
        public var noiseInterval: [Double]?
        /// The noise interval widened by the form error of the rolling back-tests at the point's
        /// compute (C, else 6·N·D); nil without refits or without a back-test step (see `notes`).
        public var formInterval: [Double]?
        /// The measured loss, if the point has one.
        public var loss: Double?
        /// `(predicted − loss)/loss`, when the point has a loss.
        public var relativeError: Double?
        /// Whether the noise interval contains the measured loss (nil without a loss or an interval).
        public var covered: Bool?
        /// Whether the form interval contains the measured loss (nil without a loss or a form interval).
        public var formCovered: Bool?
        /// The variables outside the range fitted, each as `N above the fitted range [1e7, 1e9]`;
        /// empty inside it; nil when the fit file does not record its range.
        public var extrapolated: [String]?
    }

    /// Over the points with a measured loss.
    public struct Summary: Sendable, Codable, Equatable {
        /// How many points have a measured loss.
        public var scored: Int
        /// Mean of `|predicted − loss|/loss`.
        public var meanAbsoluteRelativeError: Double
        /// How many measured losses the noise interval contains (of those with an interval).
        public var covered: Int?
        /// How many scored points have an interval.
        public var withInterval: Int
        /// How many measured losses the form interval contains, of `withFormInterval`.
        public var formCovered: Int?
        /// How many scored points have a form interval.
        public var withFormInterval: Int
    }

    /// The law's identifier, e.g. `chinchilla`.
    public var law: String
    /// The law's formula.
    public var formula: String
    /// The fit file read.
    public var fitFile: String
    /// The data the law was fitted to, as the fit file records it.
    public var fittedData: String?
    /// The interval's central mass (nil without refits).
    public var level: Double?
    /// How many bootstrap refits the intervals are made of (0 without a bootstrap).
    public var refits: Int
    /// How the bootstrap resampled the runs (nil without refits).
    public var resampling: BootstrapResampling?
    /// What the noise interval is, in words (also printed with the text output).
    public var intervalKind: String
    /// What the form interval is, in words; nil when there is none.
    public var formIntervalKind: String?
    /// Notes: no refits, no recorded range.
    public var notes: [String]
    public var points: [Point]
    /// Nil when no point has a measured loss.
    public var summary: Summary?

    /// What a bootstrap percentile interval measures, for people.
    public static let intervalKindText = "noise interval: the bootstrap percentile interval, the spread of the law refitted on resampled runs "
        + "(the noise of the fit), not the error of the law's form, which grows with extrapolation"

    /// The loss of the law in `report` (read from `source`) at each of `points`, with intervals at
    /// `level` (default: the fit's own level).
    ///
    /// Throws `FitFileError` when the report is not usable, and `AnalysisError.badOption` when a
    /// point lacks a variable the law reads, the level is not in (0, 1), or the law's loss at a
    /// point is not a finite number.
    public static func run(report: FitReport, source: String, points: [ScalePoint], level: Double? = nil) throws -> Prediction {
        try report.validate(source: source)
        guard let formula = report.namedLaw else {
            throw FitFileError.invalid(file: source, problem: "it names an unknown law '\(report.law)'")
        }
        if let level, !(level > 0 && level < 1) {
            throw AnalysisError.badOption("--level must be between 0 and 1 (e.g. 0.9), got \(level)")
        }
        guard !points.isEmpty else { throw AnalysisError.badOption("no points to predict; give --params/--tokens/… or --points FILE") }
        let law = try FittedLaw.baseLaw(of: report, parameters: report.parameterOrder.map { report.parameters[$0] ?? .nan })
        let refits = try (report.bootstrap?.parameters ?? []).map { try FittedLaw.baseLaw(of: report, parameters: $0) }
        let level = refits.isEmpty ? nil : level ?? report.bootstrap?.level
        var notes: [String] = []
        if refits.isEmpty {
            notes.append("the fit has no bootstrap refits, so there are no intervals; fit with --bootstrap N (N > 0) to get them")
        }
        let rolling = refits.isEmpty ? nil : report.rollingBacktest
        if !refits.isEmpty {
            if let rolling, let reason = rolling.missingFormReason { notes.append(reason) }
            if rolling == nil {
                notes.append("the fit file has no rolling back-test (its data have more than \(RollingBacktest.maxBudgets) budgets, "
                             + "no compute scale, or it was written before they were recorded), so no form interval")
            }
        }
        let ranges = report.data?.ranges
        if ranges == nil {
            notes.append("the fit file does not record the range of its data, so extrapolation is not flagged; write it again with `scalelab fit --out`")
        }
        var out: [Point] = []
        for (k, p) in points.enumerated() {
            let x = p.input
            let at = p.line.map { "line \($0)" } ?? "point \(k + 1)"
            for v in formula.variables where !x[v].isFinite {
                throw AnalysisError.badOption("\(at) has no \(v.symbol), which law \(report.law) reads "
                    + "(it reads \(formula.variables.map(\.symbol).joined(separator: ", ")))")
            }
            let predicted = law(x)
            guard predicted.isFinite else {
                throw AnalysisError.badOption("the law's loss at \(at) (\(describe(x, formula))) is \(predicted), not a finite number; "
                    + "check the point's values")
            }
            let interval = level.flatMap { BootstrapResult.percentileInterval(refits.map { $0(x) }, level: $0) }
            let form = interval.flatMap { rolling?.formInterval($0, compute: Backtest.scale(of: x, for: formula)) }
            var input: [String: Double] = [:]
            for v in formula.variables { input[v.symbol] = x[v] }
            let error = p.loss.map { (predicted - $0) / $0 }
            let holds = { (i: [Double]?) in p.loss.flatMap { loss in i.map { $0[0] <= loss && loss <= $0[1] } } }
            out.append(Point(input: input, line: p.line, predicted: predicted, noiseInterval: interval, formInterval: form,
                             loss: p.loss, relativeError: error, covered: holds(interval), formCovered: holds(form),
                             extrapolated: ranges.map { outside(x, formula.variables, $0) }))
        }
        return Prediction(law: report.law, formula: report.formula, fitFile: source, fittedData: report.data?.file,
                          level: level, refits: refits.count, resampling: refits.isEmpty ? nil : report.bootstrap?.resamplingUsed,
                          intervalKind: intervalKindText,
                          formIntervalKind: rolling?.steps.isEmpty == false ? RollingBacktestResult.formIntervalText : nil, notes: notes,
                          points: out, summary: summary(out))
    }

    /// The summary over the points with a measured loss; nil when there are none.
    static func summary(_ points: [Point]) -> Summary? {
        let scored = points.filter { $0.relativeError != nil }
        guard !scored.isEmpty else { return nil }
        let mare = scored.map { abs($0.relativeError!) }.reduce(0, +) / Double(scored.count)
        let judged = scored.compactMap(\.covered), formJudged = scored.compactMap(\.formCovered)
        return Summary(scored: scored.count, meanAbsoluteRelativeError: mare,
                       covered: judged.isEmpty ? nil : judged.filter { $0 }.count, withInterval: judged.count,
                       formCovered: formJudged.isEmpty ? nil : formJudged.filter { $0 }.count, withFormInterval: formJudged.count)
    }

    /// The variables of `x` outside `ranges`, in words: those the law reads and, when the law
    /// does not read C but the fit recorded its range, the compute `C = 6·N·D` (a point can lie
    /// inside the fitted N and D and still beyond every budget fitted).
    static func outside(_ x: LawInput, _ variables: [ScaleVariable], _ ranges: [String: [Double]]) -> [String] {
        var x = x
        var checked = variables
        if !variables.contains(.compute) {
            if !x.C.isFinite, x.N.isFinite, x.D.isFinite { x.C = 6 * x.N * x.D }
            if x.C.isFinite { checked.append(.compute) }
        }
        return checked.compactMap { v in
            guard let r = ranges[v.symbol], r.count == 2 else { return nil }
            let range = "[\(String(format: "%.3g", r[0])), \(String(format: "%.3g", r[1]))]"
            if x[v] < r[0] { return "\(v.symbol) below the fitted range \(range)" }
            if x[v] > r[1] { return "\(v.symbol) above the fitted range \(range)" }
            return nil
        }
    }

    /// `N = 1e+09, D = 2e+10`: a point's variables, for messages.
    static func describe(_ x: LawInput, _ formula: any LawFormula) -> String {
        formula.variables.map { "\($0.symbol) = \(String(format: "%g", x[$0]))" }.joined(separator: ", ")
    }
}
