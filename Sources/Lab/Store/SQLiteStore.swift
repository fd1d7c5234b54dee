import Foundation
import GRDB

/// The SQLite backend of the run store: one file, opened through a GRDB `DatabasePool` (or,
/// read-only, a `DatabaseQueue`).
///
/// - WAL mode: readers in other processes (`ladder status`, `export`) never wait for the
///   runner's writes and always see a committed state.
/// - Opening refuses, before writing anything, a file that is not a database, a store from a
///   newer schema (`StoreSchema`), and a store another process keeps locked beyond `busyTimeout`.
///   The checks run on the file's header and on a read-only connection that creates no file
///   (SQLite `immutable` when no `-wal` file exists), so a refused store keeps every byte.
/// - A read-only open writes nothing and needs no write permission on the file or its folder.
struct SQLiteStore: StoreBackend {
    let path: String
    let pool: any DatabaseWriter
    var dialect: StoreDialect { .sqlite }

    /// Opens the store file at `path`; see `RunStore.open(path:create:readOnly:busyTimeout:)`.
    static func open(path: String, create: Bool, readOnly: Bool, busyTimeout: TimeInterval) throws(StoreError) -> SQLiteStore {
        let exists = FileManager.default.fileExists(atPath: path)
        if !exists && (!create || readOnly) { throw .missing(path: path) }
        if exists {
            try checkHeader(path)
            // Schema and integrity checks on a connection that writes and creates nothing.
            let checker = try readOnlyQueue(path, busyTimeout: busyTimeout)
            let applied: Set<String>
            do { applied = try checkSchema(checker, path: path) } catch {
                try? checker.close()
                throw error
            }
            if readOnly {
                guard !applied.isEmpty else {   // an empty SQLite file: no store in it
                    try? checker.close()
                    throw .missing(path: path)
                }
                return SQLiteStore(path: path, pool: checker)
            }
            try? checker.close()
            if let reason = notWritable(path) { throw .readOnly(path: path, detail: reason) }
        }
        var config = Configuration()
        config.busyMode = .timeout(busyTimeout)
        config.label = "scalelab-store"
        config.prepareDatabase { db in try db.execute(sql: "PRAGMA foreign_keys = ON") }
        do {
            let pool = try DatabasePool(path: path, configuration: config)
            try StoreSchema.migrator.migrate(pool)
            return SQLiteStore(path: path, pool: pool)
        } catch {
            throw StoreError.from(error, path: path)
        }
    }

    func write<T: Sendable>(_ body: @Sendable (any StoreDatabase) throws -> T) throws(StoreError) -> T {
        do { return try pool.write { db in try body(SQLiteDatabase(db: db)) } } catch { throw StoreError.from(error, path: path) }
    }

    func read<T: Sendable>(_ body: @Sendable (any StoreDatabase) throws -> T) throws(StoreError) -> T {
        do { return try pool.read { db in try body(SQLiteDatabase(db: db)) } } catch { throw StoreError.from(error, path: path) }
    }

    func schemaVersion() throws(StoreError) -> Int {
        do { return try pool.read { db in try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0 } } catch {
            throw StoreError.from(error, path: path)
        }
    }

    func close() { try? pool.close() }

    /// A read-only connection that changes nothing on disk: with SQLite's `immutable` flag when
    /// no `-wal` or `-journal` file exists (no other process is using the store, and no `-shm`
    /// or `-wal` file is created, so this also works in a read-only folder), else `mode=ro`, which
    /// reads the committed state of a store in use through its existing WAL files.
    private static func readOnlyQueue(_ path: String, busyTimeout: TimeInterval) throws(StoreError) -> DatabaseQueue {
        var config = Configuration()
        config.readonly = true
        config.busyMode = .timeout(busyTimeout)
        config.label = "scalelab-store-readonly"
        let inUse = FileManager.default.fileExists(atPath: path + "-wal") || FileManager.default.fileExists(atPath: path + "-journal")
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        // SQLite URI filename: %, ? and # must be escaped in the path.
        var escaped = ""
        for c in absolute.unicodeScalars {
            switch c {
            case "%": escaped += "%25"
            case "?": escaped += "%3F"
            case "#": escaped += "%23"
            default: escaped.unicodeScalars.append(c)
            }
        }
        let uri = "file:" + escaped + (inUse ? "?mode=ro" : "?mode=ro&immutable=1")
        do { return try DatabaseQueue(path: uri, configuration: config) } catch {
            throw StoreError.from(error, path: path)
        }
    }

