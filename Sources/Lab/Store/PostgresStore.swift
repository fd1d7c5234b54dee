import Foundation
import GRDB
import PostgresNIO

/// The PostgreSQL backend of the run store (`--store postgresql://…`), through postgres-nio.
///
/// - One connection per `RunStore` (copies share it), used by one transaction at a time; the
///   API is synchronous, so each call blocks on postgres-nio's futures (never call it from an
///   event-loop thread).
/// - Every operation is one transaction (`BEGIN … COMMIT`); reads run in a `REPEATABLE READ
///   READ ONLY` transaction, so they see one committed state, like SQLite's WAL readers.
/// - A lost connection (the server restarted, the backend was terminated, the network dropped)
///   rolls the transaction back on the server; the operation reconnects and runs again, with
///   back-off, for up to `reconnectWindow` seconds, then throws `cannotOpen` naming the server.
///   Serialization failures and deadlocks are retried the same way. Nothing committed is lost.
/// - Opening checks the schema before writing anything: a store of a newer schema
///   (`PostgresSchema`) is refused; otherwise the missing migrations run in one transaction,
///   under an advisory lock so concurrent opens do not race.
final class PostgresStore: StoreBackend, @unchecked Sendable {
    let location: PostgresLocation
    /// The URL without its password: `RunStore.path`.
    let path: String
    let reconnectWindow: TimeInterval
    var dialect: StoreDialect { .postgresql }

    private let configuration: PostgresConnection.Configuration
    /// Guards `connection` and serializes transactions on it.
    private let lock = NSLock()
    private var connection: PostgresConnection?
    private var closed = false
    private static let logger: Logger = {
        var l = Logger(label: "scalelab.store.postgresql")
        l.logLevel = .critical
        return l
    }()
    /// An arbitrary constant naming ScaleLab's migration lock (`pg_advisory_xact_lock`).
    private static let migrationLock: Int64 = 0x5CA1E1AB

    private init(location: PostgresLocation, path: String, reconnectWindow: TimeInterval) throws(StoreError) {
        self.location = location
        self.path = path
        self.reconnectWindow = reconnectWindow
        self.configuration = try location.configuration()
    }

    deinit {
        // postgres-nio wants every connection closed before it goes away.
        guard let c = connection else { return }
        if MultiThreadedEventLoopGroup.currentEventLoop == nil { try? c.close().wait() } else { let _: EventLoopFuture<Void> = c.close() }
    }

    /// Opens the store at `url`; see `RunStore.open(location:create:readOnly:busyTimeout:)`.
    /// `create`: make the schema (and the URL's `schema`) when the database has no store yet;
    /// `readOnly`: refuse a missing store and write nothing (the `RunStore` refuses writes).
    static func open(url: String, create: Bool, readOnly: Bool, reconnectWindow: TimeInterval = 60) throws(StoreError) -> PostgresStore {
        let path = PostgresLocation.redacted(url)
        let store = try PostgresStore(location: try PostgresLocation(url: url), path: path, reconnectWindow: reconnectWindow)
        do throws(StoreError) {
            // The first connection fails at once (a wrong URL should not wait for a minute).
            try store.connectOnce()
            let (version, applied) = try store.transaction(readOnly: true) { db in try currentSchema(db) }
            let known = Set(PostgresSchema.migrations.map(\.identifier))
            let unknown = applied.subtracting(known).sorted()
            if version > StoreSchema.version || !unknown.isEmpty {
                throw StoreError.newerSchema(path: path, schemaVersion: version, supported: StoreSchema.version, unknownMigrations: unknown)
            }
            if applied.isEmpty && (readOnly || !create) { throw StoreError.missing(path: path) }
            if !readOnly && applied.count < PostgresSchema.migrations.count { try store.migrate() }
            return store
        } catch {
            store.close()
            throw error
        }
    }

    /// Connects without retrying: a wrong URL or a server that is down fails at once.
    private func connectOnce() throws(StoreError) {
        lock.lock()
        defer { lock.unlock() }
        do { _ = try connected() } catch { throw Self.classify(error, path: path, server: location.server) }
    }

