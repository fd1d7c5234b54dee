import Foundation
import GRDB

/// The run store: sweeps, runs, learning curves and fits, in one SQLite file (default
/// `scalelab.sqlite`, through GRDB) or in a PostgreSQL database (`postgresql://…`, through
/// postgres-nio; docs/postgres.md). Both have the same schema, migrations and semantics: every
/// operation is written once over `StoreBackend`.
///
/// - Every write is one transaction: a failed import or a crash mid-write leaves nothing half done.
/// - Claiming a run is one transaction (PostgreSQL: `SELECT … FOR UPDATE SKIP LOCKED`), so two
///   runners on one store never train the same run.
/// - Opening refuses, before writing anything, a store from a newer schema (`StoreSchema`), and
///   for SQLite a file that is not a database and a store another process keeps locked beyond
///   `busyTimeout`; a refused store keeps every byte.
/// - `open(readOnly: true)` (the commands that only read: `ladder status`, `export`, `report
///   --store`) writes nothing; for SQLite it needs no write permission on the file or its folder.
/// - PostgreSQL: a lost connection is retried with back-off for a minute, then a `cannotOpen`
///   error naming the server; nothing committed is lost.
///
/// `RunStore` is a value that shares its connections; copies talk to the same store.
public struct RunStore: Sendable {
    /// The location given to `open`: the SQLite file's path, or the PostgreSQL URL without its password.
    public let path: String
    /// Opened with `readOnly: true`: every write throws `StoreError.readOnly`.
    public let isReadOnly: Bool
    let backend: any StoreBackend

    /// Opens the store at `location`: a PostgreSQL URL (`postgresql://user@host:port/database`,
    /// see docs/postgres.md) or an SQLite file's path (`open(path:create:readOnly:busyTimeout:)`).
    ///
    /// - Parameters:
    ///   - location: the store's file or URL.
    ///   - create: whether a missing store is created; when false, a missing file (or a database
    ///     without a store) throws `StoreError.missing`.
    ///   - readOnly: open for reading only: nothing is written, migrated or created.
    ///   - busyTimeout: SQLite: how long a write waits for another process's write to finish
    ///     before failing with `StoreError.locked`. (PostgreSQL writers wait for row locks
    ///     as long as they are held; claiming skips locked runs.)
    public static func open(location: String, create: Bool = true, readOnly: Bool = false,
                            busyTimeout: TimeInterval = 5) throws(StoreError) -> RunStore {
        if PostgresLocation.isURL(location) {
            let store = try PostgresStore.open(url: location, create: create, readOnly: readOnly)
            return RunStore(path: store.path, isReadOnly: readOnly, backend: store)
        }
        let store = try SQLiteStore.open(path: location, create: create, readOnly: readOnly, busyTimeout: busyTimeout)
        return RunStore(path: location, isReadOnly: readOnly, backend: store)
    }

    /// Opens the store at `path`, creating it (and its schema) if `create` and the file is missing.
    /// A `postgresql://` URL opens a PostgreSQL store (`open(location:create:readOnly:busyTimeout:)`).
    ///
    /// - Parameters:
    ///   - path: the store's SQLite file.
    ///   - create: whether a missing file is created; when false, a missing file throws
    ///     `StoreError.missing`.
    ///   - readOnly: open for reading only: nothing is written, migrated or created (not even a
    ///     `-wal` file), so a store on a read-only mount or owned by another user can be read.
    ///   - busyTimeout: how long a write waits for another process's write to finish before
    ///     failing with `StoreError.locked`. Five seconds rides out any single transaction of the
    ///     runner (each is milliseconds); the runner retries on top of it (`RunnerOptions.lockTimeout`).
    public static func open(path: String, create: Bool = true, readOnly: Bool = false,
                            busyTimeout: TimeInterval = 5) throws(StoreError) -> RunStore {
        try open(location: path, create: create, readOnly: readOnly, busyTimeout: busyTimeout)
    }

    init(path: String, isReadOnly: Bool, backend: any StoreBackend) {
        self.path = path
        self.isReadOnly = isReadOnly
        self.backend = backend
    }

    /// Whether `location` names a PostgreSQL store (`postgresql://…` or `postgres://…`) rather than a file.
    public static func isPostgreSQL(_ location: String) -> Bool { PostgresLocation.isURL(location) }

    /// Why a read-write open cannot write the SQLite file `path` (the file, or its folder where
    /// SQLite keeps the `-wal` and `-shm` files), or nil when it can (and for a PostgreSQL URL).
    public static func notWritable(_ path: String) -> String? {
        PostgresLocation.isURL(path) ? nil : SQLiteStore.notWritable(path)
    }

    /// The SQLite backend's connection pool (SQLite-only tests and tools).
    var pool: any DatabaseWriter {
        guard let sqlite = backend as? SQLiteStore else { preconditionFailure("\(path) is not an SQLite store") }
        return sqlite.pool
    }

    /// Closes the store's connections; the value must not be used afterwards.
    public func close() { backend.close() }

    /// The schema version of the store (SQLite `user_version`; PostgreSQL: `scalelab_schema`).
    public func schemaVersion() throws(StoreError) -> Int {
        try backend.schemaVersion()
    }

    /// Runs `body` in one write transaction; any error rolls it back and is classified.
    /// A store opened read-only throws `readOnly` without touching it.
    func write<T: Sendable>(_ body: @Sendable (any StoreDatabase) throws -> T) throws(StoreError) -> T {
        if isReadOnly { throw .readOnly(path: path, detail: "the store was opened read-only") }
        return try backend.write(body)
    }

    /// Runs `body` on a read-only snapshot.
    func read<T: Sendable>(_ body: @Sendable (any StoreDatabase) throws -> T) throws(StoreError) -> T {
        try backend.read(body)
    }
}
