import Foundation
import Report
import ScalingLaws

extension HyperparameterStudy {
    /// One section, `study-hyperparameters`: loss against each swept factor per size, the
    /// optima and the fitted rules beside the default, the schedule checks and the noise scale.
    public func sections(_ s: Summary) -> [ReportSection] {
        let sizes = s.design.budgets.count
        var paragraphs = !s.design.sweptAxes.isEmpty ? [
            "\(sizes) compute-optimal model sizes (budgets \(s.design.budgets.map(Self.sci).joined(separator: ", ")) FLOPs), each "
                + "trained with the default recipe and with the peak learning rate × \(s.design.learningRateFactors.map(Self.num).joined(separator: ", ")) "
                + "and the batch × \(s.design.batchFactors.map(Self.num).joined(separator: ", ")) (one axis at a time, the same tokens), "
                + "\(s.design.seeds) seed\(s.design.seeds == 1 ? "" : "s") each. Each optimum is the vertex of a parabola in log₂ of the "
                + "factor through every run, with a residual-bootstrap \(Self.percent(s.design.level)) interval.",
        ] : [
            "\(sizes) compute-optimal model sizes (budgets \(s.design.budgets.map(Self.sci).joined(separator: ", ")) FLOPs), each "
                + "trained with the default recipe and with the candidate recipe on the same tokens, \(s.design.seeds) "
                + "seed\(s.design.seeds == 1 ? "" : "s") each, compared seed by seed.",
        ]
        let candidates = s.schedule.filter { $0.axis == .candidate }
        if !candidates.isEmpty {
            let better = candidates.filter { $0.differenceRange[1] < 0 }.count
            paragraphs.append("The candidate recipe against the default: " + candidates.map { r in
                "\(Self.signed(r.difference)) nats at N = \(Self.sci(r.parameters))" }.joined(separator: ", ")
                + " (mean of the seed-paired differences); better in every seed at \(better) of \(candidates.count) sizes.")
        }
        for r in s.rules {
            let what = r.axis == .learningRate ? "optimal peak learning rate" : "optimal batch (tokens)"
            paragraphs.append("The \(what) ∝ N^\(Self.num(r.exponent))"
                + (r.exponentInterval.map { " \(Self.interval($0))" } ?? "") + " over \(r.sizes) size\(r.sizes == 1 ? "" : "s"), "
                + "\(Self.sci(r.valueAt100k)) at N = 1e5" + (r.valueInterval.map { " [\(Self.sci($0[0])), \(Self.sci($0[1]))]" } ?? "")
                + "; the default rule's slope over the same sizes is \(Self.num(r.defaultExponent))"
                + (r.exponentInterval.map { $0[0] <= r.defaultExponent && r.defaultExponent <= $0[1] ? " (inside the interval)." : " (outside the interval)." } ?? "."))
        }
        let excess = s.optima.map(\.defaultExcess).filter(\.isFinite)
        if let worst = excess.max() {
            paragraphs.append("The default recipe's mean loss is within \(Self.num(worst)) nats of the best measured mean on every swept axis and size"
                + (s.seedSpread.compactMap { $0 }.max().map { " (seed-to-seed spread of the default: up to \(Self.num($0)) nats)." } ?? "."))
        }
        paragraphs += s.notes
        var plots = [factorPlot(s, axis: .learningRate), factorPlot(s, axis: .batch)]
        plots = plots.filter { !$0.series.isEmpty }
        var tables = s.optima.isEmpty ? [] : [optimumTable(s)]
        if !s.rules.isEmpty { tables.append(ruleTable(s)) }
        if !s.schedule.isEmpty { tables.append(scheduleTable(s)) }
        if !s.noise.isEmpty { tables.append(noiseTable(s)) }
        tables.append(runTable(s))
        return [ReportSection(id: "study-hyperparameters", title: "Study: hyperparameters", paragraphs: paragraphs,
                              plots: plots, tables: tables)]
    }

    func factorPlot(_ s: Summary, axis: Axis) -> ReportPlot {
        let series = s.optima.filter { $0.axis == axis }.map { o in
            ReportPlot.Series(label: "N = \(Self.sci(o.parameters))", xs: o.factors, ys: o.meanLosses)
        }
        let name = axis == .learningRate ? "peak learning rate" : "batch"
        return ReportPlot(title: "Validation loss against the \(name), per model size",
                          caption: "Mean final loss over the seeds at each factor on the default \(name) (1: the default rule).",
                          xLabel: "\(name) ÷ the default", yLabel: "validation loss (nats per byte)", yLogarithmic: false, series: series)
    }