    /// The schema version and applied migrations (0 and none in a database without a store).
    private static func currentSchema(_ db: any StoreDatabase) throws -> (Int, Set<String>) {
        let exists = try db.values(String.self, sql: "SELECT to_regclass('scalelab_schema')::text").first != nil
        guard exists else { return (0, []) }
        let version = try db.values(Int.self, sql: "SELECT COALESCE(MAX(version), 0) FROM scalelab_schema").first ?? 0
        let applied = try db.values(String.self, sql: "SELECT identifier FROM scalelab_migrations")
        return (version, Set(applied))
    }

    /// Applies the missing migrations in one transaction (PostgreSQL's DDL is transactional).
    private func migrate() throws(StoreError) {
        let schema = location.schema
        try transaction(readOnly: false) { db in
            try db.execute(sql: "SELECT pg_advisory_xact_lock(?)", arguments: [Self.migrationLock])
            if let schema { try db.execute(sql: "CREATE SCHEMA IF NOT EXISTS \(Self.quoted(schema))") }
            for sql in PostgresSchema.bookkeeping { try db.execute(sql: sql) }
            let (version, applied) = try Self.currentSchema(db)   // again, under the lock
            if version > StoreSchema.version { return }           // a newer ScaleLab got there first; the next open refuses it
            for (identifier, statements) in PostgresSchema.migrations where !applied.contains(identifier) {
                for sql in statements { try db.execute(sql: sql) }
                try db.execute(sql: "INSERT INTO scalelab_migrations (identifier) VALUES (?)", arguments: [identifier])
            }
            try db.execute(sql: "DELETE FROM scalelab_schema")
            try db.execute(sql: "INSERT INTO scalelab_schema (version) VALUES (?)", arguments: [StoreSchema.version])
        }
    }

    func write<T: Sendable>(_ body: @Sendable (any StoreDatabase) throws -> T) throws(StoreError) -> T {
        try transaction(readOnly: false, body)
    }

    func read<T: Sendable>(_ body: @Sendable (any StoreDatabase) throws -> T) throws(StoreError) -> T {
        try transaction(readOnly: true, body)
    }

    func schemaVersion() throws(StoreError) -> Int {
        try read { db in try Self.currentSchema(db).0 }
    }

    func close() {
        lock.withLock {
            closed = true
            if let c = connection { try? c.close().wait() }
            connection = nil
        }
    }

    /// Kills this store's connection on the server (tests of a dropped connection).
    var backendPID: Int32? {
        lock.withLock { connection.flatMap { c in try? c.query("SELECT pg_backend_pid()", logger: Self.logger).wait().first?.decode(Int32.self) } }
    }

    // MARK: - Transactions with reconnection

    /// Runs `body` in one transaction, reconnecting and running it again after a lost
    /// connection or a serialization failure, for up to `reconnectWindow` seconds.
    func transaction<T>(readOnly: Bool, _ body: (any StoreDatabase) throws -> T) throws(StoreError) -> T {
        lock.lock()
        defer { lock.unlock() }
        do {
            let start = Date()
            var delay = 0.05, attempts = 0
            while true {
                attempts += 1
                let failure: any Error
                do {
                    let c = try connected()
                    return try run(c, readOnly: readOnly, body)
                } catch {
                    failure = error
                }
                let transient = Self.isConnectionError(failure) || Self.isRetryableServerError(failure)
                guard transient, !closed else { throw Self.classify(failure, path: path, server: location.server) }
                if Self.isConnectionError(failure) { dropConnection() }
                if Date().timeIntervalSince(start) + delay > reconnectWindow {
                    throw .cannotOpen(path: path, detail: "lost the connection to the PostgreSQL server \(location.server) and could not "
                                      + "get it back in \(Int(reconnectWindow)) s (\(attempts) tries; last error: \(Self.describe(failure))); "
                                      + "check that the server runs (scripts/start-postgres.sh starts a local one) and try again. "
                                      + "Every change committed before stays in the store")
                }
                Thread.sleep(forTimeInterval: delay)
                delay = min(delay * 2, 2)
            }
        }
    }

