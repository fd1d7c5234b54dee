import Analysis
import Foundation
import ScalingLaws
import Report

extension EmergenceStudy {
    /// One section, `study-emergence`: the design, the forecast against the measurement, the plot and tables.
    public func sections(_ s: Summary) -> [ReportSection] {
        let ladder = s.runs.filter { $0.role == "ladder" }, held = s.runs.filter { $0.role == "held-out" }
        var paragraphs = [
            "A ladder of \(ladder.count) compute-optimal models (one per budget from \(Self.sci(s.design.budgets.first ?? .nan)) to "
                + "\(Self.sci(s.design.budgets.last ?? .nan)) FLOPs) trained with \(Self.percent(s.design.share)) of their training bytes "
                + "\(s.design.task) problems, each run scored on \(s.design.evaluationExamples) held-out problems along its learning curve. "
                + "Then a held-out model at \(Self.sci(s.design.heldOutBudget)) FLOPs was forecast from the ladder alone, the forecast "
                + "stored, and the model trained.",
        ]
        if let at = s.forecastRecordedAt, let done = s.heldOutFinishedAt {
            paragraphs.append("The forecast was stored at \(at); the held-out model finished training at \(done).")
        }
        if let p = s.scores.first(where: { $0.quantity == "p" && $0.method == "two-step" }) {
            paragraphs.append("Per-character probability p of the held-out model: two-step forecast \(Self.num(p.forecast))"
                + (p.interval.map { " [\(Self.num($0[0])), \(Self.num($0[1]))]" } ?? "")
                + (p.measured.map { ", measured \(Self.num($0))" } ?? "")
                + (p.relativeError.map { ", \(Self.signedPercent($0)) off" } ?? "")
                + (s.twoStepPWithinTenPercent.map { $0 ? " (within the 10% target)." : " (outside the 10% target)." } ?? "."))
        }
        if let em = s.scores.first(where: { $0.quantity == "exact_match" && $0.method == "p^l-two-step" }) {
            paragraphs.append("Exact match predicted as p^\(s.length) from that forecast: \(Self.num(em.forecast))"
                + (em.measured.map { ", measured \(Self.num($0))" } ?? "") + ". Greedy decoding can beat p^ℓ (it needs the right "
                + "character to be the most likely, not certain), so p^ℓ is a lower bound more than a point forecast.")
        }
        paragraphs += s.notes
        return [ReportSection(id: "study-emergence", title: "Study: emergence of \(s.design.task)", paragraphs: paragraphs,
                              plots: [metricsPlot(s, ladder: ladder, held: held)],
                              tables: [runsTable(s), scoresTable(s)])]
    }

    func metricsPlot(_ s: Summary, ladder: [RunRow], held: [RunRow]) -> ReportPlot {
        var series: [ReportPlot.Series] = [
            .init(label: "p, ladder", xs: ladder.map(\.compute), ys: ladder.map { $0.p ?? .nan }),
            .init(label: "exact match, ladder", xs: ladder.map(\.compute), ys: ladder.map { $0.exactMatch ?? .nan }),
            .init(label: "p, held-out", xs: held.map(\.compute), ys: held.map { $0.p ?? .nan }, style: .hollowPoints),
            .init(label: "exact match, held-out", xs: held.map(\.compute), ys: held.map { $0.exactMatch ?? .nan }, style: .hollowPoints),
        ]
        for (quantity, method, label) in [("p", "two-step", "p forecast (two-step)"), ("exact_match", "p^l-two-step", "p^ℓ forecast")] {
            if let f = s.scores.first(where: { $0.quantity == quantity && $0.method == method }), let C = held.first?.compute {
                series.append(.init(label: label, xs: [C], ys: [f.forecast], style: .hollowPoints, errorBars: f.interval.map { [$0] }))
            }
        }
        if let law = s.emergence?.law, let lo = s.runs.first?.compute, let hi = s.runs.last?.compute, hi > lo {
            let grid = logSpaced(from: lo, to: hi, count: 41)
            let p = grid.map { Foundation.exp(-(law.E + law.A * Foundation.pow($0, -law.alpha))) }
            series.append(.init(label: "smooth law p (all runs)", xs: grid, ys: p, style: .dashedLine))
            series.append(.init(label: "p^ℓ of the smooth law", xs: grid, ys: p.map { Foundation.pow($0, Double(s.length)) }, style: .dashedLine))
        }
        return ReportPlot(title: "\(s.design.task): per-character probability and exact match against compute",
                          caption: "Final scores of each run on held-out problems; the hollow markers at the largest compute are the "
                              + "held-out model, measured and forecast (with the \(Self.percent(s.design.level)) interval).",
                          xLabel: "training compute C (FLOPs)", yLabel: "score", series: series)
    }

    func runsTable(_ s: Summary) -> ReportTable {
        ReportTable(caption: "The study's runs (final validation loss in nats per byte; scores at the last evaluation)",
                    header: ["run", "role", "N", "D", "C (FLOPs)", "loss", "p", "exact match", "answer probability"],
                    rows: s.runs.map { r in
                        ["\(r.run)", r.role, Self.sci(r.parameters), Self.sci(r.tokens), Self.sci(r.compute), Self.num(r.loss),
                         r.p.map(Self.num) ?? "–", r.exactMatch.map(Self.num) ?? "–", r.answerProbability.map(Self.num) ?? "–"]
                    }, numericColumns: [2, 3, 4, 5, 6, 7, 8])
    }

    func scoresTable(_ s: Summary) -> ReportTable {
        ReportTable(caption: "Forecasts of the held-out model, stored before it trained, and what it measured",
                    header: ["quantity", "method", "forecast", "interval", "measured", "error", "relative error", "in interval"],
                    rows: s.scores.map { f in
                        [f.quantity, f.method, Self.num(f.forecast), f.interval.map { "[\(Self.num($0[0])), \(Self.num($0[1]))]" } ?? "–",
                         f.measured.map(Self.num) ?? "–", f.error.map(Self.num) ?? "–", f.relativeError.map(Self.signedPercent) ?? "–",
                         f.covered.map { $0 ? "yes" : "no" } ?? "–"]
                    }, numericColumns: [2, 4, 5, 6])
    }

    static func num(_ v: Double) -> String { ReportTable.cell(v) }
    static func sci(_ v: Double) -> String { ReportTable.cell(v, digits: 3) }
    static func percent(_ v: Double) -> String { String(format: "%.0f%%", 100 * v) }
    static func signedPercent(_ v: Double) -> String { String(format: "%+.1f%%", 100 * v) }
}
