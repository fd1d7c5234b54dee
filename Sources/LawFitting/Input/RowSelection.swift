import Foundation
import ScalingLaws

/// One condition on a column of a measurement file: `COL=VALUE`, `COL!=VALUE`, or `COL=a,b`
/// (any of the values).
///
/// A cell matches a value when the text is the same as written, or when both read as numbers and
/// the numbers are equal, so `lr=0.001` matches a cell `1e-3`. A missing cell matches no value
/// (and so every `!=` condition).
public struct RowCondition: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    /// The column's name, matched exactly or else ignoring case, spaces, `_` and `-`.
    public var column: String
    /// The values any of which a row's cell must have (or, when `negated`, none of which).
    public var values: [String]
    /// True for `COL!=VALUE`: keep the rows whose cell is none of `values`.
    public var negated: Bool

    /// A condition from its parts.
    public init(column: String, values: [String], negated: Bool = false) {
        self.column = column
        self.values = values
        self.negated = negated
    }

    /// Parses `COL=VALUE`, `COL!=VALUE` or `COL=a,b` (spaces around the parts are ignored).
    /// Throws `.malformedCondition` for text without `=`, or with an empty column or value.
    public init(parsing text: String) throws(MeasurementInputError) {
        guard let eq = text.firstIndex(of: "=") else { throw .malformedCondition(text) }
        var name = text[..<eq]
        let negated = name.hasSuffix("!")
        if negated { name = name.dropLast() }
        let column = String(name).trimmingSpaces
        let values = text[text.index(after: eq)...].split(separator: ",", omittingEmptySubsequences: false)
            .map { String($0).trimmingSpaces }
        guard !column.isEmpty, !values.contains(where: \.isEmpty) else { throw .malformedCondition(text) }
        self.init(column: column, values: values, negated: negated)
    }

    /// `lr=0.001,0.01` or `tokenizer!=char`.
    public var description: String { column + (negated ? "!=" : "=") + values.joined(separator: ",") }

    /// Whether a cell with this written text (nil: missing) satisfies the condition.
    func matches(_ cell: String?) -> Bool {
        let hit = cell.map { c in values.contains { RowSelection.same(c, $0) } } ?? false
        return hit != negated
    }
}

/// Which rows of a measurement file to read (`--where`), and how to split them into groups
/// (`--group-by`), one `MeasurementSet` per distinct value.
///
/// Conditions are ANDed. The groups come in a stable order: by number when every value of the
/// grouping column is a number, else by text; each set's `source` names its group, e.g.
/// `runs.csv [tokenizer=bpe]`, and its `group` holds `tokenizer=bpe`.
public struct RowSelection: Sendable, Equatable, Codable {
    /// The conditions every row kept must meet.
    public var conditions: [RowCondition]
    /// The columns whose distinct values (together) make the groups; empty: one set.
    public var groupBy: [String]

    /// A selection of the rows meeting every condition, grouped by `groupBy`.
    public init(conditions: [RowCondition] = [], groupBy: [String] = []) {
        self.conditions = conditions
        self.groupBy = groupBy
    }

    /// True when the selection keeps every row in one set.
    public var isEmpty: Bool { conditions.isEmpty && groupBy.isEmpty }

    /// Whether two cells (as written) are the same value: the same text, or equal numbers.
    static func same(_ a: String, _ b: String) -> Bool {
        if a == b { return true }
        guard let x = number(a), let y = number(b) else { return false }
        return x == y
    }

    /// The text as a finite number, or nil.
    static func number(_ s: String) -> Double? {
        guard s.utf8.count <= MeasurementReader.longestNumber, let x = Double(s), x.isFinite else { return nil }
        return x
    }

