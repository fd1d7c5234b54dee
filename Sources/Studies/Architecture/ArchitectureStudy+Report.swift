import Foundation
import Report
import ScalingLaws

extension ArchitectureStudy {
    /// One section, `study-architecture`: loss against N and against C per architecture with
    /// the fitted laws, the exponents beside Kaplan's, and the loss by context position.
    public func sections(_ s: Summary) -> [ReportSection] {
        var paragraphs = [
            "Two ladders alike in all but the architecture: \(s.design.count) sizes each of a transformer and of an LSTM, "
                + "\(Self.sci(s.design.range[0]))–\(Self.sci(s.design.range[1])) parameters, every run on \(Self.sci(s.design.tokens)) "
                + "bytes with context \(s.design.context), the same seed and recipe (but the LSTMs' learning "
                + "rate, \(Self.num(s.design.lstmLearningRateFactor))× the trainer's rule). Kaplan et al. 2020's L(N) = (N_c/N)^α_N "
                + "(arXiv:2001.08361; N without embeddings) was fitted to each, and each finished model scored at every "
                + "position of its context.",
        ]
        if s.fits.count == 2 {
            let (t, l) = (s.fits[0].parameters, s.fits[1].parameters)
            paragraphs.append("α_N: transformer \(Self.num(t.alpha))" + (t.alphaInterval.map { " \(Self.interval($0))" } ?? "")
                + ", LSTM \(Self.num(l.alpha))" + (l.alphaInterval.map { " \(Self.interval($0))" } ?? "")
                + " (Kaplan's transformers: \(Self.num(Self.publishedAlpha("N")!))); "
                + (s.lstmExponentSmaller == true ? "the LSTM's is smaller" : "the LSTM's is not smaller")
                + (s.exponentIntervalsDisjoint.map { $0 ? "; the intervals are disjoint." : "; the intervals overlap." } ?? "."))
        }
        if let e = s.earlyGap, let late = s.lateGap, let last = s.gaps.last {
            paragraphs.append("Largest pair (N = \(Self.sci(last.transformerParameters)) and \(Self.sci(last.lstmParameters)) without "
                + "embeddings): the LSTM's loss is \(Self.signedPercent(e)) against the transformer's at position 1 and "
                + "\(Self.signedPercent(late)) over positions \(s.design.context / 2)–\(s.design.context).")
        }
        paragraphs += s.notes
        return [ReportSection(id: "study-architecture", title: "Study: architectures", paragraphs: paragraphs,
                              plots: [scalingPlot(s, compute: false), scalingPlot(s, compute: true), positionPlot(s)],
                              tables: [exponentTable(s), runTable(s), gapTable(s)])]
    }

    func scalingPlot(_ s: Summary, compute: Bool) -> ReportPlot {
        var series: [ReportPlot.Series] = []
        for f in s.fits {
            let runs = s.runs.filter { $0.architecture == f.architecture }
            let xs = runs.map { compute ? $0.flops : $0.nonEmbeddingParameters }
            let law = compute ? f.compute : f.parameters
            series.append(.init(label: "\(f.architecture), measured", xs: xs, ys: runs.map(\.loss)))
            if let lo = xs.min(), let hi = xs.max(), hi > lo {
                let grid = logSpaced(from: lo, to: hi, count: 31)
                series.append(.init(label: "\(f.architecture) fit, α \(Self.sci(law.alpha))", xs: grid,
                                    ys: grid.map(law.loss(at:)), style: .dashedLine))
            }
        }
        return ReportPlot(title: compute ? "Validation loss against training compute, per architecture"
                              : "Validation loss against non-embedding parameters, per architecture",
                          caption: "Every run trains on the same tokens; dashed: Kaplan's power law fitted to each architecture's runs"
                              + (compute ? " against its FLOPs (the LSTM's FLOPs per parameter differ from the transformer's)." : "."),
                          xLabel: compute ? "training compute C (FLOPs)" : "non-embedding parameters N",
                          yLabel: "validation loss (nats per byte)", yLogarithmic: true, series: series)
    }

