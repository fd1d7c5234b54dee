import Foundation
import Report
import ScalingLaws

extension RepetitionStudy {
    /// One section, `study-repetition`: loss against epochs per size, the constants beside the
    /// published ones, the penalty of repetition, the forecast and its outcome.
    public func sections(_ s: Summary) -> [ReportSection] {
        let ladder = s.runs.filter { $0.role == "ladder" }
        let sizes = Self.rungs(ladder).count
        var paragraphs = [
            "A ladder of \(sizes) compute-optimal model sizes (budgets \(s.design.budgets.map(Self.sci).joined(separator: ", ")) FLOPs), "
                + "each trained on its token budget D \(s.design.epochs.count) times with a unique-token cap U = D/e for e = "
                + "\(s.design.epochs.map(Self.num).joined(separator: ", ")) epochs (validation always on the same held-out bytes). "
                + "The data-constrained law of Muennighoff et al. 2023 (arXiv:2305.16264) was fitted to the \(ladder.count) runs, "
                + "the best model for \(Self.sci(s.forecast.compute)) FLOPs with \(Self.sci(s.forecast.uniqueTokens)) unique tokens "
                + "planned from the fit and its loss forecast and stored, then that model trained.",
        ]
        if let rd = s.constants.first(where: { $0.name == "R_D_star" }) {
            paragraphs.append("Repeated-data decay R_D* = \(Self.num(rd.fitted))" + (rd.interval.map { " \(Self.interval($0))" } ?? "")
                + " against the published \(Self.num(rd.published)) on C4"
                + (s.rdStarIntervalHoldsPublished.map { $0 ? " (the interval holds it)." : " (the interval does not hold it)." } ?? "."))
        }
        if let p = s.penaltyAtFourEpochs {
            paragraphs.append("Measured loss penalty of 4 epochs against fresh data, mean over sizes: \(Self.signedPercent(p)).")
        }
        let f = s.forecast
        paragraphs.append("Forecast: the fitted law's best model has N = \(Self.sci(f.planParameters))"
            + (f.planParametersInterval.map { " \(Self.interval($0))" } ?? "") + " and D = \(Self.sci(f.planTokens))"
            + (f.planTokensInterval.map { " \(Self.interval($0))" } ?? "") + " (\(Self.num(f.planEpochs)) epochs); the trained model "
            + "(N = \(Self.sci(f.parameters)), D = \(Self.sci(f.tokens))) was forecast at loss \(Self.num(f.loss))"
            + (f.interval.map { " \(Self.interval($0))" } ?? "") + (f.measured.map { ", measured \(Self.num($0))" } ?? "")
            + (f.relativeError.map { ", \(Self.signedPercent($0)) off" } ?? "")
            + (s.forecastWithinFivePercent.map { $0 ? " (within the 5% target)." : " (outside the 5% target)." } ?? "."))
        if let at = s.forecastRecordedAt, let done = s.heldOutFinishedAt {
            paragraphs.append("The forecast was stored at \(at); the held-out model finished training at \(done).")
        }
        paragraphs += s.notes
        return [ReportSection(id: "study-repetition", title: "Study: repeated data", paragraphs: paragraphs,
                              plots: [epochsPlot(s, ladder: ladder)],
                              tables: [constantsTable(s), penaltyTable(s), forecastTable(s)])]
    }

