import Foundation
import GRDB
import ScalingLaws

/// A store dump read and checked whole (`StoreDump.read(path:)`), ready to restore.
public struct StoreDumpContents: Sendable {
    /// The file it was read from (for messages).
    public let file: String
    /// The schema version of the store it was dumped from.
    public let schemaVersion: Int
    /// The ScaleLab that wrote it, as its header says.
    public let scalelabVersion: String?
    /// The rows of each table, in the order of the file.
    let rows: [String: [Row]]

    /// One row: the line it came from and its values in the order of `Table.columns(in:)`.
    struct Row: Sendable {
        let line: Int
        let values: [StoreDump.Value]
    }

    /// How many rows of each table the dump holds (`sweep`, `run`, `curve_point`, `fit`, and
    /// `evaluation` from schema 5 on).
    public var rowCounts: [String: Int] { rows.mapValues(\.count) }
}

extension StoreDump {
    /// Whether the file at `path` is a store dump: its first line is a JSON object with a
    /// `scalelab_store_dump` key. False for anything else (a CSV or JSON Lines file of runs,
    /// a file that cannot be read).
    public static func isDump(path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        guard let head = try? handle.read(upToCount: 1 << 16) else { return false }
        let first = head.prefix { $0 != UInt8(ascii: "\n") }
        return (try? JSONConventions.decoder().decode(Marker.self, from: Data(first))) != nil
    }

    /// Reads and checks a whole dump: the header (a newer format or schema is refused), then
    /// every line (JSON, a known table, every column of the dump's schema and no other, each
    /// value of its column's type), then the row counts against the header's.
    ///
    /// - Throws: `StoreDumpError`: `cannotRead`, `newer`, or `malformed` naming the line.
    public static func read(path: String) throws(StoreDumpError) -> StoreDumpContents {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw .cannotRead(file: path, detail: error.localizedDescription)
        }
        return try read(data, file: path)
    }

    /// `read(path:)` of a dump already in memory; `file` names it in errors.
    static func read(_ data: Data, file: String) throws(StoreDumpError) -> StoreDumpContents {
        let decoder = JSONConventions.decoder()
        let lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        guard let first = lines.first, !first.isEmpty else { throw .malformed(file: file, line: 1, detail: "the file is empty") }
        let header: Header
        do { header = try decoder.decode(Header.self, from: Data(first)) } catch {
            throw .malformed(file: file, line: 1, detail: "not a store dump header (\(StoreJSON.describe(error, as: Header.self)))")
        }
        if header.format > format { throw .newer(file: file, what: "store dump format", version: header.format, supported: format) }
        if header.schemaVersion > StoreSchema.version {
            throw .newer(file: file, what: "store schema version", version: header.schemaVersion, supported: StoreSchema.version)
        }
        guard header.format >= 1, header.schemaVersion >= 1 else {
            throw .malformed(file: file, line: 1, detail: "dump format \(header.format), schema version \(header.schemaVersion)")
        }
        let names = tables.map(\.name)
        if let unknown = header.rows.keys.sorted().first(where: { !names.contains($0) }) {
            throw .malformed(file: file, line: 1, detail: "the header counts rows of an unknown table '\(unknown)' (a dump has \(names.joined(separator: ", ")))")
        }
        var rows: [String: [StoreDumpContents.Row]] = Dictionary(uniqueKeysWithValues: names.map { ($0, []) })
        for (index, text) in lines.enumerated().dropFirst() where !text.allSatisfy({ $0 == 0x20 || $0 == 0x0D || $0 == 0x09 }) {
            let line = index + 1
            let parsed: Line
            do { parsed = try decoder.decode(Line.self, from: Data(text)) } catch {
                throw .malformed(file: file, line: line, detail: "not a dump row (\(StoreJSON.describe(error, as: Line.self)))")
            }
            guard let table = tables.first(where: { $0.name == parsed.table }) else {
                throw .malformed(file: file, line: line, detail: "unknown table '\(parsed.table)' (a dump has \(names.joined(separator: ", ")))")
            }
            guard table.since <= header.schemaVersion else {
                throw .malformed(file: file, line: line, detail: "a row of table '\(table.name)' in a dump of schema version \(header.schemaVersion), "
                                 + "which has no such table (it came with schema \(table.since))")
            }
            do throws(RowProblem) {
                rows[table.name]!.append(.init(line: line, values: try values(of: parsed.row, in: table, schemaVersion: header.schemaVersion)))
            } catch {
                throw .malformed(file: file, line: line, detail: "\(table.name) row: \(error.detail)")
            }
        }
        for name in names where (header.rows[name] ?? 0) != rows[name]!.count {
            throw .malformed(file: file, line: lines.count, detail: "the header (line 1) announces \(header.rows[name] ?? 0) \(name) rows "
                             + "but the file has \(rows[name]!.count)")
        }
        return StoreDumpContents(file: file, schemaVersion: header.schemaVersion, scalelabVersion: header.scalelabVersion, rows: rows)
    }

    /// A row's values in column order: every column of the schema present, no other, each of its type.
    private static func values(of row: [String: Raw], in table: Table, schemaVersion: Int) throws(RowProblem) -> [Value] {
        let columns = table.columns(in: schemaVersion)
        if let extra = row.keys.sorted().first(where: { key in !columns.contains { $0.name == key } }) {
            throw RowProblem(detail: "unknown column '\(extra)' (schema version \(schemaVersion))")
        }
        return try columns.map { column throws(RowProblem) -> Value in
            guard let raw = row[column.name] else { throw RowProblem(detail: "missing column '\(column.name)'") }
            switch (raw, column.type) {
            case (.null, _): return .null
            case (.number(let n?, _), .integer): return .integer(n)
            case (.number(_, let x), .real): return .real(x)
            case (.text(let s), .text): return .text(s)
            case (.text("inf"), .real): return .real(.infinity)
            case (.text("-inf"), .real): return .real(-.infinity)
            case (.text("nan"), .real): return .real(.nan)
            default: throw RowProblem(detail: "column '\(column.name)' must be \(column.type.described) or null, got \(raw)")
            }
        }
    }

    /// The first line: the dump format, schema version, writer, and rows per table.
    private struct Header: Decodable {
        let format: Int
        let schemaVersion: Int
        let scalelabVersion: String?
        let rows: [String: Int]
        enum CodingKeys: String, CodingKey {
            case format = "scalelab_store_dump", schemaVersion = "schema_version", scalelabVersion = "scalelab_version", rows
        }
    }

    /// Just enough of a header to recognize a dump.
    private struct Marker: Decodable {
        let scalelab_store_dump: Int
    }

    /// One row line.
    private struct Line: Decodable {
        let table: String
        let row: [String: Raw]
    }

    /// A JSON value of a row, before its column's type is known: a number keeps both readings
    /// (an Int64 when it is one, and the Double), so a 64-bit integer and -0.0 both stay exact.
    enum Raw: Decodable, CustomStringConvertible {
        case null, number(Int64?, Double), text(String)

        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if c.decodeNil() { self = .null; return }
            if let s = try? c.decode(String.self) { self = .text(s); return }
            guard let x = try? c.decode(Double.self) else {
                throw DecodingError.typeMismatch(Raw.self, .init(codingPath: decoder.codingPath,
                                                                 debugDescription: "expected a number, a string or null"))
            }
            self = .number(try? c.decode(Int64.self), x)
        }

        var description: String {
            switch self {
            case .null: return "null"
            case .number(let n, let x): return n.map { "\($0)" } ?? "\(x)"
            case .text(let s): return "\"\(s.prefix(40))\(s.count > 40 ? "…" : "")\""
            }
        }
    }

    /// What is wrong with one row (becomes `malformed` with its line).
    struct RowProblem: Error { let detail: String }
}

