import ScalingLaws

/// One pass over a file's rows that selects them (`RowSelection`), reads each kept row as a
/// point, and keeps, per group, only what the group's `MeasurementSet` says about its rows:
/// count, content hash, derived variables, C/(6ND) (8 bytes a row, for its median), each scale
/// column's range and the settings tallies. Every row is handed to the caller as it is read;
/// nothing else of it is held, so a
/// reader that keeps the points (`MeasurementReader.readGroups`) and one that writes them
/// elsewhere (`MeasurementStream`, for `import`) share every check and every rule.
struct MeasurementScan {
    /// One group of kept rows, in the order its first row was read (its slot).
    struct Group {
        /// The group's cells in the `groupBy` columns (empty without `groupBy`).
        var key: [RowSelection.CellKey]
        var count = 0
        var hash = ContentHash()
        var derived = Set<ScaleVariable>()
        /// C/(6ND) of each row that gives N, D and C.
        var ratios: [Double] = []
        /// The smallest and largest value of each scale quantity (read or derived).
        var ranges: [MeasuredQuantity: ClosedRange<Double>] = [:]
        /// One tally per column not read as a quantity (`SettingsTally`: the settings warning).
        var settings: [SettingsTally] = []
        /// How its rows are read: made at its first row, its messages naming the group
        /// (`runs.csv [lr=0.001, tokenizer=bpe]`).
        var reading: RowReading?

        /// Counts one row read as `read` into the group.
        mutating func tally(_ read: (point: ScalePoint, ratio: Double?, derived: Set<ScaleVariable>), row: RawTable.Row) {
            let p = read.point
            count += 1
            hash.add(parameters: p.parameters, tokens: p.tokens, compute: p.compute, uniqueTokens: p.uniqueTokens, loss: p.loss)
            derived.formUnion(read.derived)
            if let r = read.ratio { ratios.append(r) }
            widen(.parameters, p.parameters)
            widen(.tokens, p.tokens)
            widen(.compute, p.compute)
            widen(.uniqueTokens, p.uniqueTokens)
            for t in settings.indices { settings[t].add(row) }
        }

        private mutating func widen(_ q: MeasuredQuantity, _ x: Double?) {
            guard let x else { return }
            ranges[q] = ranges[q].map { min($0.lowerBound, x)...max($0.upperBound, x) } ?? x...x
        }
    }

    /// The column each quantity was read from, by name.
    var columns: ColumnMapping
    /// The groups by slot (the order their first rows came in).
    var groups: [Group]
    /// The slots in the groups' order (`RowSelection`: by number, else text), with each label.
    var order: [(slot: Int, label: String?)]
    /// The warnings about candidate columns (`DataWarnings.candidates`), for every group.
    var candidates: [String]
}

/// FNV-1a 64 over measurements, one at a time (`MeasurementSet.contentHash(of:)` says what).
struct ContentHash {
    private var h: UInt64 = 0xcbf2_9ce4_8422_2325          // FNV-1a 64 offset basis

    private mutating func mix(_ byte: UInt8) { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }  // FNV-1a 64 prime

    private mutating func mix(_ x: Double?) {
        guard let x else { mix(0); return }
        mix(1)
        var bits = x.bitPattern
        for _ in 0..<8 { mix(UInt8(truncatingIfNeeded: bits)); bits >>= 8 }
    }

    /// Adds one measurement's N, D, C, U and loss.
    mutating func add(parameters: Double?, tokens: Double?, compute: Double?, uniqueTokens: Double?, loss: Double?) {
        mix(parameters)
        mix(tokens)
        mix(compute)
        mix(uniqueTokens)
        mix(loss)
    }

