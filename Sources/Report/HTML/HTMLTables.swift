import LawFitting
import ScalingLaws

/// The report's tables: parameters, plan, comparison, IsoFLOP minima, provenance.
enum HTMLTables {
    static func parameters(_ h: inout HTMLBuilder, _ a: ReportAnalysis) {
        h.open("section", [("id", "parameters")])
        h.element("h2", text: "Fitted parameters")
        if a.input.fits.isEmpty { h.element("p", [("class", "note")], text: "No fit in this input.") }
        for r in a.input.fits {
            h.element("h3", text: "\(r.law): \(r.formula)")
            let level = r.bootstrap.map { "\(percentText($0.level))% interval" } ?? "interval"
            var rows = r.parameterOrder.map { name in
                [name, SVGText.general(r.parameters[name] ?? .nan, significant: 5), r.intervals?[name].map(interval) ?? "",
                 r.fit.spread[name].map(interval) ?? ""]
            }
            for (name, value) in (r.fixed ?? [:]).sorted(by: { $0.key < $1.key }) {
                rows.append([name, SVGText.general(value, significant: 5), "fixed", ""])
            }
            for (name, value) in r.derived.sorted(by: { $0.key < $1.key }) {
                rows.append([name, SVGText.general(value, significant: 5), r.derivedIntervals?[name].map(interval) ?? "", ""])
            }
            h.table(caption: nil, header: ["parameter", "value", level, "spread over best \(r.fit.bestStartObjectives.count) starts"],
                    rows: rows, numeric: [1])
            var note = "Objective \(SVGText.general(r.fit.objective, significant: 5)) (\(r.fit.objectiveKind), summed); "
                + "RMSE of log residuals \(num(r.fit.rmseLog)); \(r.fit.points) points; \(r.fit.message)."
            if let b = r.bootstrap { note += " Bootstrap: \(b.samples) resamples (\(b.resamplingUsed.label)), seed \(b.seed), \(b.failed) failed." }
            h.element("p", [("class", "note")], text: note)
            if let ho = r.holdout {
                let names = ho.predictions.first.map { Array($0.input.keys).sorted() } ?? []
                h.table(caption: "Back-test: fitted without the \(ho.k) largest runs (log RMSE \(num(ho.rmseLog)), "
                            + "mean |relative error| \(SVGText.fixed(ho.meanAbsoluteRelativeError * 100, decimals: 2))%)",
                        header: names + ["measured", "predicted", "error"],
                        rows: ho.predictions.map { p in
                            names.map { num(p.input[$0] ?? .nan) } + [SVGText.general(p.loss, significant: 5),
                                SVGText.general(p.predicted, significant: 5), SVGText.fixed(p.relativeError * 100, decimals: 2) + "%"]
                        }, numeric: Set(0..<(names.count + 3)))
            }
        }
        h.close("section")
    }

    /// One row per budget and source: the main fit with its intervals, approaches 1 and 2, the published laws.
    static func plan(_ h: inout HTMLBuilder, _ a: ReportAnalysis) {
        h.open("section", [("id", "plan")])
        h.element("h2", text: "Plan")
        guard !a.input.budgets.isEmpty else {
            h.element("p", [("class", "note")], text: "No budget was asked for (scalelab report --budget C).")
            h.close("section")
            return
        }
        for C in a.input.budgets {
            var rows: [[String]] = []
            if let fit = a.main {
                let b = fit.report.budgets.first { $0.compute == C }
                let v = b?.values ?? fit.atBudget(C)
                func cell(_ k: String) -> String {
                    guard let x = v[k] else { return "–" }
                    return num(x) + (b?.intervals?[k].map { " " + interval($0) } ?? "")
                }
                rows.append(["approach 3: \(fit.name)", cell("N_opt"), cell("D_opt"), cell("tokens_per_parameter"), cell("loss")])
            }
            for s in Figures.allocationSources(a) where !s.name.hasPrefix("approach 3") {
                let N = s.parameters(C), D = s.tokens(C)
                let loss: String = switch s.name {
                case "Kaplan 2020": num(PublishedLaws.kaplanC(LawInput(C: C))) + " †"
                case "Hoffmann 2022": num(PublishedLaws.hoffmann2022.optimalLoss(compute: C)) + " †"
                case "Epoch 2024 refit": num(PublishedLaws.epoch2024.optimalLoss(compute: C)) + " †"
                default: "–"
                }
                rows.append([s.name, N.map(num) ?? "–", D.map(num) ?? "–", (N != nil && D != nil) ? num(D! / N!) : "–", loss])
            }
            h.table(caption: "Budget C = \(num(C)) FLOPs", header: ["source", "N_opt", "D_opt", "D/N", "loss"],
                    rows: rows, numeric: [1, 2, 3, 4])
        }
        h.element("p", [("class", "note")], text: "Intervals are bootstrap percentiles of the main fit. † Published losses are "
                   + "on the papers' own data and tokenizers; compare their N and D, not their loss. Kaplan's N is non-embedding.")
        h.close("section")
    }