extension RunStore {
    /// Restores a dump (`StoreDump.read(path:)`) into this store, which must be empty: every
    /// row with its own ids, in one transaction; on PostgreSQL the id sequences are then set past
    /// the largest id, so later inserts do not collide.
    ///
    /// Columns the dump's (older) schema lacks keep their defaults. A non-empty store throws
    /// `notEmpty` and a NaN bound for SQLite (which would store NULL) `malformed`, both before
    /// writing; a failed write rolls everything back.
    ///
    /// - Returns: the rows restored per table.
    @discardableResult
    public func restore(_ dump: StoreDumpContents) throws(StoreDumpError) -> [String: Int] {
        if backend.dialect == .sqlite { try Self.refuseNaN(dump) }
        let occupied: [String: Int]?
        do {
            occupied = try write { db in
                var counts: [String: Int] = [:]
                for table in StoreDump.tables { counts[table.name] = try db.count(table.name) }
                if counts.values.contains(where: { $0 > 0 }) { return counts }
                for table in StoreDump.tables(in: dump.schemaVersion) {
                    try Self.insert(dump.rows[table.name] ?? [], into: table, schemaVersion: dump.schemaVersion, db)
                }
                if db.dialect == .postgresql {
                    for table in StoreDump.tables where table.hasIdentity {
                        _ = try db.fetchRows(sql: "SELECT setval(pg_get_serial_sequence('\(table.name)', 'id'), "
                                                + "COALESCE(MAX(id), 0) + 1, false) FROM \(table.name)", arguments: [])
                    }
                }
                return nil
            }
        } catch {
            throw .store(error)
        }
        if let occupied { throw .notEmpty(path: path, rows: occupied) }
        return dump.rowCounts
    }

    /// Inserts rows in statements of up to 999 values (SQLite's historical bound-parameter limit).
    private static func insert(_ rows: [StoreDumpContents.Row], into table: StoreDump.Table, schemaVersion: Int,
                               _ db: any StoreDatabase) throws {
        let columns = table.columns(in: schemaVersion).map(\.name)
        let tuple = "(" + Array(repeating: "?", count: columns.count).joined(separator: ", ") + ")"
        let perStatement = max(1, 999 / columns.count)
        var start = 0
        while start < rows.count {
            let batch = rows[start..<min(start + perStatement, rows.count)]
            let sql = "INSERT INTO \(table.name) (\(columns.joined(separator: ", "))) VALUES "
                + Array(repeating: tuple, count: batch.count).joined(separator: ", ")
            try db.execute(sql: sql, arguments: batch.flatMap { $0.values.map(\.databaseValue) })
            start += batch.count
        }
    }

    /// SQLite stores a NaN as NULL, so a dump with one cannot be restored there exactly.
    private static func refuseNaN(_ dump: StoreDumpContents) throws(StoreDumpError) {
        for table in StoreDump.tables {
            let columns = table.columns(in: dump.schemaVersion)
            for row in dump.rows[table.name] ?? [] {
                guard let i = row.values.firstIndex(where: { if case .real(let x) = $0 { return x.isNaN } else { return false } }) else { continue }
                throw .malformed(file: dump.file, line: row.line, detail: "column '\(columns[i].name)' of this \(table.name) row is NaN, "
                                 + "which SQLite cannot hold (it would store NULL); restore the dump into PostgreSQL, or correct the value")
            }
        }
    }
}