    func optimumTable(_ s: Summary) -> ReportTable {
        ReportTable(caption: "The optimum of each axis at each size (factor on the default; \(Self.percent(s.design.level)) intervals; "
                        + "local: the parabola through the best measured factor and its neighbours only)",
                    header: ["axis", "N (no embeddings)", "default", "best measured", "parabola optimum", "interval", "optimal value",
                             "local optimum", "default's excess (nats)"],
                    rows: s.optima.map { o in
                        [o.axis.rawValue, Self.sci(o.parameters), Self.sci(o.defaultValue), "×" + Self.num(o.bestMeasured),
                         o.factor.map { "×" + Self.num($0) } ?? "not bracketed", o.interval.map { "[×\(Self.num($0[0])), ×\(Self.num($0[1]))]" } ?? "–",
                         o.value.map(Self.sci) ?? "–", o.localFactor.map { "×" + Self.num($0) } ?? "–", Self.num(o.defaultExcess)]
                    }, numericColumns: [1, 2, 6, 8])
    }

    func ruleTable(_ s: Summary) -> ReportTable {
        ReportTable(caption: "The optima as power laws in N (non-embedding), beside the default rule's slope over the same sizes",
                    header: ["axis", "sizes", "exponent", "interval", "value at N = 1e5", "interval", "default's slope"],
                    rows: s.rules.map { r in
                        [r.axis.rawValue, "\(r.sizes)", Self.num(r.exponent), r.exponentInterval.map(Self.interval) ?? "–",
                         Self.sci(r.valueAt100k), r.valueInterval.map { "[\(Self.sci($0[0])), \(Self.sci($0[1]))]" } ?? "–",
                         Self.num(r.defaultExponent)]
                    }, numericColumns: [1, 2, 4, 6])
    }

    func scheduleTable(_ s: Summary) -> ReportTable {
        ReportTable(caption: "Schedule checks: each variant against the default recipe at the same size and seeds"
                        + (s.design.candidate.map { c in "; candidate: batch \(Self.sci(c.batchAt100k))·(N/1e5)^\(Self.num(c.batchExponent)) tokens, "
                            + "warm-up \(Self.percent(c.warmupFraction)) of the run, β₂ \(Self.num(c.beta2))" } ?? ""),
                    header: ["N (no embeddings)", "check", "value", "default", "loss", "default's loss", "difference", "range over seeds"],
                    rows: s.schedule.map { r in
                        [Self.sci(r.parameters), r.axis.rawValue, r.axis == .candidate ? "candidate" : Self.num(r.value),
                         r.axis == .candidate ? "default" : Self.num(r.defaultValue), Self.num(r.loss),
                         Self.num(r.defaultLoss), Self.signed(r.difference),
                         "[\(Self.signed(r.differenceRange[0])), \(Self.signed(r.differenceRange[1]))]"]
                    }, numericColumns: [0, 2, 3, 4, 5, 6])
    }

    func noiseTable(_ s: Summary) -> ReportTable {
        ReportTable(caption: "The gradient noise scale B_simple at the end of the default runs, beside the batches (tokens)",
                    header: ["N (no embeddings)", "default batch", "optimal batch", "B_simple", "B_simple ÷ optimal"],
                    rows: s.noise.map { r in
                        [Self.sci(r.parameters), Self.sci(r.defaultBatch), r.optimalBatch.map(Self.sci) ?? (s.design.sweptAxes.contains(.batch) ? "not bracketed" : "not swept"),
                         Self.sci(r.noiseScale), r.optimalBatch.map { Self.num(r.noiseScale / $0) } ?? "–"]
                    }, numericColumns: [0, 1, 2, 3, 4])
    }

    func runTable(_ s: Summary) -> ReportTable {
        ReportTable(caption: "Every run",
                    header: ["run", "N", "seed", "axis", "value", "lr", "batch", "steps", "warm-up", "floor", "β₂", "loss", "B_simple"],
                    rows: s.runs.map { r in
                        ["\(r.run)", Self.sci(r.parameters), "\(r.replicate)", r.axis.rawValue, Self.num(r.value), Self.sci(r.learningRate),
                         "\(r.batch)", "\(r.steps)", "\(r.warmupTokens)", Self.num(r.finalFraction), Self.num(r.beta2), Self.num(r.loss),
                         r.noiseScale.map(Self.sci) ?? "–"]
                    }, numericColumns: [0, 1, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12])
    }

    static func num(_ v: Double) -> String { ReportTable.cell(v) }
    static func sci(_ v: Double) -> String { ReportTable.cell(v, digits: 3) }
    static func interval(_ i: [Double]) -> String { "[\(num(i[0])), \(num(i[1]))]" }
    static func percent(_ v: Double) -> String { String(format: "%.0f%%", 100 * v) }
    static func signed(_ v: Double) -> String { String(format: "%+.4f", v) }
}
