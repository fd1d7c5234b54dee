import Foundation
import XCTest
import GRDB
@testable import Lab
import Trainer

/// A fresh temporary folder per test, removed at the end.
func temporaryDirectory(_ test: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("lab-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}

/// A tiny transformer config: one layer, width 16, context 16 — a step takes milliseconds.
func tinyConfig(tokens: Int = 16 * 4 * 12, seed: UInt64 = 1) -> TrainingConfig {
    let shape = ModelShape(architecture: .transformer, layers: 1, dModel: 16, heads: 1, context: 16)
    var h = Hyperparameters.defaults(for: shape, tokens: tokens)
    h.batch = 4
    h.microBatch = 4
    var c = TrainingConfig(shape: shape, tokens: tokens, seed: seed, hyperparameters: h, threads: 1)
    c.curvePoints = 4
    c.curveValidationBytes = 256
    return c
}

/// Seeded synthetic text (an order-2 Markov chain over 8 letters), `bytes` long.
func syntheticCorpus(bytes: Int = 20_000, seed: UInt64 = 7) -> Corpus {
    let source = MarkovSource(order: 2, alphabet: 8, seed: seed)
    return source.generate(count: bytes, seed: seed)
}

/// Every table's rows as text, by primary key, columns by name: what "nothing changed" compares
/// (on either backend).
func dump(_ store: RunStore) throws -> [String] {
    let evaluations = try store.schemaVersion() >= RunStore.evaluationSchema   // a store of schema 4 has no such table
    return try store.read { db in
        var out: [String] = []
        for (table, key) in [("sweep", "id"), ("run", "id"), ("curve_point", "run_id, step"), ("fit", "id")]
            + (evaluations ? [("evaluation", "run_id, step, task, metric")] : []) {
            for row in try db.fetchRows(sql: "SELECT * FROM \(table) ORDER BY \(key)", arguments: []) {
                out.append("\(table): " + row.columnNames.sorted().map { "\($0)=\(row[$0] as DatabaseValue)" }.joined(separator: " "))
            }
        }
        return out
    }
}

/// The PostgreSQL server the store tests use: `SCALELAB_TEST_POSTGRES_URL` (make test starts one
/// with scripts/start-postgres.sh). Without it the PostgreSQL half of a test is skipped, unless
/// `CI` is set: then it is a failure, so CI never passes without testing PostgreSQL.
enum TestPostgres {
    static var url: String? {
        let url = ProcessInfo.processInfo.environment["SCALELAB_TEST_POSTGRES_URL"] ?? ""
        return url.isEmpty ? nil : url
    }

    static var required: Bool { ProcessInfo.processInfo.environment["CI"] != nil }

    /// The URL, or nil (with a failure when `CI` is set).
    static func urlOrFail(file: StaticString = #filePath, line: UInt = #line) -> String? {
        if let url { return url }
        if required {
            XCTFail("CI is set but SCALELAB_TEST_POSTGRES_URL is not: start PostgreSQL with "
                    + "`bash scripts/start-postgres.sh` and pass its URL (make test does)", file: file, line: line)
        }
        return nil
    }

    /// The URL for a test of PostgreSQL alone; skips (or fails when `CI` is set) without one.
    static func requireURL(file: StaticString = #filePath, line: UInt = #line) throws -> String {
        guard let url = urlOrFail(file: file, line: line) else {
            throw XCTSkip("SCALELAB_TEST_POSTGRES_URL is not set (bash scripts/start-postgres.sh prints one)")
        }
        return url
    }

    /// `url` with `schema=` set to a fresh schema name.
    static func freshSchemaURL(_ url: String) -> (url: String, schema: String) {
        let schema = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        return (url + (url.contains("?") ? "&" : "?") + "schema=\(schema)", String(schema))
    }

    /// A new, empty PostgreSQL store in its own schema, dropped when the test ends.
    static func newStore(_ test: XCTestCase, url: String) throws -> (RunStore, String) {
        let (location, schema) = freshSchemaURL(url)
        let store = try RunStore.open(location: location)
        test.addTeardownBlock {
            _ = try? store.write { db in try db.execute(sql: "DROP SCHEMA \"\(schema)\" CASCADE") }
            store.close()
        }
        return (store, location)
    }
}

/// A new, empty store on each backend the tests can reach: SQLite in a temporary folder, and
/// PostgreSQL in a fresh schema when `SCALELAB_TEST_POSTGRES_URL` is set (see `TestPostgres`).
/// Each comes with its location (path or URL).
func newStores(_ test: XCTestCase, file: StaticString = #filePath, line: UInt = #line) throws -> [(RunStore, String)] {
    let path = try temporaryDirectory(test).appendingPathComponent("s.sqlite").path
    var stores = [(try RunStore.open(path: path), path)]
    if let url = TestPostgres.urlOrFail(file: file, line: line) { stores.append(try TestPostgres.newStore(test, url: url)) }
    return stores
}

extension RunStore {
    /// "sqlite" or "postgresql", for assertion messages.
    var backendName: String { backend.dialect == .postgresql ? "postgresql" : "sqlite" }
}

/// A sweep row to insert runs under.
func testSweep(_ name: String = "t") -> Sweep {
    Sweep(name: name, kind: "isoflop", specJSON: "{}", scalelabVersion: "test", createdAt: Date())
}

/// A queued run of `config`, with its planned tokens and FLOPs.
func testQueuedRun(_ config: TrainingConfig) -> StoredRun {
    var r = StoredRun(sweepID: 0, parameters: Double(config.shape.parameterCount), status: .queued, createdAt: Date())
    r.configJSON = try! StoreJSON.encode(config, what: "config_json")
    r.tokens = Double(config.tokens)
    r.flops = config.shape.trainingFLOPsPerToken * Double(config.tokens)
    return r
}
