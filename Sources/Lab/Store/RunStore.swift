import Foundation
import GRDB

/// The run store: one SQLite file (default `scalelab.sqlite`) holding sweeps, runs, learning
/// curves and fits, opened through a GRDB `DatabasePool`.
///
/// - WAL mode: readers in other processes (`ladder status`, `export`) never wait for the
///   runner's writes and always see a committed state.
/// - Every write is one transaction: a failed import or a crash mid-write leaves nothing half done.
/// - Opening refuses, before writing anything, a file that is not a database, a store from a
///   newer schema (`StoreSchema`), and a store another process keeps locked beyond `busyTimeout`.
///
/// `RunStore` is a value that shares its connection pool; copies talk to the same file.
public struct RunStore: Sendable {
    /// The path given to `open`.
    public let path: String
    let pool: DatabasePool

    /// Opens the store at `path`, creating it (and its schema) if `create` and the file is missing.
    ///
    /// - Parameters:
    ///   - path: the store's SQLite file.
    ///   - create: whether a missing file is created; when false, a missing file throws
    ///     `StoreError.missing`.
    ///   - busyTimeout: how long a write waits for another process's write to finish
    ///     before failing with `StoreError.locked`. Five seconds rides out any single transaction of
    ///     the runner (each is milliseconds) while still failing fast on a store held locked.
    public static func open(path: String, create: Bool = true, busyTimeout: TimeInterval = 5) throws(StoreError) -> RunStore {
        let exists = FileManager.default.fileExists(atPath: path)
        if !exists && !create { throw .missing(path: path) }
        if exists { try checkHeader(path) }
        var config = Configuration()
        config.busyMode = .timeout(busyTimeout)
        config.label = "scalelab-store"
        config.prepareDatabase { db in try db.execute(sql: "PRAGMA foreign_keys = ON") }
        do {
            let pool = try DatabasePool(path: path, configuration: config)
            let store = RunStore(path: path, pool: pool)
            try store.checkSchema()
            try StoreSchema.migrator.migrate(pool)
            return store
        } catch {
            throw StoreError.from(error, path: path)
        }
    }

    private init(path: String, pool: DatabasePool) {
        self.path = path
        self.pool = pool
    }

    /// An existing non-empty file must start with SQLite's 16-byte magic string; checked
    /// before SQLite touches the file, so random bytes are refused without any change.
    private static func checkHeader(_ path: String) throws(StoreError) {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw .cannotOpen(path: path, detail: "cannot read the file")
        }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 16)) ?? Data()
        if head.isEmpty { return }
        guard head == Data("SQLite format 3\0".utf8) else {
            throw .notADatabase(path: path, detail: "file is not a database: it does not start with the SQLite header")
        }
    }

    /// Refuses a store written by a newer schema: a `user_version` above ours or migration
    /// identifiers we did not register. Read-only; runs before any migration.
    private func checkSchema() throws {
        let migrator = StoreSchema.migrator
        let (version, applied) = try pool.read { db in
            (try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0, try migrator.appliedIdentifiers(db))
        }
        let unknown = applied.subtracting(migrator.migrations).sorted()
        if version > StoreSchema.version || !unknown.isEmpty {
            throw StoreError.newerSchema(path: path, schemaVersion: version, supported: StoreSchema.version,
                                         unknownMigrations: unknown)
        }
    }

    /// The schema version of the open file (SQLite `user_version`).
    public func schemaVersion() throws(StoreError) -> Int {
        try read { db in try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0 }
    }

    /// Runs `body` in one write transaction; any error rolls it back and is classified.
    func write<T: Sendable>(_ body: @Sendable (Database) throws -> T) throws(StoreError) -> T {
        do { return try pool.write(body) } catch { throw StoreError.from(error, path: path) }
    }

    /// Runs `body` on a read-only snapshot.
    func read<T: Sendable>(_ body: @Sendable (Database) throws -> T) throws(StoreError) -> T {
        do { return try pool.read(body) } catch { throw StoreError.from(error, path: path) }
    }
}
