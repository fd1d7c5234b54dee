/// One value of a raw table, before it is read as a number.
enum RawCell: Sendable, Equatable {
    /// Text as written (CSV fields, JSON strings).
    case text(String)
    /// A JSON number.
    case number(Double)
    /// Absent: an empty CSV field, a JSON null, or a key missing from a JSON object.
    case missing
    /// A JSON value that cannot be a number (true, an array, an object), as written for messages.
    case other(String)
    /// A JSON number too large for a Double (e.g. 1e400).
    case outOfRange
}

/// A file as named columns and rows, whatever its format. Internal: the readers produce it,
/// `MeasurementReader` turns it into measurements.
struct RawTable: Sendable {
    /// One record with the line it starts on (1-based).
    struct Row: Sendable {
        var line: Int
        /// Indexed like `RawTable.columns`.
        var cells: [RawCell]
    }

    var columns: [String]
    var rows: [Row]
}

/// A file's records, streamed: its columns, known up front, and its rows, handed over one at a
/// time in file order each time `forEachRow` is called (a reader that keeps only what it makes
/// of each row holds no table: `MeasurementScan`). Internal, like `RawTable`.
struct RecordSource {
    /// The columns' names, as in the file.
    var columns: [String]
    /// Calls its argument with each row (cells indexed like `columns`), in order.
    var forEachRow: ((RawTable.Row) throws(MeasurementInputError) -> Void) throws(MeasurementInputError) -> Void

    init(columns: [String],
         forEachRow: @escaping ((RawTable.Row) throws(MeasurementInputError) -> Void) throws(MeasurementInputError) -> Void) {
        self.columns = columns
        self.forEachRow = forEachRow
    }

    /// The rows of a table held in memory.
    init(_ table: RawTable) {
        self.init(columns: table.columns) { body throws(MeasurementInputError) in
            for row in table.rows { try body(row) }
        }
    }

    /// The bytes in `format`: CSV (`init(csv:file:)`) or JSON Lines (`init(jsonLines:file:)`).
    init(_ bytes: [UInt8], file: String, format: MeasurementFileFormat) throws(MeasurementInputError) {
        switch format {
        case .csv: try self.init(csv: bytes, file: file)
        case .jsonLines: try self.init(jsonLines: bytes, file: file)
        }
    }
}

extension RawTable {
    /// Every row of `source`, held.
    init(_ source: RecordSource) throws(MeasurementInputError) {
        var rows: [Row] = []
        try source.forEachRow { rows.append($0) }
        self.init(columns: source.columns, rows: rows)
    }
}

// MARK: - CSV (RFC 4180)