    /// Why a read-write open cannot write `path` (the file, or its folder where SQLite keeps the
    /// `-wal` and `-shm` files), or nil when it can.
    static func notWritable(_ path: String) -> String? {
        if access(path, W_OK) != 0 {
            return "the file is not writable: \(String(cString: strerror(errno)))"
        }
        let folder = (path as NSString).deletingLastPathComponent
        let dir = folder.isEmpty ? "." : folder
        let walFilesExist = FileManager.default.fileExists(atPath: path + "-wal") && FileManager.default.fileExists(atPath: path + "-shm")
        if !walFilesExist, access(dir, W_OK) != 0 {
            return "its folder \(dir) is not writable (SQLite keeps \((path as NSString).lastPathComponent)-wal and -shm next to the store): \(String(cString: strerror(errno)))"
        }
        return nil
    }

    /// An existing non-empty file must start with SQLite's 16-byte magic string, and its header's
    /// schema version (SQLite `user_version`, bytes 60–63) must not be above ours; checked
    /// before SQLite touches the file, so random bytes and newer stores are refused without any change.
    private static func checkHeader(_ path: String) throws(StoreError) {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw .cannotOpen(path: path, detail: "cannot read the file")
        }
        defer { try? handle.close() }
        let head: Data
        do { head = try handle.read(upToCount: 100) ?? Data() } catch {
            throw .cannotOpen(path: path, detail: "cannot read the file: \(error.localizedDescription)")
        }
        if head.isEmpty { return }
        guard head.count == 100, head.prefix(16) == Data("SQLite format 3\0".utf8) else {
            throw .notADatabase(path: path, detail: "file is not a database: it does not start with the SQLite header")
        }
        let version = head[60..<64].reduce(0) { $0 << 8 | Int($1) }
        if version > StoreSchema.version {
            throw .newerSchema(path: path, schemaVersion: version, supported: StoreSchema.version, unknownMigrations: [])
        }
    }

    /// Refuses a store written by a newer schema: a `user_version` above ours or migration
    /// identifiers we did not register. Read-only; runs before any migration. Returns the
    /// migrations the file has. Reading the schema also refuses a damaged file.
    private static func checkSchema(_ reader: any DatabaseReader, path: String) throws(StoreError) -> Set<String> {
        let migrator = StoreSchema.migrator
        let version: Int, applied: Set<String>
        do {
            (version, applied) = try reader.read { db in
                (try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0, try migrator.appliedIdentifiers(db))
            }
        } catch {
            throw StoreError.from(error, path: path)
        }
        let unknown = applied.subtracting(migrator.migrations).sorted()
        if version > StoreSchema.version || !unknown.isEmpty {
            throw .newerSchema(path: path, schemaVersion: version, supported: StoreSchema.version, unknownMigrations: unknown)
        }
        return applied
    }
}

/// A GRDB connection inside a transaction, as a `StoreDatabase`.
struct SQLiteDatabase: StoreDatabase {
    let db: Database
    var dialect: StoreDialect { .sqlite }

    func fetchRows(sql: String, arguments: [(any DatabaseValueConvertible)?]) throws -> [Row] {
        try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments))
    }

    func execute(sql: String, arguments: [(any DatabaseValueConvertible)?]) throws {
        try db.execute(sql: sql, arguments: StatementArguments(arguments))
    }

    func executeRepeatedly(sql: String, _ body: (_ execute: ([(any DatabaseValueConvertible)?]) throws -> Void) throws -> Void) throws {
        let statement = try db.makeStatement(sql: sql)
        try body { arguments in
            // Unchecked: the callers bind as many values as the statement has placeholders.
            statement.setUncheckedArguments(StatementArguments(arguments))
            try statement.execute()
        }
    }
}
