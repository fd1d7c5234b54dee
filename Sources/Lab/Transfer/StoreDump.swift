import Foundation
import GRDB
import ScalingLaws

/// A whole run store as one versioned JSON Lines file: every row of every table, every column,
/// values exact, so a store moves between SQLite and PostgreSQL (`scalelab export --format
/// store`, then `scalelab import FILE --store …`) and comes back the same.
///
/// The format (version `format`):
/// ```
/// {"scalelab_store_dump":1,"schema_version":5,"scalelab_version":"0.1.0","rows":{"curve_point":2,"evaluation":5,"fit":1,"run":3,"sweep":1}}
/// {"table":"sweep","row":{"created_at":"2026-01-31 12:34:56.789","id":1,"kind":"isoflop",…}}
/// {"table":"run","row":{…}}
/// ```
/// - Line 1, the header: the dump format, the store's schema version (which columns the rows
///   have), the ScaleLab that wrote it, and the number of rows of each table (a file cut short is
///   refused).
/// - Then the rows of `sweep`, `run`, `curve_point`, `fit` and (schema 5 on) `evaluation`, in
///   that order (parents before children), each table by its key (`id`; `run_id, step`;
///   `run_id, step, task, metric`). Each row has every column of the schema, keys sorted, NULL
///   as `null`. A dump of an older schema has no rows (and no count) of a newer table.
/// - Values as the store holds them: integers as JSON integers, reals in the shortest text that
///   reads back to the same Double (bit for bit; the non-finite ones as "inf", "-inf" and "nan",
///   `JSONConventions`), text as JSON strings. Times are text in both backends
///   (`2026-01-31 12:34:56.789`, UTC) and are copied as they are.
///
/// The same store gives the same bytes from either backend, so `export → import → export` is a
/// byte-for-byte round trip.
public enum StoreDump {
    /// The dump format this build writes and reads.
    public static let format = 1

    /// The column types of the store, as the dump writes them.
    enum ColumnType: Sendable { case integer, real, text }

    /// One column: its name, its type, and the schema version that added it.
    struct Column: Sendable {
        let name: String
        let type: ColumnType
        let since: Int
    }

    /// One table of the store: its name, the key its rows are dumped in, whether `id` is an
    /// identity column (PostgreSQL's sequence is set after a restore), its columns, and the
    /// schema version that added it.
    struct Table: Sendable {
        let name: String
        let order: String
        let hasIdentity: Bool
        let allColumns: [Column]
        var since = 1

        /// The columns a store of `schemaVersion` has.
        func columns(in schemaVersion: Int) -> [Column] { allColumns.filter { $0.since <= schemaVersion } }
    }

    /// The tables a store of `schemaVersion` has, parents first.
    static func tables(in schemaVersion: Int) -> [Table] { tables.filter { $0.since <= schemaVersion } }

    /// The store's tables, parents first, and their columns: the schema of `StoreSchema` and
    /// `PostgresSchema` (a test checks the three agree).
    static let tables: [Table] = {
        func c(_ names: String, _ type: ColumnType, since: Int = 1) -> [Column] {
            names.split(separator: " ").map { Column(name: String($0), type: type, since: since) }
        }
        let (i, r, t) = (ColumnType.integer, ColumnType.real, ColumnType.text)
        return [
            Table(name: "sweep", order: "id", hasIdentity: true,
                  allColumns: c("id", i) + c("name kind spec_json scalelab_version created_at", t)),
            Table(name: "run", order: "id", hasIdentity: true, allColumns:
                  c("id sweep_id", i) + c("config_json arch", t) + c("seed", i)
                  + c("parameters non_embedding_parameters tokens flops budget unique_tokens", r)
                  + c("status message created_at started_at finished_at", t)
                  + c("wall_seconds tokens_per_second final_train_loss final_validation_loss final_bits_per_byte", r)
                  + c("checkpoint_path record_path", t) + c("worker_pid runner_pid", i) + c("heartbeat", t)
                  + c("attempts resumes", i) + c("record_json", t)
                  + c("runner_start_time worker_start_time", i, since: 2)
                  + c("executor job_id", t, since: 3) + c("array_job_id array_task_id", i, since: 3)
                  + c("log_path command metrics_json", t, since: 3)
                  + c("runner_host", t, since: 4)),
            Table(name: "curve_point", order: "run_id, step", hasIdentity: false,
                  allColumns: c("run_id step", i)
                  + c("tokens flops train_loss validation_loss validation_bits_per_byte learning_rate", r)
                  + c("gradient_squared_norm gradient_noise_trace", r, since: 6) + c("noise_measurements", i, since: 6)),
            Table(name: "fit", order: "id", hasIdentity: true,
                  allColumns: c("id", i) + c("law method data_hash", t) + c("points", i)
                  + c("parameters_json intervals_json scalelab_version created_at", t)),
            Table(name: "evaluation", order: "run_id, step, task, metric", hasIdentity: false,
                  allColumns: c("run_id step", i, since: 5) + c("tokens", r, since: 5) + c("task metric", t, since: 5)
                  + c("value", r, since: 5), since: 5),
        ]
    }()

