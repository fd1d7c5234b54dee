import Foundation
import LawFitting
import ScalingLaws

/// The figures a report can draw; the raw value is the `scalelab plot` KIND.
public enum FigureKind: String, Sendable, Codable, CaseIterable {
    case lossCompute = "loss-compute"
    case isoflop
    case allocationParameters = "allocation-parameters"
    case allocationTokens = "allocation-tokens"
    case learningCurves = "learning-curves"
    case residuals
    case backtest

    /// The caption heading in the report.
    public var title: String {
        switch self {
        case .lossCompute: "Loss against compute"
        case .isoflop: "IsoFLOP curves"
        case .allocationParameters: "Compute-optimal allocation: parameters"
        case .allocationTokens: "Compute-optimal allocation: training tokens"
        case .learningCurves: "Learning curves"
        case .residuals: "Residuals of the fit"
        case .backtest: "Back-test: predicted against measured loss"
        }
    }
}

/// Why a figure cannot be drawn from an input, and what would make it possible.
public struct FigureUnavailable: Error, Sendable, Equatable, CustomStringConvertible {
    public var kind: FigureKind
    public var reason: String
    public var description: String { "cannot draw \(kind.rawValue): \(reason)" }
}

/// The quantities the figures share, derived once from a `ReportInput`.
public struct ReportAnalysis: Sendable {
    public let input: ReportInput
    /// The main fit (the first in `input.fits` that ScaleLab can evaluate).
    public let main: FittedCurves?
    /// Every fit that can be evaluated, in input order.
    public let fits: [FittedCurves]
    /// Approach 2 from the input, when runs share compute budgets.
    public let isoflop: IsoFLOPAnalysis?
    /// Approach 1 from the input, when runs have learning curves.
    public let envelope: EnvelopeAnalysis?
    /// Indices of the runs the figures draw, ascending: every run up to `PointSample.limit`,
    /// else a deterministic sample of that many that keeps the extremes of N, D, C and loss.
    public let drawnIndices: [Int]
    private let drawnSet: Set<Int>

    public init(_ input: ReportInput) {
        self.input = input
        fits = input.fits.compactMap(FittedCurves.init)
        main = fits.first
        isoflop = input.approaches?.isoflop.flatMap { $0.parabolas.isEmpty ? nil : $0 }
        envelope = input.approaches?.envelope
        let runs = input.runs
        drawnIndices = PointSample.indices(count: runs.count, keeping: [
            runs.map(\.loss), runs.map { $0.effectiveCompute ?? .nan }, runs.map { $0.parameters ?? .nan }, runs.map { $0.tokens ?? .nan },
        ])
        drawnSet = drawnIndices.count < runs.count ? Set(drawnIndices) : []
    }

    /// Whether the figures draw a sample of the runs rather than all of them.
    public var isSampled: Bool { drawnIndices.count < input.runs.count }

    /// Whether run `i` is drawn.
    func isDrawn(_ i: Int) -> Bool { !isSampled || drawnSet.contains(i) }

    /// The runs the figures draw, in input order.
    var drawnRuns: [ReportRun] { isSampled ? drawnIndices.map { input.runs[$0] } : input.runs }

    /// The runs that have C (given or 6·N·D), with it.
    var runsWithCompute: [(run: ReportRun, compute: Double)] {
        input.runs.compactMap { r in r.effectiveCompute.map { (r, $0) } }
    }

    /// The colour scale of model size, when every run has N.
    var sizeScale: ColorScale? {
        guard input.runs.allSatisfy({ $0.parameters != nil }) else { return nil }
        return ColorScale(label: "N (parameters)", values: input.runs.compactMap(\.parameters))
    }

    /// Indices of the runs the main fit's back-test held out: the k largest by C (as `Backtest` ranks them).
    var heldOut: Set<Int> {
        guard let k = main?.report.holdout?.k, k > 0 else { return [] }
        let order = input.runs.indices.compactMap { i in input.runs[i].effectiveCompute.map { (i, $0) } }
            .sorted { $0.1 < $1.1 }.map(\.0)
        return Set(order.suffix(k))
    }

    /// A tooltip for a run: its name, N, D, C and loss.
    func tooltip(_ r: ReportRun) -> String {
        var parts: [String] = []
        if let name = r.name { parts.append(name) }
        if let N = r.parameters { parts.append("N = " + num(N)) }
        if let D = r.tokens { parts.append("D = " + num(D)) }
        if let C = r.effectiveCompute { parts.append("C = " + num(C)) }
        parts.append("loss = " + SVGText.general(r.loss, significant: 5))
        return parts.joined(separator: ", ")
    }
}

/// Building every figure from an analysis.
public enum Figures {
    /// The figure of `kind`, or why it cannot be drawn from this input.
    public static func chart(_ kind: FigureKind, _ a: ReportAnalysis) throws(FigureUnavailable) -> Chart {
        switch kind {
        case .lossCompute: try lossCompute(a)
        case .isoflop: try isoflop(a)
        case .allocationParameters: try allocationParameters(a)
        case .allocationTokens: try allocationTokens(a)
        case .learningCurves: try learningCurves(a)
        case .residuals: try residuals(a)
        case .backtest: try backtest(a)
        }
    }

    /// Every figure the input allows, in `FigureKind.allCases` order, and the reasons for the others.
    public static func all(_ a: ReportAnalysis) -> (charts: [(FigureKind, Chart)], missing: [FigureUnavailable]) {
        var charts: [(FigureKind, Chart)] = [], missing: [FigureUnavailable] = []
        for kind in FigureKind.allCases {
            do { charts.append((kind, try chart(kind, a))) } catch { missing.append(error) }
        }
        return (charts, missing)
    }

    /// The x range of compute figures: the runs' compute, extended to the budgets asked for.
    static func computeRange(_ a: ReportAnalysis) -> (low: Double, high: Double)? {
        let cs = a.runsWithCompute.map(\.compute) + a.input.budgets
        guard let lo = cs.filter({ $0 > 0 }).min(), let hi = cs.max(), hi > 0 else { return nil }
        return hi > lo ? (lo, hi) : (lo / 3, hi * 3)
    }

    static func budgetRules(_ a: ReportAnalysis) -> [Layer] {
        a.input.budgets.map { .verticalRule(x: $0, label: "budget " + num($0), color: Palette.grey) }
    }
}

/// A bootstrap level as a whole percentage, `90` for 0.9 (any value, even a non-finite one
/// from a hand-written input, gives text).
func percentText(_ level: Double) -> String {
    let p = (level * 100).rounded()
    return p.isFinite && abs(p) < 1e15 ? String(Int(p)) : SVGText.general(level * 100)
}

/// A number for labels and tables: 3 significant digits, `%g` style with a short exponent
/// (`1e24`, `3.22e10`, `2.5e-5`).
func num(_ x: Double) -> String {
    var s = SVGText.general(x, significant: 3)
    if let e = s.firstIndex(of: "e") {
        let exponent = s[s.index(after: e)...]
        let sign = exponent.first == "-" ? "-" : ""
        let digits = exponent.drop { $0 == "+" || $0 == "-" || $0 == "0" }
        s = String(s[..<e]) + "e" + sign + (digits.isEmpty ? "0" : String(digits))
    }
    return s
}