    func epochsPlot(_ s: Summary, ladder: [RunRow]) -> ReportPlot {
        var series: [ReportPlot.Series] = []
        let law = s.law
        for runs in Self.rungs(ladder) {
            let N = runs[0].parameters
            series.append(.init(label: "N = \(Self.sci(N)), D = \(Self.sci(runs[0].tokens)), measured", xs: runs.map(\.epochs), ys: runs.map(\.loss)))
            if let D = runs.first?.tokens, let lo = runs.first?.epochs, let hi = runs.last?.epochs, hi > lo {
                let grid = logSpaced(from: lo, to: hi, count: 31)
                series.append(.init(label: "N = \(Self.sci(N)), D = \(Self.sci(D)), fitted law", xs: grid,
                                    ys: grid.map { law.loss(parameters: N, tokens: D, uniqueTokens: D / $0) }, style: .dashedLine))
            }
        }
        if let f = s.measuredHeldOut {
            series.append(.init(label: "held-out, measured", xs: [f.epochs], ys: [f.loss], style: .hollowPoints))
            series.append(.init(label: "held-out, forecast", xs: [f.epochs], ys: [s.forecast.loss], style: .hollowPoints,
                                errorBars: s.forecast.interval.map { [$0] }))
        }
        return ReportPlot(title: "Validation loss against epochs over the unique tokens",
                          caption: "Each size trains on the same tokens D with less unique data as the epochs grow; dashed: the "
                              + "data-constrained law fitted to these runs. The hollow markers are the held-out model, measured and "
                              + "forecast (with the \(Self.percent(s.design.level)) interval).",
                          xLabel: "epochs D/U", yLabel: "validation loss (nats per byte)", series: series)
    }

    func constantsTable(_ s: Summary) -> ReportTable {
        ReportTable(caption: "The data-constrained law's constants: fitted to the ladder (\(Self.percent(s.design.level)) bootstrap "
                        + "intervals) and published for C4 (tokens, not bytes: E, A, B are on another scale; α and R_D* compare)",
                    header: ["constant", "fitted", "interval", "published (C4)"],
                    rows: s.constants.map { c in
                        [c.name, Self.num(c.fitted) + (c.fixed ? " (fixed)" : ""), c.interval.map(Self.interval) ?? "–", Self.num(c.published)]
                    }, numericColumns: [1, 3])
    }

    func penaltyTable(_ s: Summary) -> ReportTable {
        ReportTable(caption: "The loss penalty of repetition: each run against the same size on fresh data (1 epoch); D'/D is "
                        + "the share of its tokens worth fresh ones",
                    header: ["N", "epochs", "loss", "penalty", "fitted law", "with published R_D*, R_N*", "D'/D (ours)", "D'/D (published)"],
                    rows: s.penalties.map { p in
                        [Self.sci(p.parameters), Self.num(p.epochs), Self.num(p.loss), Self.signedPercent(p.measured),
                         Self.signedPercent(p.fitted), Self.signedPercent(p.publishedDecay), Self.num(p.effectiveFraction),
                         Self.num(p.publishedEffectiveFraction)]
                    }, numericColumns: [0, 1, 2, 3, 4, 5, 6, 7])
    }

    func forecastTable(_ s: Summary) -> ReportTable {
        let f = s.forecast
        return ReportTable(caption: "The held-out model's forecast, stored before it trained, and what it measured",
                           header: ["C (FLOPs)", "U", "planned N", "planned D", "trained N", "trained D", "forecast loss", "interval",
                                    "measured", "relative error", "in interval"],
                           rows: [[Self.sci(f.compute), Self.sci(f.uniqueTokens), Self.sci(f.planParameters), Self.sci(f.planTokens),
                                   Self.sci(f.parameters), Self.sci(f.tokens), Self.num(f.loss), f.interval.map(Self.interval) ?? "–",
                                   f.measured.map(Self.num) ?? "–", f.relativeError.map(Self.signedPercent) ?? "–",
                                   f.covered.map { $0 ? "yes" : "no" } ?? "–"]],
                           numericColumns: [0, 1, 2, 3, 4, 5, 6, 8, 9])
    }

    static func num(_ v: Double) -> String { ReportTable.cell(v) }
    static func sci(_ v: Double) -> String { ReportTable.cell(v, digits: 3) }
    static func interval(_ i: [Double]) -> String { "[\(num(i[0])), \(num(i[1]))]" }
    static func percent(_ v: Double) -> String { String(format: "%.0f%%", 100 * v) }
    static func signedPercent(_ v: Double) -> String { String(format: "%+.2f%%", 100 * v) }
}

extension RepetitionStudy.Summary {
    /// The held-out run, if it finished.
    var measuredHeldOut: RepetitionStudy.RunRow? { runs.last { $0.role == "held-out" } }
}
