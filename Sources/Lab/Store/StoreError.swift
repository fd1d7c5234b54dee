import Foundation
import GRDB

/// Why the run store could not do what was asked, with what to do about it.
///
/// Every case names the store: its file, or its PostgreSQL URL (without the password). Errors raised while opening or writing leave the file as it
/// was: each write is one transaction, and the checks that can refuse a store (not a database,
/// newer schema, locked) run before anything is written.
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError {
    /// `--store` names no file (or a PostgreSQL database without a store) and the command does
    /// not create one (status, export).
    case missing(path: String)
    /// The file exists but is not an SQLite database (or is damaged).
    case notADatabase(path: String, detail: String)
    /// The store was written by a newer ScaleLab: migrations we do not know, or a higher schema version.
    case newerSchema(path: String, schemaVersion: Int, supported: Int, unknownMigrations: [String])
    /// Another process holds the write lock longer than the busy timeout.
    case locked(path: String, detail: String)
    /// The file or its folder cannot be opened (permissions, missing folder); or the PostgreSQL
    /// server cannot be reached, refused the login, has no such database, or the connection was
    /// lost for longer than the store retries.
    case cannotOpen(path: String, detail: String)
    /// A command that writes got a store it cannot write: a read-only file or folder (another
    /// user's store, a read-only mount), or a store opened read-only.
    case readOnly(path: String, detail: String)
    /// The disk (or the PostgreSQL server's disk) ran out of space during a write: that write's
    /// transaction was rolled back, what was stored before is intact.
    case diskFull(path: String, detail: String)
    /// A run or sweep id that is not in the store.
    case noSuchRun(path: String, id: Int64)
    /// Any other failure of SQLite or PostgreSQL, with the database's message.
    case sqlite(path: String, detail: String)
    /// A JSON column of one run or fit (`table` is `run` or `fit`) does not decode to what it
    /// holds, or a column of a run's task evaluation (`table` is `evaluation`, `id` the run's, the
    /// row named in `detail`) is not what an evaluation holds: the store was edited by hand or
    /// damaged. Thrown by every read of that row.
    case corruptColumn(path: String, table: String, id: Int64, column: String, detail: String)
    /// A value could not be encoded as JSON for the store (`what` names the column or record).
    case unencodable(what: String, detail: String)

    public var description: String {
        // Which database speaks in the messages: "(SQLite: …)" or "(PostgreSQL: …)".
        func engine(_ path: String) -> String { PostgresLocation.isURL(path) ? "PostgreSQL" : "SQLite" }
        switch self {
        case let .missing(path) where PostgresLocation.isURL(path):
            return "\(path): no run store in this database; create one with `scalelab ladder plan --store URL` or `scalelab import FILE --store URL`, or point --store at an existing store"
        case let .cannotOpen(path, detail) where PostgresLocation.isURL(path):
            return "\(path): cannot open the store (PostgreSQL: \(detail)); nothing was changed"
        case let .readOnly(path, detail) where PostgresLocation.isURL(path):
            return "\(path): the store is read-only (PostgreSQL: \(detail)); this command writes to it: use a role that may write "
                + "to the store's tables, or a store opened for writing. Commands that only read (ladder status, export, report --store, "
                + "fit --store without saving) work on it as it is; nothing was changed"
        case let .missing(path):
            return "\(path): no run store here; create one with `scalelab ladder plan --store \(path)` or `scalelab import FILE --store \(path)`, or point --store at an existing store"
        case let .notADatabase(path, detail):
            return "\(path): not a ScaleLab run store (\(engine(path)): \(detail)); the file is damaged or is something else — point --store at a store or at a new path; nothing was changed"
        case let .newerSchema(path, version, supported, unknown):
            let names = unknown.isEmpty ? "" : " (unknown migrations: \(unknown.joined(separator: ", ")))"
            return "\(path): written by a newer ScaleLab (store schema version \(version), this scalelab understands up to \(supported))\(names); upgrade scalelab to use it; nothing was changed"
        case let .locked(path, detail):
            return "\(path): the store is locked by another process (\(engine(path)): \(detail)); wait for it to finish (for example a running `scalelab ladder run`) or stop it, then try again; nothing was changed"
        case let .cannotOpen(path, detail):
            return "\(path): cannot open the store (SQLite: \(detail)); check that the folder exists and is writable"
        case let .readOnly(path, detail):
            return "\(path): the store is read-only (\(detail)); this command writes to it: make the file and its folder writable "
                + "for this user, or copy the store to a writable place and pass that to --store. Commands that only read "
                + "(ladder status, export, report --store, fit --store without saving) work on it as it is; nothing was changed"
        case let .diskFull(path, detail) where PostgresLocation.isURL(path):
            return "\(path): the PostgreSQL server's disk is full (PostgreSQL: \(detail)); free space on the server and run "
                + "again. The write that failed was rolled back; what the store held before is intact"
        case let .diskFull(path, detail):
            return "\(path): the disk holding the store is full (SQLite: \(detail)); free space on it, or copy the store "
                + "to a disk with room and pass that to --store, then run again. The write that failed was rolled back; "
                + "what the store held before is intact"
        case let .noSuchRun(path, id):
            return "\(path): no run with id \(id); `scalelab ladder status --store \(path)` lists the runs"
        case let .sqlite(path, detail):
            return "\(path): store error (\(engine(path)): \(detail))"
        case let .corruptColumn(path, table, id, column, detail) where PostgresLocation.isURL(path):
            let (row, key) = table == "evaluation" ? ("run \(id)'s evaluation", "run_id") : ("\(table) \(id)", "id")
            return "\(path): \(row): column \(column) cannot be read (\(detail)); the store was edited or damaged. "
                + "Restore it from a backup, or repair or delete that \(table) with psql "
                + "(for example `psql '\(path)' -c 'DELETE FROM \(table) WHERE \(key) = \(id)'`), then try again; nothing was changed"
        case let .corruptColumn(path, table, id, column, detail):
            let (row, key) = table == "evaluation" ? ("run \(id)'s evaluation", "run_id") : ("\(table) \(id)", "id")
            // The sqlite3 shell leaves foreign keys off; a run's curve points go with it only with them on.
            let delete = "PRAGMA foreign_keys = ON; DELETE FROM \(table) WHERE \(key) = \(id)"
            return "\(path): \(row): column \(column) cannot be read (\(detail)); the store was edited or damaged. "
                + "Restore \(path) from a backup, or repair or delete that \(table) with sqlite3 "
                + "(for example `sqlite3 \(path) '\(delete)'`), then try again; nothing was changed"
        case let .unencodable(what, detail):
            return "cannot encode \(what) as JSON for the store (\(detail)); nothing was written"
        }
    }

    public var errorDescription: String? { description }

    /// Classifies any error thrown by GRDB for the store at `path`.
    static func from(_ error: any Error, path: String) -> StoreError {
        if let e = error as? StoreError { return e }
        guard let db = error as? DatabaseError else { return .sqlite(path: path, detail: "\(error)") }
        let detail = db.message ?? "\(db.resultCode)"
        switch db.resultCode {
        case .SQLITE_NOTADB, .SQLITE_CORRUPT: return .notADatabase(path: path, detail: detail)
        case .SQLITE_BUSY, .SQLITE_LOCKED: return .locked(path: path, detail: detail)
        case .SQLITE_READONLY: return .readOnly(path: path, detail: detail)
        case .SQLITE_CANTOPEN, .SQLITE_PERM: return .cannotOpen(path: path, detail: detail)
        case .SQLITE_FULL: return .diskFull(path: path, detail: detail)
        default: return .sqlite(path: path, detail: detail)
        }
    }
}
