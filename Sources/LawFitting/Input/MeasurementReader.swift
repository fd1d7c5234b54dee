import Foundation
import ScalingLaws

/// The file formats measurements can be read from.
public enum MeasurementFileFormat: String, Sendable, Codable, CaseIterable {
    /// Comma-separated values with a header line (RFC 4180).
    case csv
    /// JSON Lines: one JSON object per line.
    case jsonLines = "jsonl"

    /// The format for a file extension (case-insensitive): `csv`; `jsonl`, `ndjson`, `json`.
    public init?(pathExtension: String) {
        switch pathExtension.lowercased() {
        case "csv": self = .csv
        case "jsonl", "ndjson", "json": self = .jsonLines
        default: return nil
        }
    }
}

/// Reads training-run results from CSV or JSON Lines into measurements.
///
/// Columns are found by their usual names (`MeasuredQuantity.aliases`: `params`, `tokens`,
/// `flops`, `unique_tokens`, `loss`, `val_loss`, ...; case, spaces, underscores and hyphens
/// ignored) or named in `mapping`. Missing quantities are derived under C = 6ND (Kaplan et al.
/// 2020, arXiv:2001.08361, Eq. 2.1 with the backward pass):
/// - D = C/(6N) when a row has C and N but no D;
/// - C = 6·N·D when a row has N and D but no C.
///
/// Every value read must be a finite number; N, D, C, U and the loss must be positive.
/// Errors name the file, line, column and value (`MeasurementInputError`).
///
/// ```swift
/// let set = try MeasurementReader().read(path: "runs.csv", requiring: [.parameters, .tokens])
/// ```
public struct MeasurementReader: Sendable {
    /// Columns named by the user; the rest are found by their usual names.
    public var mapping: ColumnMapping
    /// The format to read; nil chooses it from the file extension.
    public var format: MeasurementFileFormat?
    /// The rows to read (`--where`) and how to group them (`--group-by`). `read` applies the
    /// conditions only; `readGroups` also splits the rows into groups.
    public var selection: RowSelection

    /// A reader of the columns `mapping` names (the rest by their usual names), in `format`
    /// (nil: from the extension), of the rows `selection` keeps.
    public init(mapping: ColumnMapping = ColumnMapping(), format: MeasurementFileFormat? = nil,
                selection: RowSelection = RowSelection()) {
        self.mapping = mapping
        self.format = format
        self.selection = selection
    }

    /// Reads the file at `path`.
    ///
    /// - Parameters:
    ///   - path: a CSV or JSON-lines file; `format`, or else the extension, says which.
    ///   - requiring: the variables the law to be fitted reads (`LawFormula.variables`);
    ///     each must have a column or be derivable, and every row must have a value. The loss is
    ///     always required.
    public func read(path: String, requiring: Set<ScaleVariable> = [])
        throws(MeasurementInputError) -> MeasurementSet
    {
        let (bytes, format) = try load(path: path)
        return try read(bytes: bytes, source: path, format: format, requiring: requiring)
    }

    /// Reads the file at `path` as points to evaluate a law at (`scalelab predict --points`):
    /// like `read(path:requiring:)`, but the loss is optional, by column and by row; a point with
    /// a loss is one the law can be scored on.
    public func readPoints(path: String, requiring: Set<ScaleVariable> = [])
        throws(MeasurementInputError) -> [ScalePoint]
    {
        let (bytes, format) = try load(path: path)
        return try readPoints(bytes: bytes, source: path, format: format, requiring: requiring)
    }

    /// Reads points (`readPoints(path:requiring:)`) from the bytes of a file; `source` names it in messages.
    public func readPoints(bytes: [UInt8], source: String, format: MeasurementFileFormat,
                           requiring: Set<ScaleVariable> = []) throws(MeasurementInputError) -> [ScalePoint]
    {
        try points(from: table(bytes, source: source, format: format), source: source, requiring: requiring,
                   lossRequired: false).points
    }

    /// Reads the file at `path` and splits the rows `selection` keeps into one set per group of
    /// `selection.groupBy` (one set without it), in the groups' order (`RowSelection`).
    ///
    /// - Parameters:
    ///   - path: a CSV or JSON-lines file; `format`, or else the extension, says which.
    ///   - requiring: the variables every row must have (see `read(path:requiring:)`).
    public func readGroups(path: String, requiring: Set<ScaleVariable> = [])
        throws(MeasurementInputError) -> [MeasurementSet]
    {
        let (bytes, format) = try load(path: path)
        return try sets(from: table(bytes, source: path, format: format), source: path, format: format, requiring: requiring)
    }

