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
        try points(from: RecordSource(bytes, file: source, format: format), source: source, requiring: requiring,
                   lossRequired: false)
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
        return try sets(from: RecordSource(bytes, file: path, format: format), source: path, format: format, requiring: requiring)
    }

    /// The bytes of the file at `path` and its format.
    func load(path: String) throws(MeasurementInputError) -> ([UInt8], MeasurementFileFormat) {
        let url = URL(fileURLWithPath: path)
        guard let format = format ?? MeasurementFileFormat(pathExtension: url.pathExtension) else {
            throw .unknownFormat(file: path, pathExtension: url.pathExtension)
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .fileNotFound(file: path)
        }
        guard !isDirectory.boolValue else { throw .unreadable(file: path, reason: "it is a directory") }
        // Read straight into the array: by way of `Data` a file's bytes are held twice at once.
        guard let file = fopen(path, "rb") else {
            throw .unreadable(file: path, reason: String(cString: strerror(errno)))
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        if fseeko(file, 0, SEEK_END) == 0 {
            let size = ftello(file)
            if size > 0 { bytes.reserveCapacity(Int(size)) }
            rewind(file)
        }
        let chunk = 1 << 20
        var buffer = [UInt8](repeating: 0, count: chunk)
        while true {
            let n = buffer.withUnsafeMutableBytes { fread($0.baseAddress, 1, chunk, file) }
            if n > 0 { bytes.append(contentsOf: buffer[0..<n]) }
            if n < chunk {
                if ferror(file) != 0 { throw .unreadable(file: path, reason: String(cString: strerror(errno))) }
                break
            }
        }
        return (bytes, format)
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
        return try whole.sets(from: RecordSource(bytes, file: source, format: format), source: source, format: format,
                              requiring: requiring)[0]
    }
}

// MARK: - From records to measurements (internal)

extension MeasurementReader {
    /// The rows `selection` keeps, one set per group, each named `source [conditions, group]`
    /// and carrying its warnings (`DataWarnings`): one pass of `scan`, keeping each point.
    func sets(from records: RecordSource, source: String, format: MeasurementFileFormat,
              requiring: Set<ScaleVariable>) throws(MeasurementInputError) -> [MeasurementSet]
    {
        var rows: [[Observation]] = []
        let scan = try scan(records, name: source, requiring: requiring, lossRequired: true) { slot, p in
            while rows.count <= slot { rows.append([]) }
            rows[slot].append(Observation(parameters: p.parameters, tokens: p.tokens, compute: p.compute,
                                          uniqueTokens: p.uniqueTokens, loss: p.loss!))
        }
        return scan.order.map { slot, label in
            let observations = slot < rows.count ? rows[slot] : []
            let warnings = scan.warnings(slot: slot, names: records.columns)
            var set = MeasurementSet(measurements: observations, source: selection.name(of: source, group: label), format: format,
                                     columns: scan.columns, derived: scan.groups[slot].derived, group: label,
                                     warnings: warnings.before + [DataWarnings.repeatedPoints(observations)].compactMap { $0 }
                                        + warnings.after)
            set.computeCheck = warnings.computeCheck
            return set
        }
    }

    /// Every row of `records` as a point (no selection): checked as `read` checks them, the
    /// loss optional unless `lossRequired`.
    func points(from records: RecordSource, source: String, requiring: Set<ScaleVariable>, lossRequired: Bool)
        throws(MeasurementInputError) -> [ScalePoint]
    {
        // Made at the first row, so that a file without rows says so before a column it lacks.
        var reading: RowReading? = nil
        var points: [ScalePoint] = []
        try records.forEachRow { row throws(MeasurementInputError) in
            if reading == nil {
                reading = try RowReading(mapping: mapping, columns: records.columns, source: source, requiring: requiring,
                                         lossRequired: lossRequired)
            }
            points.append(try reading!.point(row).point)
        }
        return points
    }

    /// The longest text read as a number. A decimal that long is not a number anyone wrote
    /// (a Double needs at most 17 significant digits); refusing it at once keeps a huge cell
    /// from costing seconds in the parser.
    static let longestNumber = 100

    /// The cell as a positive finite number, nil when empty.
    static func number(_ cell: RawCell, quantity: MeasuredQuantity, line: Int, column: String,
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
