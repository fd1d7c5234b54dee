import Foundation
import LawFitting
import ScalingLaws

/// One group's fit in a `GroupedFitReport`: its report, or why it was not fitted.
public struct GroupFit: Sendable, Codable, Equatable {
    /// The group's values, e.g. `tokenizer=bpe`.
    public var group: String
    /// The rows' name: the file and the group, e.g. `runs.csv [tokenizer=bpe]`.
    public var source: String
    /// The rows in the group.
    public var rows: Int
    /// The group's fit (the same `LawAnalysis` as a single fit); nil when it was not fitted.
    public var report: FitReport?
    /// Why the group was not fitted (too few rows for the law, a failed fit); nil when it was.
    public var skipped: String?
}

/// `scalelab fit FILE --group-by COL`: one law fitted to each group of rows, side by side.
public struct GroupedFitReport: Sendable, Codable, Equatable {
    /// The file (or store) the rows come from.
    public var file: String
    /// The conditions the rows were selected by (`--where`), as written.
    public var conditions: [String]
    /// The columns the rows were grouped by (`--group-by`).
    public var groupBy: [String]
    /// Every group, in the order of `RowSelection`, fitted or skipped.
    public var groups: [GroupFit]
    /// The version of ScaleLab that made the fits.
    public var scalelabVersion: String

    /// Fits `options.law` (or each group's main law) to each set with `LawAnalysis.run`. A group
    /// that cannot be fitted is kept with the reason; throws `AnalysisError.fit` when none can be.
    ///
    /// - Parameters:
    ///   - sets: the groups, from `MeasurementReader.readGroups` or `RowSelection.apply`.
    ///   - file: the file or store they come from.
    ///   - selection: the conditions and grouping columns that made them.
    ///   - options: the analysis of every group.
    ///   - version: recorded in every report.
    public static func run(_ sets: [MeasurementSet], file: String, selection: RowSelection,
                           options: AnalysisOptions, version: String) throws -> GroupedFitReport {
        var groups: [GroupFit] = []
        for (i, set) in sets.enumerated() {
            let label = set.group ?? "all rows"
            options.report("group \(i + 1) of \(sets.count) (\(label)), \(LawAnalysis.points(set.count))...")
            var g = GroupFit(group: label, source: set.source, rows: set.count)
            do {
                g.report = try LawAnalysis.run(set, options: options, version: version).report
            } catch let error as MeasurementInputError {
                g.skipped = error.description
            } catch let error as AnalysisError {
                g.skipped = error.description
            } catch {
                g.skipped = "\(error)"
            }
            groups.append(g)
        }
        guard groups.contains(where: { $0.report != nil }) else {
            throw AnalysisError.fit("no group of \(file) could be fitted:\n"
                                    + groups.map { "  \($0.group): \($0.skipped ?? "")" }.joined(separator: "\n"))
        }
        return GroupedFitReport(file: file, conditions: selection.conditions.map(\.description), groupBy: selection.groupBy,
                                groups: groups, scalelabVersion: version)
    }

    /// Every group's warnings, each once, in group order.
    public var warnings: [String] {
        var seen = Set<String>(), out: [String] = []
        for g in groups { for w in g.report?.warnings ?? [] where seen.insert(w).inserted { out.append(w) } }
        return out
    }
}