    /// Applies the selection to measurements that are not a file (e.g. a run store's runs), as
    /// it would to a file whose columns are `labels` and the quantities: `labels` holds, for each
    /// column, one value per measurement (nil: missing). Returns one set per group (one set
    /// without `groupBy`) named after `source`, with the indices of its measurements and only the
    /// repeated-points warning (the caller knows what its own columns mean). Throws the errors of
    /// a file's selection (unknown column, a condition that selects nothing).
    public func apply(to measurements: [Observation], labels: [(column: String, values: [String?])],
                      source: String) throws(MeasurementInputError) -> [(set: MeasurementSet, indices: [Int])]
    {
        let quantities: [(String, (Observation) -> Double?)] = [
            ("N", \.parameters), ("D", \.tokens), ("C", \.compute), ("U", \.uniqueTokens), ("loss", { $0.loss }),
        ]
        let columns = labels.map(\.column) + quantities.map(\.0)
        let records = RecordSource(columns: columns) { body throws(MeasurementInputError) in
            for i in measurements.indices {
                try body(RawTable.Row(line: i + 1, cells: labels.map { $0.values[i].map(RawCell.text) ?? .missing }
                                      + quantities.map { q in q.1(measurements[i]).map(RawCell.number) ?? .missing }))
            }
        }
        let reader = MeasurementReader(mapping: ColumnMapping(parameters: "N", tokens: "D", compute: "C", uniqueTokens: "U", loss: "loss"),
                                       selection: self)
        // Each kept measurement as read (D or C derived where missing), with its index.
        var kept: [[(index: Int, measurement: Observation)]] = []
        let scan = try reader.scan(records, name: source, requiring: [], lossRequired: true) { slot, p in
            while kept.count <= slot { kept.append([]) }
            kept[slot].append((p.line! - 1, Observation(parameters: p.parameters, tokens: p.tokens, compute: p.compute,
                                                        uniqueTokens: p.uniqueTokens, loss: p.loss!)))
        }
        return scan.order.map { slot, label in
            let rows = slot < kept.count ? kept[slot] : []
            let set = MeasurementSet(measurements: rows.map(\.measurement), source: name(of: source, group: label), format: .csv,
                                     columns: scan.columns, derived: scan.groups[slot].derived, group: label,
                                     warnings: [DataWarnings.repeatedPoints(rows.map(\.measurement),
                                                                            hint: "select one with --where or fit each with --group-by")]
                                        .compactMap { $0 })
            return (set, rows.map(\.index))
        }
    }

    /// `source [conditions, group]`, or `source` for every row.
    func name(of source: String, group: String?) -> String {
        let parts = conditions.map(\.description) + (group.map { [$0] } ?? [])
        return parts.isEmpty ? source : "\(source) [\(parts.joined(separator: ", "))]"
    }
}

// MARK: - Columns and cells of a selection (internal)

extension RowSelection {
    /// The index of the column `name` among `columns` (exact, else ignoring case, spaces, `_`, `-`).
    static func column(_ name: String, in columns: [String], option: String, source: String)
        throws(MeasurementInputError) -> Int
    {
        if let i = columns.firstIndex(of: name) { return i }
        let key = ColumnMapping.normalized(name)
        if let i = columns.firstIndex(where: { ColumnMapping.normalized($0) == key }) { return i }
        throw .namedColumnNotFound(file: source, name: name, option: option, available: columns)
    }

    /// A cell's identity for grouping: its number when it reads as one, else its text.
    enum CellKey: Hashable {
        case number(Double)
        case text(String)
        case missing

        init(_ cell: String?) {
            guard let cell else { self = .missing; return }
            if let x = RowSelection.number(cell) { self = .number(x == 0 ? 0 : x) } else { self = .text(cell) }
        }
    }

    /// A cell's value as written; nil when missing. JSON numbers are written the shortest way
    /// that reads back the same (`0.001`, `1e-07`).
    static func text(_ cell: RawCell) -> String? {
        switch cell {
        case .text(let s): s
        case .number(let x): x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : "\(x)"
        case .missing: nil
        case .other(let what): what
        case .outOfRange: "(out of range)"
        }
    }
}