    /// 16 lower-case hex digits.
    var hex: String {
        let hex = String(h, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}

extension MeasurementReader {
    /// Reads every row of `source` once: the columns found and checked, the rows `selection`
    /// keeps read as points (checked, D and C derived where missing) and handed to `emit` with
    /// their group's slot, in file order.
    ///
    /// Throws what the file's reading throws, `.namedColumnNotFound` for a `--where` or
    /// `--group-by` column the file lacks, `.missingColumn` for a required quantity with no
    /// column and no derivation, a row's first bad cell, and, once every row is read,
    /// `.noRowSelected` for the first condition that left no row (with the values its column
    /// has among the rows the earlier conditions left).
    ///
    /// Without `tallying`, the groups' counts, hashes, ratios, ranges and settings are not kept
    /// (a second reading of rows already tallied, `MeasurementStream.forEachMeasurement`).
    func scan(_ source: RecordSource, name: String, requiring: Set<ScaleVariable>, lossRequired: Bool, tallying: Bool = true,
              emit: (_ slot: Int, _ point: ScalePoint) -> Void) throws(MeasurementInputError) -> MeasurementScan
    {
        let table = source.columns
        var conditionColumns: [Int] = []
        for c in selection.conditions {
            conditionColumns.append(try RowSelection.column(c.column, in: table, option: "--where", source: name))
        }
        var groupColumns: [Int] = []
        for g in selection.groupBy {
            groupColumns.append(try RowSelection.column(g, in: table, option: "--group-by", source: name))
        }
        // What each condition saw: the rows the earlier ones left, and the values among them.
        var passed = Array(repeating: 0, count: conditionColumns.count)
        var seen = Array(repeating: DistinctValues(), count: conditionColumns.count)
        var spellings = Array(repeating: DistinctValues(), count: groupColumns.count)
        var slots: [[RowSelection.CellKey]: Int] = [:]
        var groups: [MeasurementScan.Group] = []
        if groupColumns.isEmpty {
            groups.append(MeasurementScan.Group(key: []))
            slots[[]] = 0
        }
        // A group's label: each value as first written in the file (so far, while reading).
        let label = { (key: [RowSelection.CellKey]) -> String? in
            groupColumns.isEmpty ? nil : groupColumns.indices.map { k in
                "\(table[groupColumns[k]])=\(spellings[k].spelling(of: key[k]) ?? "(empty)")"
            }.joined(separator: ", ")
        }
        // A group's reading, made at its first row; the settings tallies of the columns it does not read.
        let start = { (label: String?) throws(MeasurementInputError) -> (RowReading, [SettingsTally]) in
            let reading = try RowReading(mapping: mapping, columns: table, source: selection.name(of: name, group: label),
                                         requiring: requiring, lossRequired: lossRequired)
            let quantityColumns = Set(reading.index.values)
            let sizeColumn = [MeasuredQuantity.parameters, .compute, .tokens].lazy.compactMap { reading.index[$0] }.first
            return (reading, table.indices.filter { !quantityColumns.contains($0) }.map { SettingsTally(column: $0, sizeColumn: sizeColumn) })
        }

        try source.forEachRow { row throws(MeasurementInputError) in
            for (k, j) in conditionColumns.enumerated() {
                let cell = RowSelection.text(row.cells[j])
                seen[k].add(cell)
                guard selection.conditions[k].matches(cell) else { return }
                passed[k] += 1
            }
            var key: [RowSelection.CellKey] = []
            for (k, j) in groupColumns.enumerated() {
                let cell = RowSelection.text(row.cells[j])
                spellings[k].add(cell)
                key.append(RowSelection.CellKey(cell))
            }
            let slot: Int
            if let s = slots[key] {
                slot = s
            } else {
                slot = groups.count
                slots[key] = slot
                groups.append(MeasurementScan.Group(key: key))
            }
            if groups[slot].reading == nil {
                // Named as the group will be: its values' first spellings are the ones seen so far.
                (groups[slot].reading, groups[slot].settings) = try start(label(key))
            }
            let read = try groups[slot].reading!.point(row)
            if tallying { groups[slot].tally(read, row: row) }
            emit(slot, read.point)
        }
        for (k, n) in passed.enumerated() where n == 0 {
            throw .noRowSelected(file: name, condition: selection.conditions[k].description, column: table[conditionColumns[k]],
                                 values: seen[k].sorted.map { $0 ?? "(empty)" })
        }

        // The groups' order: by each grouping column's values in `DistinctValues` order.
        let orders = spellings.map(\.sorted)
        let ranks = orders.map { order in
            Dictionary(order.enumerated().map { (RowSelection.CellKey($0.element), $0.offset) }, uniquingKeysWith: { a, _ in a })
        }
        let rank = { (g: MeasurementScan.Group) in g.key.indices.map { ranks[$0][g.key[$0]] ?? 0 } }
        let order = groups.indices.sorted { rank(groups[$0]).lexicographicallyPrecedes(rank(groups[$1])) }.map { slot in
            (slot, label(groups[slot].key))
        }
        // Every group reads the same columns; a set of no rows (of measurements that are not a file) finds them here.
        let reading: RowReading
        if let first = groups.lazy.compactMap(\.reading).first { reading = first } else { reading = try start(nil).0 }
        return MeasurementScan(columns: reading.columns, groups: groups, order: order,
                               candidates: DataWarnings.candidates(table, used: reading.index, mapping: mapping))
    }
}

extension MeasurementScan {
    /// The warnings of the group in `slot` but the repeated points' (which need every row):
    /// candidate columns, settings columns, then C against 6ND; and the check itself.
    func warnings(slot: Int, names: [String]) -> (before: [String], after: [String], computeCheck: ComputeCheck?) {
        let check = ComputeCheck(ratios: groups[slot].ratios.filter(\.isFinite))
        return (candidates + groups[slot].settings.compactMap { $0.warning(names: names) },
                [check?.warning].compactMap { $0 }, check)
    }

    /// Refuses the group in `slot` when a scale column holds values no training run has (`ScaleFloor`).
    func checkScales(slot: Int, source: String) throws(MeasurementInputError) {
        for q in MeasuredQuantity.allCases {
            guard let range = groups[slot].ranges[q], let column = columns[q] else { continue }
            if let why = ScaleFloor.problem(low: range.lowerBound, high: range.upperBound, quantity: q, column: column) {
                throw .implausibleScale(file: source, detail: why)
            }
        }
    }
}

/// How the rows of one file become points: the columns found for each quantity, checked once,
/// then `point(_:)` for each row.
struct RowReading {
    let index: [MeasuredQuantity: Int]
    let columns: ColumnMapping
    let names: [String]
    let source: String
    /// The quantities every row must have, in `MeasuredQuantity.allCases` order.
    let neededInOrder: [MeasuredQuantity]
    /// The quantities' columns, left to right, so a row with several bad cells reports the first one, every time.
    let ordered: [(key: MeasuredQuantity, value: Int)]

    /// Finds the columns of `mapping` among `names` and checks that each required quantity
    /// (and the loss, when `lossRequired`) has one or can be derived: D = C/(6N), C = 6ND.
    init(mapping: ColumnMapping, columns names: [String], source: String, requiring: Set<ScaleVariable>,
         lossRequired: Bool) throws(MeasurementInputError) {
        let index = try mapping.resolve(in: names, source: source)
        let has = { (q: MeasuredQuantity) in index[q] != nil }
        var needed = Set(requiring.map(MeasuredQuantity.init))
        if lossRequired { needed.insert(.loss) }
        for q in MeasuredQuantity.allCases where needed.contains(q) && !has(q) {
            let derivable = (q == .tokens && has(.compute) && has(.parameters))
                || (q == .compute && has(.parameters) && has(.tokens))
            if !derivable {
                throw .missingColumn(file: source, quantity: q, lookedFor: q.aliases, available: names)
            }
        }
        var columns = ColumnMapping()
        for (q, i) in index { columns[q] = names[i] }
        self.index = index
        self.columns = columns
        self.names = names
        self.source = source
        self.neededInOrder = MeasuredQuantity.allCases.filter(needed.contains)
        self.ordered = index.sorted { $0.value < $1.value }
    }

    /// One row as a point: every cell checked, D = C/(6N) and C = 6ND derived where missing;
    /// with C/(6ND) when the row gives all three, and the variables derived.
    func point(_ row: RawTable.Row) throws(MeasurementInputError)
        -> (point: ScalePoint, ratio: Double?, derived: Set<ScaleVariable>)
    {
        // By quantity, in an array: a dictionary's hashing was a tenth of a million-row import.
        var value = Values()
        for (q, i) in ordered {
            value[q] = try MeasurementReader.number(row.cells[i], quantity: q, line: row.line, column: names[i], file: source)
        }
        var ratio: Double? = nil
        if let N = value[.parameters], let D = value[.tokens], let C = value[.compute] {
            ratio = C / (6 * N * D)
        }
        var derived = Set<ScaleVariable>()
        if value[.tokens] == nil, let C = value[.compute], let N = value[.parameters] {
            let D = C / (6 * N)
            guard D.isFinite, D > 0 else {
                throw .derivedNotFinite(file: source, line: row.line, quantity: .tokens, value: D,
                                        inputs: [show(.compute, C), show(.parameters, N)])
            }
            value[.tokens] = D
            derived.insert(.tokens)
        }
        if value[.compute] == nil, let N = value[.parameters], let D = value[.tokens] {
            let C = 6 * N * D
            guard C.isFinite, C > 0 else {
                throw .derivedNotFinite(file: source, line: row.line, quantity: .compute, value: C,
                                        inputs: [show(.parameters, N), show(.tokens, D)])
            }
            value[.compute] = C
            derived.insert(.compute)
        }
        for q in neededInOrder where value[q] == nil {
            // Name the empty cell: q's own column, or the empty input of its derivation.
            let inputs: [MeasuredQuantity] = q == .tokens ? [.compute, .parameters] : [.parameters, .tokens]
            let empty = index[q] != nil ? q : inputs.first { index[$0] != nil && value[$0] == nil } ?? q
            throw .missingValue(file: source, line: row.line, column: index[empty].map { names[$0] } ?? q.rawValue,
                                quantity: empty)
        }
        let point = ScalePoint(parameters: value[.parameters], tokens: value[.tokens], compute: value[.compute],
                               uniqueTokens: value[.uniqueTokens], loss: value[.loss], line: row.line)
        return (point, ratio, derived)
    }

    /// One row's values by quantity.
    private struct Values {
        private var n, d, c, u, l: Double?
        subscript(q: MeasuredQuantity) -> Double? {
            get {
                switch q {
                case .parameters: n
                case .tokens: d
                case .compute: c
                case .uniqueTokens: u
                case .loss: l
                }
            }
            set {
                switch q {
                case .parameters: n = newValue
                case .tokens: d = newValue
                case .compute: c = newValue
                case .uniqueTokens: u = newValue
                case .loss: l = newValue
                }
            }
        }
    }

    /// `N = 1e+200` (or `D = 2e+09 (derived)`): an input of a derivation, for messages.
    private func show(_ q: MeasuredQuantity, _ x: Double) -> String {
        "\(q.rawValue) = \(String(format: "%g", x))" + (index[q] == nil ? " (derived)" : "")
    }
}

/// The distinct values of a column, gathered one cell at a time, in the order messages and
/// groups list them: first spelling kept, numbers ascending when every value is a number, else text
/// ascending, a missing value last.
struct DistinctValues {
    private var seen: [String] = []
    private var keys = Set<RowSelection.CellKey>()
    private var missing = false
    /// The first spelling of each value.
    private var spellings: [RowSelection.CellKey: String] = [:]

    mutating func add(_ cell: String?) {
        guard let cell else { missing = true; return }
        let key = RowSelection.CellKey(cell)
        if keys.insert(key).inserted {
            seen.append(cell)
            spellings[key] = cell
        }
    }

    /// The first spelling of the value `key` (nil: missing, or never seen).
    func spelling(of key: RowSelection.CellKey) -> String? { spellings[key] }

    var sorted: [String?] {
        var out = seen
        let numbers = out.map(RowSelection.number)
        if numbers.allSatisfy({ $0 != nil }) {
            out = zip(out, numbers).sorted { $0.1! < $1.1! }.map(\.0)
        } else {
            out.sort()
        }
        return out.map { Optional($0) } + (missing ? [nil] : [])
    }
}