    /// The bytes of the file at `path` and its format.
    private func load(path: String) throws(MeasurementInputError) -> ([UInt8], MeasurementFileFormat) {
        let url = URL(fileURLWithPath: path)
        guard let format = format ?? MeasurementFileFormat(pathExtension: url.pathExtension) else {
            throw .unknownFormat(file: path, pathExtension: url.pathExtension)
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .fileNotFound(file: path)
        }
        guard !isDirectory.boolValue else { throw .unreadable(file: path, reason: "it is a directory") }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw .unreadable(file: path, reason: error.localizedDescription)
        }
        return ([UInt8](data), format)
    }

    /// Reads the file at `url` (see `read(path:requiring:)`).
    public func read(contentsOf url: URL, requiring: Set<ScaleVariable> = [])
        throws(MeasurementInputError) -> MeasurementSet
    {
        try read(path: url.path, requiring: requiring)
    }

    /// Reads measurements from text already in memory; `source` names it in messages.
    public func read(text: String, source: String, format: MeasurementFileFormat,
                     requiring: Set<ScaleVariable> = []) throws(MeasurementInputError) -> MeasurementSet
    {
        try read(bytes: Array(text.utf8), source: source, format: format, requiring: requiring)
    }

    /// Reads measurements from the bytes of a file; `source` names it in messages.
    public func read(bytes: [UInt8], source: String, format: MeasurementFileFormat,
                     requiring: Set<ScaleVariable> = []) throws(MeasurementInputError) -> MeasurementSet
    {
        var whole = self
        whole.selection.groupBy = []
        return try whole.sets(from: table(bytes, source: source, format: format), source: source, format: format,
                              requiring: requiring)[0]
    }

    /// The bytes as a raw table.
    private func table(_ bytes: [UInt8], source: String, format: MeasurementFileFormat)
        throws(MeasurementInputError) -> RawTable
    {
        switch format {
        case .csv: try RawTable(csv: bytes, file: source)
        case .jsonLines: try RawTable(jsonLines: bytes, file: source)
        }
    }
}

// MARK: - From a raw table to measurements (internal)

extension MeasurementReader {
    /// The rows `selection` keeps, one set per group, each named `source [conditions, group]`
    /// and carrying its warnings (`DataWarnings`).
    func sets(from table: RawTable, source: String, format: MeasurementFileFormat,
              requiring: Set<ScaleVariable>) throws(MeasurementInputError) -> [MeasurementSet]
    {
        let kept = try selection.filter(table, source: source)
        var out: [MeasurementSet] = []
        for (label, rows) in try selection.groups(kept, source: source) {
            var set = try measurements(from: rows, source: selection.name(of: source, group: label), format: format,
                                       requiring: requiring)
            set.group = label
            out.append(set)
        }
        return out
    }

    /// Finds the columns, checks the required ones, and reads every row, with the data's
    /// warnings (`DataWarnings`) and the check of C against 6ND.
    func measurements(from table: RawTable, source: String, format: MeasurementFileFormat,
                      requiring: Set<ScaleVariable>) throws(MeasurementInputError) -> MeasurementSet
    {
        // Each point becomes its observation as it is read: a million rows never hold both (~90 MB).
        var observations: [Observation] = []
        observations.reserveCapacity(table.rows.count)
        let read = try points(from: table, source: source, requiring: requiring, lossRequired: true) { p in
            observations.append(Observation(parameters: p.parameters, tokens: p.tokens, compute: p.compute,
                                            uniqueTokens: p.uniqueTokens, loss: p.loss!))
        }
        let warnings = DataWarnings.candidates(table.columns, used: read.index, mapping: mapping)
            + DataWarnings.settings(table, used: read.index)
            + [DataWarnings.repeatedPoints(observations)].compactMap { $0 }
        var set = MeasurementSet(measurements: observations, source: source, format: format,
                                 columns: read.columns, derived: read.derived, warnings: warnings)
        set.computeCheck = ComputeCheck(ratios: read.computeRatios)
        if let w = set.computeCheck?.warning { set.warnings.append(w) }
        return set
    }

    /// Every row of `table` as a point: the columns found (`index`) and checked, D = C/(6N) and
    /// C = 6ND derived where missing, every value checked, and C/(6ND) of each row that gives all
    /// three; the loss is checked like the rest and, unless `lossRequired`, may be absent (no
    /// column, or an empty cell).
    func points(from table: RawTable, source: String, requiring: Set<ScaleVariable>, lossRequired: Bool)
        throws(MeasurementInputError) -> (points: [ScalePoint], index: [MeasuredQuantity: Int], columns: ColumnMapping,
                                          derived: Set<ScaleVariable>, computeRatios: [Double])
    {
        var result: [ScalePoint] = []
        result.reserveCapacity(table.rows.count)
        let read = try points(from: table, source: source, requiring: requiring, lossRequired: lossRequired) { result.append($0) }
        return (result, read.index, read.columns, read.derived, read.computeRatios)
    }

