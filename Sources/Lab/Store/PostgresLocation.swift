import Foundation
import PostgresNIO

/// A PostgreSQL store's URL, `postgresql://[user[:password]@]host[:port][/database][?schema=NAME&sslmode=disable|require]`
/// (also `postgres://`), parsed into a connection configuration.
///
/// - user: default `scalelab`; database: default the user's name; host: default 127.0.0.1;
///   port: default 5432.
/// - `schema`: the PostgreSQL schema the store's tables live in (its `search_path`), default
///   `public`; created by a read-write open when missing. Several stores can share one database.
/// - `sslmode`: `disable` (default) or `require` (TLS, certificates verified).
struct PostgresLocation: Sendable, Equatable {
    var user: String
    var password: String?
    var host: String
    var port: Int
    var database: String
    var schema: String?
    var requireTLS: Bool

    /// Whether `location` is a PostgreSQL URL rather than a file path.
    static func isURL(_ location: String) -> Bool {
        let lower = location.lowercased()
        return lower.hasPrefix("postgresql://") || lower.hasPrefix("postgres://")
    }

    /// Parses `url`; throws `cannotOpen` naming what is wrong with it.
    init(url: String) throws(StoreError) {
        let shown = PostgresLocation.redacted(url)
        func bad(_ why: String) -> StoreError {
            .cannotOpen(path: shown, detail: "not a PostgreSQL store URL: \(why); expected postgresql://user@host:port/database, "
                        + "for example the one scripts/start-postgres.sh prints")
        }
        guard let c = URLComponents(string: url), let scheme = c.scheme?.lowercased(), scheme == "postgresql" || scheme == "postgres" else {
            throw bad("it does not parse as a URL (special characters in the user or password must be percent-encoded)")
        }
        if let path = c.path.isEmpty ? nil : c.path, path.dropFirst().contains("/") {
            throw bad("the path '\(path)' names more than a database")
        }
        user = c.user ?? "scalelab"
        password = c.password
        host = (c.host?.isEmpty ?? true) ? "127.0.0.1" : c.host!
        port = c.port ?? 5432
        guard (1...65535).contains(port) else { throw bad("port \(port) is out of range") }
        let name = String(c.path.dropFirst())
        database = name.isEmpty ? user : name
        schema = nil
        requireTLS = false
        for item in c.queryItems ?? [] {
            switch (item.name, item.value ?? "") {
            case ("schema", let s) where !s.isEmpty: schema = s
            case ("sslmode", "disable"): requireTLS = false
            case ("sslmode", "require"), ("sslmode", "verify-full"): requireTLS = true
            case ("sslmode", let v): throw bad("sslmode=\(v) is not supported (disable or require)")
            case ("connect_timeout", _), ("application_name", _): continue
            default: throw bad("unknown parameter '\(item.name)' (known: schema, sslmode)")
            }
        }
    }

    /// `url` without its password (for messages and `RunStore.path`).
    static func redacted(_ url: String) -> String {
        guard var c = URLComponents(string: url), c.password != nil else { return url }
        c.password = "***"
        return c.string ?? url
    }

    /// `host:port/database`, for messages.
    var server: String { "\(host):\(port)/\(database)" }

    func configuration() throws(StoreError) -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS
        if requireTLS {
            do { tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration())) } catch {
                throw .cannotOpen(path: server, detail: "cannot set up TLS: \(error)")
            }
        } else {
            tls = .disable
        }
        var config = PostgresConnection.Configuration(host: host, port: port, username: user, password: password, database: database, tls: tls)
        config.options.connectTimeout = .seconds(10)
        return config
    }
}
