import Foundation

/// Why a store dump (`StoreDump`) could not be read or restored, with what to do about it.
/// Every case leaves the destination store as it was: the dump is read and checked whole
/// before the store is touched, and the restore is one transaction.
public enum StoreDumpError: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError {
    /// The file cannot be read.
    case cannotRead(file: String, detail: String)
    /// Line `line` of the file is not what a dump has there (not JSON, an unknown table, a
    /// missing or unknown column, a value of the wrong type), or the file is cut short.
    case malformed(file: String, line: Int, detail: String)
    /// The dump was written by a newer ScaleLab: a newer dump format or store schema.
    case newer(file: String, what: String, version: Int, supported: Int)
    /// The destination store already holds rows (by table); a dump is restored only into an empty store.
    case notEmpty(path: String, rows: [String: Int])
    /// The store failed (opening, reading, writing).
    case store(StoreError)

    public var description: String {
        switch self {
        case let .cannotRead(file, detail):
            return "\(file): cannot read the store dump (\(detail))"
        case let .malformed(file, line, detail):
            return "\(file), line \(line): \(detail); nothing was stored (a store dump is read as "
                + "`scalelab export --format store` wrote it: unedited and whole)"
        case let .newer(file, what, version, supported):
            return "\(file): written by a newer ScaleLab (\(what) \(version), this scalelab understands up to \(supported)); "
                + "upgrade scalelab to restore it; nothing was stored"
        case let .notEmpty(path, rows):
            let held = StoreDump.tables.compactMap { t in rows[t.name].flatMap { $0 > 0 ? "\($0) \(t.name) row\($0 == 1 ? "" : "s")" : nil } }
            let fresh = PostgresLocation.isURL(path)
                ? "a new schema of the database (add ?schema=NEW_NAME to the URL)" : "a new file (--store NEW.sqlite)"
            return "\(path): the store is not empty (\(held.joined(separator: ", "))); a store dump is restored only into an "
                + "empty store, so that every id stays the same: restore it into \(fresh); nothing was changed"
        case let .store(e):
            return e.description
        }
    }

    public var errorDescription: String? { description }
}