    /// `points(from:source:requiring:lossRequired:)`, handing each point to `emit` as it is read
    /// instead of returning them all.
    func points(from table: RawTable, source: String, requiring: Set<ScaleVariable>, lossRequired: Bool,
                emit: (ScalePoint) -> Void)
        throws(MeasurementInputError) -> (index: [MeasuredQuantity: Int], columns: ColumnMapping,
                                          derived: Set<ScaleVariable>, computeRatios: [Double])
    {
        let index = try mapping.resolve(in: table.columns, source: source)
        let has = { (q: MeasuredQuantity) in index[q] != nil }
        var needed = Set(requiring.map(MeasuredQuantity.init))
        if lossRequired { needed.insert(.loss) }
        for q in MeasuredQuantity.allCases where needed.contains(q) && !has(q) {
            let derivable = (q == .tokens && has(.compute) && has(.parameters))
                || (q == .compute && has(.parameters) && has(.tokens))
            if !derivable {
                throw .missingColumn(file: source, quantity: q, lookedFor: q.aliases, available: table.columns)
            }
        }

        var columns = ColumnMapping()
        for (q, i) in index { columns[q] = table.columns[i] }
        // Left to right, so a row with several bad cells reports the first one, every time.
        let ordered = index.sorted { $0.value < $1.value }
        var derived = Set<ScaleVariable>()
        var ratios: [Double] = []
        for row in table.rows {
            var value: [MeasuredQuantity: Double] = [:]
            for (q, i) in ordered {
                value[q] = try number(row.cells[i], quantity: q, line: row.line,
                                      column: table.columns[i], file: source)
            }
            if let N = value[.parameters], let D = value[.tokens], let C = value[.compute] {
                ratios.append(C / (6 * N * D))
            }
            if value[.tokens] == nil, let C = value[.compute], let N = value[.parameters] {
                let D = C / (6 * N)
                guard D.isFinite, D > 0 else {
                    throw .derivedNotFinite(file: source, line: row.line, quantity: .tokens, value: D,
                                            inputs: [Self.show(.compute, C, index, table), Self.show(.parameters, N, index, table)])
                }
                value[.tokens] = D
                derived.insert(.tokens)
            }
            if value[.compute] == nil, let N = value[.parameters], let D = value[.tokens] {
                let C = 6 * N * D
                guard C.isFinite, C > 0 else {
                    throw .derivedNotFinite(file: source, line: row.line, quantity: .compute, value: C,
                                            inputs: [Self.show(.parameters, N, index, table), Self.show(.tokens, D, index, table)])
                }
                value[.compute] = C
                derived.insert(.compute)
            }
            for q in MeasuredQuantity.allCases where needed.contains(q) && value[q] == nil {
                // Name the empty cell: q's own column, or the empty input of its derivation.
                let inputs: [MeasuredQuantity] = q == .tokens ? [.compute, .parameters] : [.parameters, .tokens]
                let empty = index[q] != nil ? q : inputs.first { index[$0] != nil && value[$0] == nil } ?? q
                throw .missingValue(file: source, line: row.line,
                                    column: index[empty].map { table.columns[$0] } ?? q.rawValue,
                                    quantity: empty)
            }
            emit(ScalePoint(
                parameters: value[.parameters], tokens: value[.tokens], compute: value[.compute],
                uniqueTokens: value[.uniqueTokens], loss: value[.loss], line: row.line))
        }
        return (index, columns, derived, ratios.filter(\.isFinite))
    }

    /// `N = 1e+200` (or `D = 2e+09 (derived)`): an input of a derivation, for messages.
    private static func show(_ q: MeasuredQuantity, _ x: Double, _ index: [MeasuredQuantity: Int],
                             _ table: RawTable) -> String {
        "\(q.rawValue) = \(String(format: "%g", x))" + (index[q] == nil ? " (derived)" : "")
    }

    /// The longest text read as a number. A decimal that long is not a number anyone wrote
    /// (a Double needs at most 17 significant digits); refusing it at once keeps a huge cell
    /// from costing seconds in the parser.
    static let longestNumber = 100

    /// The cell as a positive finite number, nil when empty.
    private func number(_ cell: RawCell, quantity: MeasuredQuantity, line: Int, column: String,
                        file: String) throws(MeasurementInputError) -> Double?
    {
        let x: Double
        let written: String
        switch cell {
        case .missing:
            return nil
        case .number(let v):
            x = v
            written = "\(v)"
        case .text(let s):
            guard s.utf8.count <= Self.longestNumber, let v = Double(s) else {
                throw .notANumber(file: file, line: line, column: column, value: s)
            }
            x = v
            written = s
        case .other(let what):
            throw .notANumber(file: file, line: line, column: column, value: what)
        case .outOfRange:
            throw .numberOutOfRange(file: file, line: line, column: column)
        }
        guard x.isFinite else { throw .notFinite(file: file, line: line, column: column, value: written) }
        guard x > 0 else {
            throw .notPositive(file: file, line: line, column: column, value: written, quantity: quantity)
        }
        return x
    }
}
