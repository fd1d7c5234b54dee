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
        let rows = measurements.indices.map { i in
            RawTable.Row(line: i + 1, cells: labels.map { $0.values[i].map(RawCell.text) ?? .missing }
                         + quantities.map { q in q.1(measurements[i]).map(RawCell.number) ?? .missing })
        }
        let reader = MeasurementReader(mapping: ColumnMapping(parameters: "N", tokens: "D", compute: "C", uniqueTokens: "U", loss: "loss"),
                                       selection: self)
        let kept = try filter(RawTable(columns: columns, rows: rows), source: source)
        var out: [(set: MeasurementSet, indices: [Int])] = []
        for (label, table) in try groups(kept, source: source) {
            var set = try reader.measurements(from: table, source: name(of: source, group: label), format: .csv, requiring: [])
            set.group = label
            set.warnings = [DataWarnings.repeatedPoints(set.measurements, hint: "select one with --where or fit each with --group-by")]
                .compactMap { $0 }
            out.append((set, table.rows.map { $0.line - 1 }))
        }
        return out
    }

    /// `source [conditions, group]`, or `source` for every row.
    func name(of source: String, group: String?) -> String {
        let parts = conditions.map(\.description) + (group.map { [$0] } ?? [])
        return parts.isEmpty ? source : "\(source) [\(parts.joined(separator: ", "))]"
    }
}

// MARK: - Applying a selection to a raw table (internal)

extension RowSelection {
    /// The index of the column `name` in `table` (exact, else ignoring case, spaces, `_`, `-`).
    static func column(_ name: String, in table: RawTable, option: String, source: String)
        throws(MeasurementInputError) -> Int
    {
        if let i = table.columns.firstIndex(of: name) { return i }
        let key = ColumnMapping.normalized(name)
        if let i = table.columns.firstIndex(where: { ColumnMapping.normalized($0) == key }) { return i }
        throw .namedColumnNotFound(file: source, name: name, option: option, available: table.columns)
    }

    /// The rows of `table` meeting every condition, in file order, with their line numbers.
    /// Throws `.noRowSelected` for the first condition that leaves no row, listing the values
    /// the column has among the rows the earlier conditions left.
    func filter(_ table: RawTable, source: String) throws(MeasurementInputError) -> RawTable {
        var rows = table.rows
        for condition in conditions {
            let j = try Self.column(condition.column, in: table, option: "--where", source: source)
            let kept = rows.filter { condition.matches(Self.text($0.cells[j])) }
            guard !kept.isEmpty else {
                let values = Self.distinct(rows.map { Self.text($0.cells[j]) })
                throw .noRowSelected(file: source, condition: condition.description, column: table.columns[j],
                                     values: values.map { $0 ?? "(empty)" })
            }
            rows = kept
        }
        return RawTable(columns: table.columns, rows: rows)
    }

    /// The groups of `table`'s rows by the `groupBy` columns, each with its label
    /// (`tokenizer=bpe, lr=0.001`); one unlabelled group without `groupBy`.
    func groups(_ table: RawTable, source: String) throws(MeasurementInputError) -> [(label: String?, table: RawTable)] {
        guard !groupBy.isEmpty else { return [(nil, table)] }
        var indices: [Int] = []
        for name in groupBy { indices.append(try Self.column(name, in: table, option: "--group-by", source: source)) }
        // Each column's values, in order: one rank per distinct value (numbers equal as numbers).
        var ranks: [[CellKey: Int]] = [], orders: [[String?]] = []
        for j in indices {
            let order = Self.distinct(table.rows.map { Self.text($0.cells[j]) })
            orders.append(order)
            ranks.append(Dictionary(order.enumerated().map { (CellKey($0.element), $0.offset) }, uniquingKeysWith: { a, _ in a }))
        }
        var byKey: [[Int]: [RawTable.Row]] = [:]
        for row in table.rows {
            byKey[indices.indices.map { ranks[$0][CellKey(Self.text(row.cells[indices[$0]]))] ?? 0 }, default: []].append(row)
        }
        return byKey.keys.sorted { $0.lexicographicallyPrecedes($1) }.map { key in
            let label = indices.indices.map { k in
                "\(table.columns[indices[k]])=\(orders[k][key[k]] ?? "(empty)")"
            }.joined(separator: ", ")
            return (label, RawTable(columns: table.columns, rows: byKey[key]!))
        }
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

    /// The distinct values (first spelling kept), numbers ascending when every value is a
    /// number, else text ascending; a missing value last.
    static func distinct(_ cells: [String?]) -> [String?] {
        var seen: [String] = []
        var keys = Set<CellKey>()
        var missing = false
        for c in cells {
            guard let c else { missing = true; continue }
            if keys.insert(CellKey(c)).inserted { seen.append(c) }
        }
        let numbers = seen.map(number)
        if numbers.allSatisfy({ $0 != nil }) {
            seen = zip(seen, numbers).sorted { $0.1! < $1.1! }.map(\.0)
        } else {
            seen.sort()
        }
        return seen.map { Optional($0) } + (missing ? [nil] : [])
    }
}
