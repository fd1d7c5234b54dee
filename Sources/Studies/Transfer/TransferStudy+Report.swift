import Foundation
import LawFitting
import Report
import ScalingLaws

extension TransferStudy {
    /// One section, `study-transfer`: the effective data transferred against D_F per size with
    /// the fitted law, the fine-tuned and from-scratch losses against data, and the constants
    /// beside Hernandez et al.'s.
    public func sections(_ s: Summary) -> [ReportSection] {
        var paragraphs = [
            "\(s.sizes.count) transformer sizes (\(s.sizes.map { Self.sci($0.nonEmbeddingParameters) }.joined(separator: ", ")) parameters "
                + "without embeddings) pre-trained on \(Self.sci(s.design.pretrainingTokens)) bytes of the study's corpus, then "
                + "fine-tuned on \(s.design.fineTuningCount) budgets D_F of the target corpus and, for comparison, trained from scratch "
                + "on it with \(s.design.scratchCount) budgets. A fine-tuned model's effective data D_E is what a from-scratch model "
                + "of its size needs to reach its loss; D_T = D_E − D_F is what pre-training was worth (Hernandez et al. 2021, "
                + "arXiv:2102.01293, who find D_T = k·D_F^α·N^β).",
        ]
        if let f = s.fit {
            let p = s.published[0].law
            paragraphs.append("Fitted on \(f.points) fine-tuned models: k = \(Self.sci(f.law.k))" + (f.kInterval.map { " \(Self.sciInterval($0))" } ?? "")
                + ", α = \(Self.num(f.law.alpha))" + (f.alphaInterval.map { " \(Self.interval($0))" } ?? "")
                + ", β = \(Self.num(f.law.beta))" + (f.betaInterval.map { " \(Self.interval($0))" } ?? "")
                + " (\(Self.percent(s.design.level)) bootstrap intervals; RMSE of ln D_T \(Self.num(f.rmseLog))); Hernandez et al., text → "
                + "Python: k = \(Self.sci(p.k)), α = \(Self.num(p.alpha)), β = \(Self.num(p.beta)).")
        } else if let e = s.fitError {
            paragraphs.append("No fit of the transfer law: \(e).")
        }
        if let m = s.medianFractionTransferred {
            paragraphs.append("Median share of the effective data that pre-training supplied, D_T/D_E: \(Self.percent(m)).")
        }
        paragraphs += s.notes
        return [ReportSection(id: "study-transfer", title: "Study: transfer", paragraphs: paragraphs,
                              plots: [transferPlot(s), lossPlot(s)], tables: [constantsTable(s), transferTable(s)])]
    }

    func transferPlot(_ s: Summary) -> ReportPlot {
        var series: [ReportPlot.Series] = []
        for size in s.sizes {
            let rows = s.transfers.filter { $0.rung == size.rung && $0.inFit }
            guard !rows.isEmpty else { continue }
            let label = "N = \(Self.sci(size.nonEmbeddingParameters))"
            series.append(.init(label: "\(label), measured", xs: rows.map(\.fineTuningTokens), ys: rows.map { $0.transferred! }))
            if let law = s.fit?.law {
                let grid = logSpaced(from: s.design.fineTuningRange[0], to: s.design.fineTuningRange[1], count: 21)
                series.append(.init(label: "\(label), fit", xs: grid,
                                    ys: grid.map { law.transferred(fineTuningTokens: $0, parameters: size.nonEmbeddingParameters) }, style: .dashedLine))
            }
        }
        return ReportPlot(title: "Effective data transferred against fine-tuning data, per model size",
                          caption: "D_T = D_E − D_F for each fine-tuned model whose D_E lies within its size's from-scratch runs; "
                              + "dashed: the fitted D_T = k·D_F^α·N^β.",
                          xLabel: "fine-tuning data D_F (bytes)", yLabel: "effective data transferred D_T (bytes)",
                          yLogarithmic: true, series: series)
    }

    func lossPlot(_ s: Summary) -> ReportPlot {
        var series: [ReportPlot.Series] = []
        for size in s.sizes {
            let label = "N = \(Self.sci(size.nonEmbeddingParameters))"
            let scratch = s.scratch.filter { $0.rung == size.rung }
            let tuned = s.transfers.filter { $0.rung == size.rung }
            if !scratch.isEmpty { series.append(.init(label: "\(label), from scratch", xs: scratch.map(\.tokens), ys: scratch.map(\.loss), style: .line)) }
            if !tuned.isEmpty { series.append(.init(label: "\(label), fine-tuned", xs: tuned.map(\.fineTuningTokens), ys: tuned.map(\.loss))) }
        }
        return ReportPlot(title: "Validation loss on the target corpus against its training data",
                          caption: "Lines: models trained from scratch on the target corpus; points: the pre-trained models fine-tuned "
                              + "on it. The horizontal distance from a point to its size's line, rightwards, is D_T.",
                          xLabel: "bytes of the target corpus trained on", yLabel: "validation loss (nats per byte)",
                          yLogarithmic: true, series: series)
    }

    func constantsTable(_ s: Summary) -> ReportTable {
        var rows: [[String]] = []
        if let f = s.fit {
            rows.append(["ScaleLab (this study)", Self.sci(f.law.k), f.kInterval.map(Self.sciInterval) ?? "–", Self.num(f.law.alpha),
                         f.alphaInterval.map(Self.interval) ?? "–", Self.num(f.law.beta), f.betaInterval.map(Self.interval) ?? "–"])
        }
        for p in s.published {
            rows.append([p.name, Self.sci(p.law.k), "–", Self.num(p.law.alpha), "–", Self.num(p.law.beta), "–"])
        }
        return ReportTable(caption: "D_T = k·D_F^α·N^β: our constants (\(Self.percent(s.design.level)) bootstrap intervals) and the published ones",
                           header: ["source", "k", "interval", "α", "interval", "β", "interval"], rows: rows, numericColumns: [1, 3, 5])
    }

    func transferTable(_ s: Summary) -> ReportTable {
        ReportTable(caption: "Every fine-tuned model: its loss, its effective data and what was transferred",
                    header: ["N (no embeddings)", "D_F", "loss", "D_E", "D_T", "D_T/D_E", "fitted D_T", "Hernandez D_T"],
                    rows: s.transfers.map { t in
                        let bound = t.bound == "at-most" ? "≤ " : t.bound == "more-than" ? "> " : ""
                        return [Self.sci(t.nonEmbeddingParameters), Self.sci(t.fineTuningTokens), Self.num(t.loss),
                                bound + Self.sci(t.effectiveTokens), t.transferred.map(Self.sci) ?? "–",
                                t.fractionTransferred.map(Self.percent) ?? "–", t.fitted.map(Self.sci) ?? "–", Self.sci(t.published)]
                    }, numericColumns: [0, 1, 2, 3, 4, 5, 6, 7])
    }

    static func num(_ v: Double) -> String { ReportTable.cell(v) }
    static func sci(_ v: Double) -> String { ReportTable.cell(v, digits: 3) }
    static func interval(_ i: [Double]) -> String { "[\(num(i[0])), \(num(i[1]))]" }
    static func sciInterval(_ i: [Double]) -> String { "[\(sci(i[0])), \(sci(i[1]))]" }
    static func percent(_ v: Double) -> String { String(format: "%.0f%%", 100 * v) }
}