    /// BEGIN, body, COMMIT; a failure rolls back (when the connection still works) and rethrows.
    private func run<T>(_ c: PostgresConnection, readOnly: Bool, _ body: (any StoreDatabase) throws -> T) throws -> T {
        let db = PostgresDatabase(connection: c, logger: Self.logger)
        try db.execute(sql: readOnly ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN")
        do {
            let value = try body(db)
            try db.execute(sql: "COMMIT")
            return value
        } catch {
            if !c.isClosed { try? db.execute(sql: "ROLLBACK") }
            throw error
        }
    }

    /// The open connection, or a new one (with the URL's schema as its search path). Call with
    /// `lock` held. Throws postgres-nio's errors, for the caller to classify or retry.
    private func connected() throws -> PostgresConnection {
        if closed { throw StoreError.cannotOpen(path: path, detail: "the store was closed") }
        if let c = connection, !c.isClosed { return c }
        dropConnection()
        let c = try PostgresConnection.connect(on: MultiThreadedEventLoopGroup.singleton.any(), configuration: configuration,
                                               id: 1, logger: Self.logger).wait()
        if let schema = location.schema {
            do {
                _ = try c.query(PostgresQuery(unsafeSQL: "SET search_path TO \(Self.quoted(schema))"), logger: Self.logger).wait()
            } catch {
                try? c.close().wait()
                throw error
            }
        }
        connection = c
        return c
    }

    private func dropConnection() {
        if let c = connection { try? c.close().wait() }
        connection = nil
    }

    static func quoted(_ identifier: String) -> String {
        "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    // MARK: - Errors

    /// The server's SQLSTATE of an error, if it came from the server.
    static func sqlState(_ error: any Error) -> String? {
        (error as? PSQLError)?.serverInfo?[.sqlState]
    }

    /// A connection that broke, was closed under us, or cannot be made again for now (the server
    /// is down, restarting, or has no connection slot free): reconnect and run the transaction again.
    static func isConnectionError(_ error: any Error) -> Bool {
        guard let e = error as? PSQLError else { return error is ChannelError || error is IOError }
        switch e.code {
        case .connectionError, .serverClosedConnection, .uncleanShutdown, .clientClosedConnection: return true
        case .server:
            // 08: connection exceptions; 57P01–57P03: the server is shutting down, terminated this
            // backend, or cannot take connections yet; 53300: too many connections.
            let state = e.serverInfo?[.sqlState] ?? ""
            return state.hasPrefix("08") || ["57P01", "57P02", "57P03", "53300"].contains(state)
        default: return false
        }
    }

    /// Serialization failure or deadlock: the transaction can simply run again.
    static func isRetryableServerError(_ error: any Error) -> Bool {
        ["40001", "40P01"].contains(sqlState(error) ?? "")
    }

    /// The server's message (with its detail and hint), or the error's description.
    static func describe(_ error: any Error) -> String {
        guard let e = error as? PSQLError else { return "\(error)" }
        if let info = e.serverInfo, let message = info[.message] {
            return [message, info[.detail], info[.hint]].compactMap { $0 }.joined(separator: "; ")
        }
        if let underlying = e.underlying { return "\(e.code): \(underlying)" }
        return "\(e.code)"
    }

    /// Classifies an error of postgres-nio (or a store error passing through) as a `StoreError`.
    static func classify(_ error: any Error, path: String, server: String) -> StoreError {
        if let e = error as? StoreError { return e }
        if error is DatabaseError || error is DecodingError { return StoreError.from(error, path: path) }
        let detail = describe(error)
        guard let state = sqlState(error) else {
            if let e = error as? PSQLError, [.authMechanismRequiresPassword, .unsupportedAuthMechanism, .saslError].contains(e.code) {
                return .cannotOpen(path: path, detail: "the server \(server) refused the login (\(detail)); put the password in the URL: postgresql://user:password@host:port/database")
            }
            return .cannotOpen(path: path, detail: "cannot connect to the PostgreSQL server \(server) (\(detail)); check the host and port, "
                               + "or start a local server with scripts/start-postgres.sh (it prints the URL to use)")
        }
        switch state {
        case "3D000":
            return .cannotOpen(path: path, detail: "\(detail); create it (createdb, or CREATE DATABASE) or fix the database name in the URL")
        case "28P01", "28000":
            return .cannotOpen(path: path, detail: "\(detail); check the user and password in the URL")
        case "25006", "42501":
            return .readOnly(path: path, detail: detail)
        case "55P03":
            return .locked(path: path, detail: detail)
        case "53100":   // disk_full
            return .diskFull(path: path, detail: detail)
        case "3F000":
            return .cannotOpen(path: path, detail: "\(detail); check the schema in the URL")
        default:
            return .sqlite(path: path, detail: detail + " (SQLSTATE \(state))")
        }
    }
}

/// A PostgreSQL connection inside a transaction, as a `StoreDatabase`: `?` placeholders become
/// `$1, $2, …`; GRDB values are bound as BIGINT, DOUBLE PRECISION or TEXT; result columns come
/// back as GRDB values by their type.
struct PostgresDatabase: StoreDatabase {
    let connection: PostgresConnection
    let logger: Logger
    var dialect: StoreDialect { .postgresql }

    func fetchRows(sql: String, arguments: [(any DatabaseValueConvertible)?]) throws -> [Row] {
        let result = try connection.query(try Self.query(sql, arguments), logger: logger).wait()
        return try result.map { row in
            var values: [String: (any DatabaseValueConvertible)?] = [:]
            for cell in row { values[cell.columnName] = try Self.value(cell) }
            return Row(values)
        }
    }

    func execute(sql: String, arguments: [(any DatabaseValueConvertible)?]) throws {
        _ = try connection.query(try Self.query(sql, arguments), logger: logger).wait()
    }

    func executeRepeatedly(sql: String, _ body: (_ execute: ([(any DatabaseValueConvertible)?]) throws -> Void) throws -> Void) throws {
        try body { arguments in try execute(sql: sql, arguments: arguments) }
    }

    /// `sql` with its `?` placeholders (outside quotes) numbered, and the arguments bound.
    static func query(_ sql: String, _ arguments: [(any DatabaseValueConvertible)?]) throws -> PostgresQuery {
        var text = "", n = 0, quote: Character?
        for ch in sql {
            if let q = quote {
                if ch == q { quote = nil }
                text.append(ch)
            } else if ch == "'" || ch == "\"" {
                quote = ch
                text.append(ch)
            } else if ch == "?" {
                n += 1
                text += "$\(n)"
            } else {
                text.append(ch)
            }
        }
        precondition(n == arguments.count, "\(n) placeholders but \(arguments.count) arguments in: \(sql)")
        var binds = PostgresBindings(capacity: arguments.count)
        for argument in arguments {
            switch (argument?.databaseValue ?? .null).storage {
            case .null: binds.appendNull()
            case .int64(let i): binds.append(i)
            case .double(let x): binds.append(x)
            case .string(let s): binds.append(s)
            case .blob(let d): binds.append(ByteBuffer(bytes: d))
            }
        }
        return PostgresQuery(unsafeSQL: text, binds: binds)
    }

    /// A result cell as a GRDB value: integers and booleans as Int64, reals as Double, text as String.
    static func value(_ cell: PostgresCell) throws -> DatabaseValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int2, .int4, .int8, .oid: return try cell.decode(Int64.self).databaseValue
        case .float4, .float8: return try cell.decode(Double.self).databaseValue
        case .bool: return (try cell.decode(Bool.self) ? 1 : 0).databaseValue
        case .numeric:
            let text = try cell.decode(String.self)
            return (Int64(text)?.databaseValue) ?? (Double(text)?.databaseValue) ?? text.databaseValue
        case .bytea: return Data(try cell.decode(ByteBuffer.self).readableBytesView).databaseValue
        default: return try cell.decode(String.self).databaseValue
        }
    }
}
