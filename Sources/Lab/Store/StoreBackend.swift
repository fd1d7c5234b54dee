import Foundation
import GRDB

/// The database a store lives in: what `RunStore` needs of SQLite (`SQLiteStore`) or
/// PostgreSQL (`PostgresStore`). Every store operation (RunStore+Runs.swift and the others) is
/// written once, as SQL run in one `write` or `read` transaction through `StoreDatabase`, so both
/// backends have the same semantics by construction; a backend only opens, checks the schema,
/// runs transactions and classifies its errors.
protocol StoreBackend: Sendable {
    /// Which SQL dialect `StoreDatabase` speaks (the few places where the SQL differs).
    var dialect: StoreDialect { get }
    /// Runs `body` in one write transaction, committed when it returns; any error rolls it back
    /// and is classified as a `StoreError`.
    func write<T: Sendable>(_ body: @Sendable (any StoreDatabase) throws -> T) throws(StoreError) -> T
    /// Runs `body` on a consistent snapshot, writing nothing.
    func read<T: Sendable>(_ body: @Sendable (any StoreDatabase) throws -> T) throws(StoreError) -> T
    /// The schema version of the store (SQLite `user_version`, PostgreSQL `scalelab_schema`).
    func schemaVersion() throws(StoreError) -> Int
    /// Closes the connections; later calls fail.
    func close()
}

/// The two SQL dialects of the store.
enum StoreDialect: Sendable {
    case sqlite, postgresql
}

/// One open transaction of a store: SQL with `?` placeholders and GRDB values, on either
/// backend. Rows come back as GRDB `Row`s (by column name), so the records (`StoredRun`, …)
/// decode the same way from both. Keep the SQL portable: standard SQL that SQLite and
/// PostgreSQL both run the same way (`COALESCE(SUM(x), 0)`, not `TOTAL(x)`; `NULLS FIRST`
/// where NULLs are ordered); `dialect` tells the rest (`FOR UPDATE SKIP LOCKED`).
protocol StoreDatabase {
    var dialect: StoreDialect { get }
    /// The rows of a query.
    func fetchRows(sql: String, arguments: [(any DatabaseValueConvertible)?]) throws -> [Row]
    /// Runs a statement that returns no rows.
    func execute(sql: String, arguments: [(any DatabaseValueConvertible)?]) throws
    /// Hands `body` a function that runs `sql` with one row of arguments, as often as `body`
    /// calls it: prepared once on SQLite (a million-row import spends its time binding, not
    /// compiling SQL).
    func executeRepeatedly(sql: String, _ body: (_ execute: ([(any DatabaseValueConvertible)?]) throws -> Void) throws -> Void) throws
}

/// A record with an integer primary key `id`, assigned by the store on insert.
protocol IdentifiedStoreRecord: FetchableRecord, EncodableRecord, TableRecord {
    var id: Int64? { get set }
}

extension Sweep: IdentifiedStoreRecord {}
extension StoredRun: IdentifiedStoreRecord {}
extension StoredFit: IdentifiedStoreRecord {}

extension StoreDatabase {
    func execute(sql: String) throws { try execute(sql: sql, arguments: []) }

    /// Every record a query returns.
    func fetchAll<R: FetchableRecord>(_ type: R.Type, sql: String, arguments: [(any DatabaseValueConvertible)?] = []) throws -> [R] {
        try fetchRows(sql: sql, arguments: arguments).map { try R(row: $0) }
    }

    /// The first record a query returns, or nil.
    func fetchOne<R: FetchableRecord>(_ type: R.Type, sql: String, arguments: [(any DatabaseValueConvertible)?] = []) throws -> R? {
        try fetchRows(sql: sql, arguments: arguments).first.map { try R(row: $0) }
    }

    /// The values of a one-column query (NULLs left out).
    func values<T: DatabaseValueConvertible>(_ type: T.Type, sql: String, arguments: [(any DatabaseValueConvertible)?] = []) throws -> [T] {
        try fetchRows(sql: sql, arguments: arguments).compactMap { row in
            guard let column = row.columnNames.first else { return nil }
            return row[column] as T?
        }
    }

    /// The record with this id, or nil.
    func fetch<R: IdentifiedStoreRecord>(_ type: R.Type, id: Int64) throws -> R? {
        try fetchOne(R.self, sql: "SELECT * FROM \(R.databaseTableName) WHERE id = ?", arguments: [id])
    }

    /// Inserts a record and sets its `id` to the one the store assigned.
    func insert<R: IdentifiedStoreRecord>(_ record: inout R) throws {
        var values = try record.databaseDictionary
        if record.id == nil { values["id"] = nil }
        let columns = values.keys.sorted()
        let sql = "INSERT INTO \(R.databaseTableName) (\(columns.joined(separator: ", "))) VALUES ("
            + Array(repeating: "?", count: columns.count).joined(separator: ", ") + ") RETURNING id"
        let rows = try fetchRows(sql: sql, arguments: columns.map { values[$0]! })
        guard let id = rows.first.flatMap({ $0["id"] as Int64? }) else {
            throw DatabaseError(resultCode: .SQLITE_ERROR, message: "INSERT INTO \(R.databaseTableName) returned no id")
        }
        record.id = id
    }

    /// Inserts a record without an id column (a curve point).
    func insert<R: EncodableRecord & TableRecord>(_ record: R) throws {
        let values = try record.databaseDictionary
        let columns = values.keys.sorted()
        try execute(sql: "INSERT INTO \(R.databaseTableName) (\(columns.joined(separator: ", "))) VALUES ("
                        + Array(repeating: "?", count: columns.count).joined(separator: ", ") + ")",
                    arguments: columns.map { values[$0]! })
    }

    /// Writes every column of a record over its row (by `id`).
    func update<R: IdentifiedStoreRecord>(_ record: R) throws {
        guard let id = record.id else { preconditionFailure("update of a \(R.databaseTableName) record without an id") }
        let values = try record.databaseDictionary
        let columns = values.keys.sorted().filter { $0 != "id" }
        try execute(sql: "UPDATE \(R.databaseTableName) SET " + columns.map { "\($0) = ?" }.joined(separator: ", ") + " WHERE id = ?",
                    arguments: columns.map { values[$0]! } + [id])
    }

    /// How many rows of `table` there are.
    func count(_ table: String) throws -> Int {
        try values(Int.self, sql: "SELECT COUNT(*) FROM \(table)").first ?? 0
    }
}