    /// One value of a row.
    enum Value: Sendable, Equatable, Encodable {
        case null, integer(Int64), real(Double), text(String)

        func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            switch self {
            case .null: try c.encodeNil()
            case .integer(let i): try c.encode(i)
            case .real(let x): try c.encode(x)
            case .text(let s): try c.encode(s)
            }
        }

        /// For GRDB and postgres-nio: Int64, Double, String or NULL.
        var databaseValue: DatabaseValue {
            switch self {
            case .null: return .null
            case .integer(let i): return i.databaseValue
            case .real(let x): return x.databaseValue
            case .text(let s): return s.databaseValue
            }
        }
    }

    // MARK: - Writing

    /// The whole store as a dump (see `StoreDump`), read in one consistent snapshot.
    ///
    /// - Parameters:
    ///   - store: the store to dump (a read-only store is fine).
    ///   - version: the ScaleLab version written in the header.
    /// - Throws: `StoreError`; `corruptColumn` for a value whose type is not its column's (a
    ///   store edited by hand), naming the row and column.
    public static func text(_ store: RunStore, version: String) throws(StoreError) -> String {
        let schemaVersion = try store.schemaVersion()
        let path = store.path
        let dumped: [(Table, [[String: Value]])] = try store.read { db in
            try tables(in: schemaVersion).map { table in (table, try rows(of: table, schemaVersion: schemaVersion, db: db, path: path)) }
        }
        var counts: [String: Int] = [:]
        for (table, r) in dumped { counts[table.name] = r.count }
        var text = "{\"scalelab_store_dump\":\(format),\"schema_version\":\(schemaVersion),"
            + "\"scalelab_version\":\(try json(version, what: "the dump header")),\"rows\":\(try json(counts, what: "the dump header"))}\n"
        for (table, tableRows) in dumped {
            for row in tableRows {
                text += "{\"table\":\"\(table.name)\",\"row\":\(try json(row, what: "a \(table.name) row of the dump"))}\n"
            }
        }
        return text
    }

    /// The rows of one table, by its key, each value checked against its column's type.
    private static func rows(of table: Table, schemaVersion: Int, db: any StoreDatabase, path: String) throws -> [[String: Value]] {
        let columns = table.columns(in: schemaVersion)
        let sql = "SELECT \(columns.map(\.name).joined(separator: ", ")) FROM \(table.name) ORDER BY \(table.order)"
        return try db.fetchRows(sql: sql, arguments: []).map { row in
            var values: [String: Value] = [:]
            for column in columns {
                let value: Value
                switch ((row[column.name] as DatabaseValue).storage, column.type) {
                case (.null, _): value = .null
                case (.int64(let n), .integer): value = .integer(n)
                case (.double(let x), .real): value = .real(x)
                case (.int64(let n), .real): value = .real(Double(n))   // an integer in a REAL column (by hand): the same number
                case (.string(let s), .text): value = .text(s)
                case (let other, _):
                    let id = (row[table.hasIdentity ? "id" : "run_id"] as Int64?) ?? 0
                    throw StoreError.corruptColumn(path: path, table: table.name, id: id, column: column.name,
                                                   detail: "\(other) is not \(column.type.described), so the dump could not restore it exactly")
                }
                values[column.name] = value
            }
            return values
        }
    }

    /// `value` as JSON with ScaleLab's conventions (sorted keys, non-finite numbers as strings),
    /// paths' slashes left as they are.
    private static func json<T: Encodable>(_ value: T, what: String) throws(StoreError) -> String {
        do { return String(decoding: try JSONConventions.encoder(.withoutEscapingSlashes).encode(value), as: UTF8.self) } catch {
            throw .unencodable(what: what, detail: "\(error)")
        }
    }
}

extension StoreDump.ColumnType {
    /// "an integer", "a real number", "text".
    var described: String {
        switch self {
        case .integer: return "an integer"
        case .real: return "a number"
        case .text: return "text"
        }
    }
}