    /// The forecasts of a run made before it was trained, each scored against the loss it reached.
    static func forecasts(_ h: inout HTMLBuilder, _ a: ReportAnalysis) {
        h.open("section", [("id", "forecasts")])
        h.element("h2", text: "Forecasts before training")
        let rows = a.input.forecasts ?? []
        h.table(caption: "Each forecast was made before the run was trained; error = (forecast − measured)/measured",
                header: ["forecast", "C (FLOPs)", "loss", "90% noise interval", "90% form interval", "measured", "error",
                         "in noise interval", "in form interval"],
                rows: rows.map { f in
                    let inside = { (i: [Double]?) in f.measured.flatMap { m in i.map { m >= $0[0] && m <= $0[1] ? "yes" : "no" } } ?? "–" }
                    return [f.method, num(f.compute), num(f.loss), f.interval.map(interval) ?? "–", f.formInterval.map(interval) ?? "–",
                            f.measured.map(num) ?? "–",
                            f.relativeError.map { (($0 >= 0) ? "+" : "−") + SVGText.fixed(abs($0) * 100, decimals: 2) + "%" } ?? "–",
                            inside(f.interval), inside(f.formInterval)]
                }, numeric: [1, 2, 5, 6])
        h.close("section")
    }

    static func comparison(_ h: inout HTMLBuilder, _ a: ReportAnalysis) {
        h.open("section", [("id", "comparison")])
        h.element("h2", text: "Comparison of laws")
        if let c = a.input.comparison, !c.rows.isEmpty {
            h.table(caption: "Ranked by log RMSE on the \(c.holdout) largest-compute runs held out",
                    header: ["law", "k", "rmse_log", "holdout rmse_log", "holdout MARE", "AIC", "BIC", "status"],
                    rows: c.rows.map { r in
                        [r.law, "\(r.parameterCount)", num(r.rmseLog), r.holdoutRmseLog.map(num) ?? "–",
                         r.holdoutMeanAbsoluteRelativeError.map { SVGText.fixed($0 * 100, decimals: 2) + "%" } ?? "–",
                         SVGText.general(r.aic, significant: 5), SVGText.general(r.bic, significant: 5), r.status]
                    }, numeric: [1, 2, 3, 4, 5, 6])
        } else {
            h.element("p", [("class", "note")], text: "No comparison in this input.")
        }
        h.close("section")
    }

    static func isoflop(_ h: inout HTMLBuilder, _ a: ReportAnalysis) {
        h.open("section", [("id", "isoflop-table")])
        h.element("h2", text: "IsoFLOP minima")
        if let iso = a.isoflop {
            h.table(caption: iso.exponent.map { "Approach 2: N_opt = \(num(iso.coefficient ?? .nan))·C^\(SVGText.fixed($0, decimals: 4))" },
                    header: ["C (FLOPs)", "runs", "N_opt", "D_opt = C/(6N)", "min loss", "minimum"],
                    rows: iso.parabolas.map { c in
                        [num(c.compute), "\(c.parameters.count)", c.optimalParameters.map(num) ?? "–",
                         c.optimalParameters.map { num(c.compute / (6 * $0)) } ?? "–", c.minimumLoss.map(num) ?? "–",
                         c.optimalParameters == nil ? "parabola opens down" : c.bracketed ? "inside sizes" : "outside sizes (not used)"]
                    }, numeric: [0, 1, 2, 3, 4])
        } else {
            h.element("p", [("class", "note")], text: "No compute budget has runs of 4 or more sizes.")
        }
        h.close("section")
    }

    static func provenance(_ h: inout HTMLBuilder, _ a: ReportAnalysis) {
        let p = a.input.provenance
        h.open("section", [("id", "provenance")])
        h.element("h2", text: "Provenance")
        h.open("dl")
        var items = [("data", p.source), ("data hash (FNV-1a 64)", p.dataHash), ("runs", "\(a.input.runs.count)"),
                     ("ScaleLab version", p.scalelabVersion), ("bootstrap", "\(p.bootstrapSamples) resamples"
                      + (p.resampling.map { " (\($0.label))" } ?? "") + ", seed \(p.seed)"),
                     ("date", p.date), ("machine", p.machine)]
        if let c = p.command { items.append(("command", c)) }
        for (k, v) in items {
            h.element("dt", text: k)
            h.element("dd", text: v)
        }
        h.close("dl")
        h.close("section")
    }
}
