import LawFitting

/// The human-readable rendering of a `FitReport`.
enum FitText {
    static func render(_ r: FitReport) -> String {
        var out: [String] = []
        out.append("Law: \(r.law)    \(r.formula)")
        if let d = r.data {
            out.append("Data: \(d.file), \(d.points) points (hash \(d.hash))")
            if let columns = d.columns, !columns.isEmpty {
                let order = ["N", "D", "C", "U", "L"]
                out.append("Columns: " + columns.sorted { (order.firstIndex(of: $0.key) ?? 9) < (order.firstIndex(of: $1.key) ?? 9) }
                    .map { "\($0.key) ← \($0.value)" }.joined(separator: ", "))
            }
            if let check = d.computeCheck { out.append(check.summary) }
        }
        out.append("")
        if let b = r.bootstrap {
            out.append("\(Int((b.level * 100).rounded()))% bootstrap intervals (\(b.resamplingUsed.label)):")
        }
        let level = r.bootstrap.map { "\(Int(($0.level * 100).rounded()))% interval" } ?? ""
        var rows = r.parameterOrder.map { name in
            [name, Output.number(r.parameters[name] ?? .nan, digits: 6), Output.interval(r.intervals?[name]),
             Output.interval(r.fit.spread[name])]
        }
        for (name, value) in (r.fixed ?? [:]).sorted(by: { $0.key < $1.key }) {
            rows.append([name, Output.number(value, digits: 6), "fixed", ""])
        }
        for name in r.derived.keys.sorted() {
            rows.append([name, Output.number(r.derived[name]!, digits: 6), Output.interval(r.derivedIntervals?[name]), ""])
        }
        out.append(Output.table(["parameter", "value", level, "spread over best \(r.fit.bestStartObjectives.count) starts"], rows))
        if let o = r.overtrainingForm {
            out.append("")
            out.append("In compute and tokens per parameter (Gadre et al. 2024): \(o.formula)")
            out.append(Output.table(["parameter", "value", level], ["E", "a", "b", "eta"].map { name in
                [name, Output.number(o.parameters[name] ?? .nan, digits: 6), Output.interval(o.intervals?[name])]
            }))
        }
        out.append("")
        out.append("Fit: objective \(Output.number(r.fit.objective, digits: 6)) (\(r.fit.objectiveKind), summed), "
                   + "RMSE of log residuals \(Output.number(r.fit.rmseLog)), \(r.fit.points) points, "
                   + "\(Output.number(r.fit.seconds, digits: 3)) s")
        out.append("Status: \(r.fit.message)")
        if let b = r.bootstrap {
            out.append("Bootstrap: \(b.samples) resamples (seed \(b.seed)), \(b.failed) failed, \(Output.number(b.seconds, digits: 3)) s")
        }
        if !r.budgets.isEmpty {
            out.append("")
            let keys = ["N_opt", "D_opt", "tokens_per_parameter", "loss"].filter { k in r.budgets.contains { $0.values[k] != nil } }
            let form = r.budgets.contains { $0.lossFormInterval != nil }
            out.append(Output.table(["compute"] + keys + (form ? ["loss form interval"] : []), r.budgets.map { b in
                [Output.number(b.compute)] + keys.map { k in
                    Output.number(b.values[k] ?? .nan) + (b.intervals?[k].map { " " + Output.interval($0) } ?? "")
                } + (form ? [b.lossFormInterval.map { Output.interval($0) } ?? "-"] : [])
            }))
            out += FitText.formLegend(r).map { [$0] } ?? []
        }
        if let h = r.holdout {
            out.append("")
            out.append("Back-test: fitted without the \(h.k) largest points; on them log RMSE \(Output.number(h.rmseLog)), "
                       + "mean |relative error| \(Output.number(h.meanAbsoluteRelativeError * 100, digits: 3))%")
            let names = h.predictions.first.map { Array($0.input.keys).sorted() } ?? []
            out.append(Output.table(names + ["loss", "predicted", "error"], h.predictions.map { p in
                names.map { Output.number(p.input[$0] ?? .nan) } + [Output.number(p.loss, digits: 5),
                    Output.number(p.predicted, digits: 5), Output.number(p.relativeError * 100, digits: 3) + "%"]
            }))
        }
        return out.joined(separator: "\n")
    }
}

extension FitText {
    /// What the budgets' intervals are: the noise interval (bootstrap, with its resampling) and the
    /// form interval (widened by the rolling back-tests), or why there is no form interval.
    static func formLegend(_ r: FitReport) -> String? {
        guard let b = r.bootstrap, r.budgets.contains(where: { $0.values["loss"] != nil }) else { return nil }
        let noise = "Intervals: noise = bootstrap (\(b.resamplingUsed.label))"
        guard let rolling = r.rollingBacktest else {
            return noise + "; no rolling back-test (more than \(RollingBacktest.maxBudgets) budgets, or none), so no form interval"
        }
        if let reason = rolling.missingFormReason { return noise + "; " + reason }
        return noise + "; form = the loss's noise interval widened by the law's errors in \(rolling.steps.count) rolling back-test"
            + "\(rolling.steps.count == 1 ? "" : "s") over \(rolling.budgets.count) budgets (0 inside the largest budget)"
    }
}
