import ArgumentParser
import Foundation
import LawFitting

/// `--where COL=VALUE` and `--group-by COL`: which rows of a file (or run store) to use, and how
/// to split them into groups, for `fit`, `import` and `report`.
struct RowOptions: ParsableArguments {
    @Option(name: .customLong("where"),
            help: "Use only the rows whose column has this value: COL=VALUE, COL!=VALUE, or COL=a,b for any of the values; repeat to require several (numbers compare as numbers: lr=0.001 matches 1e-3).")
    var conditions: [String] = []

    @Option(name: .customLong("group-by"), help: "Split the rows by the values of this column (repeatable), one group per value.")
    var groupBy: [String] = []

    func validate() throws {
        do { _ = try selection } catch { throw ValidationError(error.description) }
        if let name = groupBy.first(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
            throw ValidationError("--group-by needs a column name, got '\(name)'")
        }
    }

    /// The selection these options give.
    var selection: RowSelection {
        get throws(MeasurementInputError) {
            var conditions: [RowCondition] = []
            for text in self.conditions { conditions.append(try RowCondition(parsing: text)) }
            return RowSelection(conditions: conditions, groupBy: groupBy)
        }
    }

    /// True when the options select every row as one set.
    var isEmpty: Bool { conditions.isEmpty && groupBy.isEmpty }
}

/// `warning: …` lines on stderr (`Output.warn`), each once.
enum Warnings {
    static func print(_ warnings: [String]) {
        var seen = Set<String>()
        for w in warnings where seen.insert(w).inserted { Output.warn(w) }
    }
}