/// Calls `body` with each record of CSV bytes, in order, following RFC 4180, without holding
/// the records: a reader keeps only what it makes of each.
///
/// - Fields are separated by commas; records end at LF, CRLF or a lone CR.
/// - A field that starts with `"` is quoted: it may hold commas, line breaks and `""` (one quote).
/// - A UTF-8 byte-order mark at the start is skipped; blank lines are skipped anywhere.
/// - Each record keeps the line it starts on, so messages point at the right line even after
///   a quoted field that spans lines.
///
/// Throws `.malformedCSV` for a quote that is never closed, text after a closing quote, or a
/// quote inside an unquoted field. With `limit`, stops after that many records.
func forEachCSVRecord(_ bytes: [UInt8], file: String, limit: Int = .max,
                      _ body: (_ line: Int, _ fields: [String]) throws(MeasurementInputError) -> Void)
    throws(MeasurementInputError)
{
    let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), cr = UInt8(ascii: "\r"),
        lf = UInt8(ascii: "\n"), space = UInt8(ascii: " ")
    var fields: [String] = []
    var field: [UInt8] = []
    var quoted = false        // the current field started with a quote
    var inQuotes = false      // inside the quotes of the current field
    var line = 1, recordLine = 1, quoteLine = 1
    var i = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
    var delivered = 0

    func endField() {
        fields.append(String(decoding: field, as: UTF8.self))
        field.removeAll(keepingCapacity: true)
        quoted = false
    }
    func endRecord() throws(MeasurementInputError) {
        endField()
        let blank = fields.count == 1 && fields[0].allSatisfy { $0 == " " || $0 == "\t" }
        if !blank {
            try body(recordLine, fields)
            delivered += 1
        }
        fields.removeAll(keepingCapacity: true)
    }

    while i < bytes.count, delivered < limit {
        let c = bytes[i]
        i += 1
        if inQuotes {
            if c == quote {
                if i < bytes.count, bytes[i] == quote { field.append(quote); i += 1; continue }
                inQuotes = false
                while i < bytes.count, bytes[i] == space || bytes[i] == UInt8(ascii: "\t") { i += 1 }
                if i < bytes.count, ![comma, cr, lf].contains(bytes[i]) {
                    let end = bytes[i...].prefix(12).firstIndex { $0 == cr || $0 == lf || $0 == comma } ?? min(i + 12, bytes.count)
                    let rest = String(decoding: bytes[i..<end], as: UTF8.self)
                    throw .malformedCSV(file: file, line: line, detail:
                        "text '\(rest)' after a closing quote; a quoted field must end at a comma "
                        + "or the end of the line (write a quote inside a quoted field as \"\")")
                }
                continue
            }
            if c == lf || (c == cr && (i >= bytes.count || bytes[i] != lf)) { line += 1 }
            field.append(c)
            continue
        }
        switch c {
        case quote:
            guard field.allSatisfy({ $0 == space }), !quoted else {
                throw .malformedCSV(file: file, line: line, detail:
                    "a quote inside an unquoted field; enclose the whole field in quotes and "
                    + "write each quote in it as \"\"")
            }
            field.removeAll()
            quoted = true
            inQuotes = true
            quoteLine = line
        case comma:
            endField()
        case cr, lf:
            if c == cr, i < bytes.count, bytes[i] == lf { i += 1 }
            try endRecord()
            line += 1
            recordLine = line
        default:
            field.append(c)
        }
    }
    if delivered >= limit { return }
    if inQuotes {
        throw .malformedCSV(file: file, line: quoteLine, detail:
            "a quoted field starts here and is never closed; add the closing quote")
    }
    if !field.isEmpty || !fields.isEmpty || quoted { try endRecord() }
}

extension RecordSource {
    /// The records of a CSV file with a header line: the header is read at once, the rows each
    /// time `forEachRow` is called.
    ///
    /// Throws `.empty` without records; `forEachRow` throws `.headerOnly` without data rows and
    /// `.wrongFieldCount` for a row whose field count differs from the header's.
    init(csv bytes: [UInt8], file: String) throws(MeasurementInputError) {
        var header: [String]? = nil
        try forEachCSVRecord(bytes, file: file, limit: 1) { _, fields in header = fields.map { $0.trimmingSpaces } }
        guard let columns = header else { throw .empty(file: file, format: .csv) }
        self.init(columns: columns) { body throws(MeasurementInputError) in
            var first = true, rows = 0
            try forEachCSVRecord(bytes, file: file) { line, fields throws(MeasurementInputError) in
                if first { first = false; return }
                guard fields.count == columns.count else {
                    throw .wrongFieldCount(file: file, line: line, expected: columns.count, found: fields.count)
                }
                rows += 1
                try body(RawTable.Row(line: line, cells: fields.map { f -> RawCell in
                    let t = f.trimmingSpaces
                    return t.isEmpty ? .missing : .text(t)
                }))
            }
            guard rows > 0 else { throw .headerOnly(file: file, columns: columns) }
        }
    }
}

extension RawTable {
    /// A CSV file with a header line as a raw table: the rows of `RecordSource(csv:file:)`, held.
    init(csv bytes: [UInt8], file: String) throws(MeasurementInputError) {
        try self.init(RecordSource(csv: bytes, file: file))
    }
}

extension String {
    /// Without leading and trailing spaces and tabs.
    /// Works on the UTF-8 bytes (spaces and tabs are ASCII), so a huge cell costs one pass.
    var trimmingSpaces: String {
        let isSpace: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 }
        let u = utf8
        guard let first = u.firstIndex(where: { !isSpace($0) }),
              let last = u.lastIndex(where: { !isSpace($0) }) else { return "" }
        if first == u.startIndex && last == u.index(before: u.endIndex) { return self }
        return String(decoding: u[first...last], as: UTF8.self)
    }
}