    func positionPlot(_ s: Summary) -> ReportPlot {
        let series = s.positions.map { c in
            ReportPlot.Series(label: "\(c.architecture), N = \(Self.sci(c.nonEmbeddingParameters))",
                              xs: c.buckets.map { Foundation.sqrt(Double($0[0] * $0[1])) }, ys: c.losses,
                              style: c.architecture == "lstm" ? .dashedLine : .line)
        }
        return ReportPlot(title: "Validation loss by position in the context",
                          caption: "Mean loss over log-spaced buckets of positions (1, 2–3, 4–7, …; at each bucket's geometric "
                              + "middle): solid, transformers; dashed, LSTMs. Kaplan et al. find LSTMs level off after about 100 "
                              + "tokens while transformers keep improving.",
                          xLabel: "position in the context (bytes seen)", yLabel: "validation loss (nats per byte)",
                          yLogarithmic: false, series: series)
    }

    func exponentTable(_ s: Summary) -> ReportTable {
        var rows: [[String]] = []
        for f in s.fits {
            for p in [f.parameters, f.compute] {
                rows.append([f.architecture, "L(\(p.variable))", Self.num(p.alpha), p.alphaInterval.map(Self.interval) ?? "–",
                             Self.sci(p.scale), p.scaleInterval.map { "[\(Self.sci($0[0])), \(Self.sci($0[1]))]" } ?? "–",
                             Self.num(p.rmseLog), f.architecture == "transformer" ? Self.publishedAlpha(p.variable).map(Self.num) ?? "–" : "–"])
            }
        }
        return ReportTable(caption: "Kaplan's power law (X_c/X)^α per architecture (\(Self.percent(s.design.level)) bootstrap intervals), "
                               + "beside Kaplan et al.'s transformer exponents (they publish none for LSTMs)",
                           header: ["architecture", "law", "α", "interval", "X_c", "interval", "RMSE log", "Kaplan α"],
                           rows: rows, numericColumns: [2, 4, 6, 7])
    }

    func runTable(_ s: Summary) -> ReportTable {
        ReportTable(caption: "Every run: shape, size, compute and final validation loss",
                    header: ["architecture", "layers", "width", "N", "N (no embeddings)", "D", "C (FLOPs)", "loss", "fitted L(N)"],
                    rows: s.runs.map { r in
                        [r.architecture, "\(r.layers)", "\(r.dModel)", Self.sci(r.parameters), Self.sci(r.nonEmbeddingParameters),
                         Self.sci(r.tokens), Self.sci(r.flops), Self.num(r.loss), Self.num(r.fitted)]
                    }, numericColumns: [1, 2, 3, 4, 5, 6, 7, 8])
    }

    func gapTable(_ s: Summary) -> ReportTable {
        ReportTable(caption: "The LSTM's loss against the transformer's of the same rung, by bucket of context positions",
                    header: ["rung", "N transformer", "N LSTM", "positions", "transformer", "LSTM", "LSTM excess"],
                    rows: s.gaps.map { g in
                        ["\(g.rung)", Self.sci(g.transformerParameters), Self.sci(g.lstmParameters), "\(g.bucket[0])–\(g.bucket[1])",
                         Self.num(g.transformerLoss), Self.num(g.lstmLoss), Self.signedPercent(g.gap)]
                    }, numericColumns: [0, 1, 2, 4, 5, 6])
    }

    static func num(_ v: Double) -> String { ReportTable.cell(v) }
    static func sci(_ v: Double) -> String { ReportTable.cell(v, digits: 3) }
    static func interval(_ i: [Double]) -> String { "[\(num(i[0])), \(num(i[1]))]" }
    static func percent(_ v: Double) -> String { String(format: "%.0f%%", 100 * v) }
    static func signedPercent(_ v: Double) -> String { String(format: "%+.2f%%", 100 * v) }
}
