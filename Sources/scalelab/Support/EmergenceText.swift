import Analysis
import Foundation
import LawFitting

/// The text form of an emergence analysis: the law, the table per run, sharpness, breaks, back-test.
enum EmergenceText {
    static func render(_ a: EmergenceAnalysis) -> String {
        let level = "\(Int((a.level * 100).rounded()))%"
        let law = a.law
        func named(_ name: String, _ v: Double) -> String {
            "\(name) = \(Output.number(v))" + (law.intervals?[name].map { " " + Output.interval($0) } ?? "")
        }
        var lines = [
            "Task: \(a.task)    answer length: \(a.length) characters    smooth metric: \(a.smoothMetric)",
            "Smooth law: -ln p = E + A*C^-alpha: \(named("E", law.E)), \(named("A", law.A)), \(named("alpha", law.alpha))",
            "  fitted to p of \(law.points) runs without exact match; RMSE of log(-ln p) \(Output.number(law.rmseLog, digits: 3)); \(law.status)",
            "",
        ]
        let measured = a.rows.contains { $0.exactMatch != nil }
        var header = ["run", "C", "p", "law's p", "predicted EM", "\(level) interval"]
        if measured { header += ["measured EM", "error", "covered"] }
        lines.append(Output.table(header, a.rows.map { r in
            var row = [r.run ?? "-", Output.number(r.compute), Output.number(r.p), Output.number(r.fittedP),
                       Output.number(r.predictedExactMatch), Output.interval(r.interval)]
            if measured {
                row += [r.exactMatch.map { Output.number($0) } ?? "-", r.error.map { String(format: "%+.4f", $0) } ?? "-",
                        r.covered.map { $0 ? "yes" : "no" } ?? "-"]
            }
            return row
        }))
        if let s = a.summary {
            lines.append("")
            lines.append("Exact match predicted as p^\(a.length) from the smooth law: mean |error| \(Output.number(s.meanAbsoluteError, digits: 3)), "
                + "max \(Output.number(s.maxAbsoluteError, digits: 3)) over \(s.scored) runs"
                + (s.covered.map { "; the interval covers \($0) of \(s.scored)" } ?? ""))
        }
        lines += ["", sharpness(a.sharpness)]
        lines += ["", "Breaks (broken power law against none, AICc):"]
        if let b = a.breaks.smooth { lines.append("  -ln p:           \(b.verdict)") }
        if let b = a.breaks.exactMatchError { lines.append("  1 - exact match: \(b.verdict)") }
        if let b = a.backtest { lines += ["", backtest(b, level: level, length: a.length)] }
        lines += a.notes.map { "Note: \($0)" }
        return lines.joined(separator: "\n")
    }

    static func sharpness(_ c: EmergenceAnalysis.Curves) -> String {
        let curves: [(String, Sharpness?)] = [("p", c.p), ("predicted EM", c.predictedExactMatch), ("measured EM", c.exactMatch)]
        return "Sharpness (largest step between adjacent runs, in the metric's units and as a share of its range; "
            + "decades of C from 10% to 90% of its range):\n"
            + Output.table(["curve", "range", "largest step", "share", "between C", "10%-90% (decades of C)"],
                           curves.compactMap { name, s in s.map { s in
                               [name, Output.number(s.range), Output.number(s.largestStep), Output.number(s.largestStepShare, digits: 3),
                                "\(Output.number(s.stepFrom)) - \(Output.number(s.stepTo))",
                                s.decades10to90.map { Output.number($0, digits: 3) } ?? "-"]
                           } })
    }

    static func backtest(_ b: EmergenceAnalysis.Backtest, level: String, length: Int) -> String {
        let law = b.law
        var lines = ["Back-test: the smooth law fitted on the \(law.points) smaller runs (E = \(Output.number(law.E)), "
            + "A = \(Output.number(law.A)), alpha = \(Output.number(law.alpha))) forecasts the largest:"]
        lines.append(Output.table(["run", "C", "p", "forecast p", "\(level) interval", "error", "covered",
                                   "EM", "forecast EM", "\(level) interval", "error", "covered"],
                                  b.forecasts.map { f in
            [f.run ?? "-", Output.number(f.compute), Output.number(f.p), Output.number(f.forecastP), Output.interval(f.pInterval),
             Output.percent(f.pRelativeError), f.pCovered.map { $0 ? "yes" : "no" } ?? "-",
             f.exactMatch.map { Output.number($0) } ?? "-", Output.number(f.forecastExactMatch), Output.interval(f.exactMatchInterval),
             f.exactMatchError.map { String(format: "%+.4f", $0) } ?? "-", f.exactMatchCovered.map { $0 ? "yes" : "no" } ?? "-"]
        }))
        lines.append("(p's error is relative, exact match's absolute; exact match is forecast as p^\(length).)")
        return lines.joined(separator: "\n")
    }
}
