import Analysis
import LawFitting

/// The human-readable rendering of a `GroupedFitReport`: one row per group, side by side.
enum GroupedFitText {
    static func render(_ g: GroupedFitReport) -> String {
        let fitted = g.groups.compactMap(\.report)
        var names: [String] = []
        for r in fitted { for p in r.parameterOrder where !names.contains(p) { names.append(p) } }
        let laws = Set(fitted.map(\.law))
        let showA = fitted.contains { $0.derived["a"] != nil }
        let level = fitted.compactMap(\.bootstrap).first.map { "\(Int(($0.level * 100).rounded()))% bootstrap intervals (\($0.resamplingUsed.label))" }
            ?? "no bootstrap intervals"
        var lines: [String] = []
        let by = g.groupBy.isEmpty ? "" : " by \(g.groupBy.joined(separator: ", "))"
        let selected = g.conditions.isEmpty ? "" : " (rows with \(g.conditions.joined(separator: " and ")))"
        lines.append("\(laws.count == 1 ? "Law \(laws.first!)" : "Laws") fitted to each group of \(g.file)\(by)\(selected), \(level):")
        lines.append("")
        func cell(_ value: Double?, _ interval: [Double]?) -> String {
            guard let value else { return "-" }
            return Output.number(value) + (interval.map { " " + Output.interval($0) } ?? "")
        }
        var header = ["group", "points"] + (laws.count > 1 ? ["law"] : []) + names
        if showA { header.append("a = beta/(alpha+beta)") }
        header.append("back-test error")
        let rows = g.groups.compactMap { group -> [String]? in
            guard let r = group.report else { return nil }
            var row = [group.group, "\(r.fit.points)"] + (laws.count > 1 ? [r.law] : [])
            row += names.map { cell(r.parameters[$0] ?? r.fixed?[$0], r.intervals?[$0]) }
            if showA { row.append(cell(r.derived["a"], r.derivedIntervals?["a"])) }
            row.append(r.holdout.map { Output.number($0.meanAbsoluteRelativeError * 100, digits: 3) + "%" } ?? "-")
            return row
        }
        lines.append(Output.table(header, rows))
        if fitted.contains(where: { $0.holdout != nil }) {
            lines.append("Back-test error: mean |relative error| of the loss on the largest-compute points held out of each group's fit.")
        }
        for group in g.groups where group.report == nil {
            lines.append("not fitted: \(group.group) (\(group.rows) rows): \(group.skipped ?? "")")
        }
        return lines.joined(separator: "\n")
    }
}
