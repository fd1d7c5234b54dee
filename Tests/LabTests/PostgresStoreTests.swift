import Foundation
import LawFitting
import XCTest
@testable import Lab
import Trainer

/// What only the PostgreSQL backend has: several runners claiming from one store, a connection
/// dropped mid-sequence, wrong URLs, and moving a store between SQLite and PostgreSQL.
/// Skipped without `SCALELAB_TEST_POSTGRES_URL`, failed without it when `CI` is set.
final class PostgresStoreTests: XCTestCase {
    func queuedRuns(_ n: Int) -> [StoredRun] {
        (0..<n).map { i in
            let config = tinyConfig(tokens: 64 * (i + 1), seed: UInt64(i))
            var r = StoredRun(sweepID: 0, parameters: Double(config.shape.parameterCount), status: .queued, createdAt: Date())
            r.configJSON = try! StoreJSON.encode(config, what: "config_json")
            r.flops = Double(i % 7)   // ties: the order falls back to ids
            return r
        }
    }

    func sweep() -> Sweep { Sweep(name: "t", kind: "isoflop", specJSON: "{}", scalelabVersion: "test", createdAt: Date()) }

    /// Two `RunStore` values (two connections, as two runners have) claim from two threads until
    /// nothing is left: every run is claimed exactly once (`FOR UPDATE SKIP LOCKED`).
    func testTwoRunnersClaimEveryRunExactlyOnce() throws {
        let (store, location) = try TestPostgres.newStore(self, url: try TestPostgres.requireURL())
        let (_, runs) = try store.insert(sweep(), runs: queuedRuns(200))
        let other = try RunStore.open(location: location, create: false)
        defer { other.close() }
        let claimed = LockedList()
        let group = DispatchGroup()
        for (runner, s) in [(Int32(1), store), (Int32(2), other)] {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                do {
                    while let run = try s.claimNextRun(runnerPID: runner, threads: 1, maxAttempts: 3) { claimed.append(run.id!, by: runner) }
                } catch { claimed.fail("\(error)") }
            }
        }
        group.wait()
        XCTAssertEqual(claimed.errors, [])
        XCTAssertEqual(claimed.ids.sorted(), runs.map { $0.id! }, "each run claimed exactly once")
        XCTAssertEqual(Set(claimed.ids).count, claimed.ids.count)
        XCTAssertGreaterThan(claimed.count(by: 1), 0, "both runners claimed")
        XCTAssertGreaterThan(claimed.count(by: 2), 0, "both runners claimed")
        XCTAssertEqual(try store.runs().map(\.attempts), Array(repeating: 1, count: runs.count))
        XCTAssertEqual(try store.summary().byState, ["running": runs.count])
    }

    /// The server ends the store's connection (`pg_terminate_backend`) between two writes: the
    /// next write reconnects and succeeds, and nothing stored before is lost.
    func testADroppedConnectionIsRetriedAndNothingIsLost() throws {
        let (store, location) = try TestPostgres.newStore(self, url: try TestPostgres.requireURL())
        let killer = try RunStore.open(location: location, create: false)
        defer { killer.close() }
        let (_, runs) = try store.insert(sweep(), runs: queuedRuns(5))
        for round in 0..<3 {
            let before = try dump(store)
            let pid = try XCTUnwrap((store.backend as? PostgresStore)?.backendPID)
            let killed = try killer.write { db in try db.values(Bool.self, sql: "SELECT pg_terminate_backend(?::integer)", arguments: [Int(pid)]) }
            XCTAssertEqual(killed, [true])
            let run = try XCTUnwrap(try store.claimNextRun(runnerPID: 9, threads: 1, maxAttempts: 3), "round \(round)")
            XCTAssertEqual(run.id, runs[round].id)
            let after = try dump(store)
            XCTAssertEqual(after.count, before.count)
            XCTAssertNotEqual((store.backend as? PostgresStore)?.backendPID, pid, "a new connection")
        }
        XCTAssertEqual(try store.runs().map(\.status), [.running, .running, .running, .queued, .queued])
    }

    /// A server that stays away: the operation retries for the reconnect window, then says which
    /// server it lost and what to do; what was committed before is still there afterwards.
    func testAServerThatStaysDownIsAClearError() throws {
        let url = try TestPostgres.requireURL()
        let (store, location) = try TestPostgres.newStore(self, url: url)
        _ = try store.insert(sweep(), runs: queuedRuns(2))
        let down = try RunStore(path: location, isReadOnly: false,
                                backend: PostgresStore.open(url: location, create: false, readOnly: false, reconnectWindow: 1))
        defer { down.close() }
        let pid = try XCTUnwrap((down.backend as? PostgresStore)?.backendPID)
        // The server ends its connection and takes no new ones to this database for a while.
        let database = try XCTUnwrap(URLComponents(string: url)).path.dropFirst()
        let allow = "ALTER DATABASE \(PostgresStore.quoted(String(database))) CONNECTION LIMIT -1"
        try store.write { db in
            try db.execute(sql: "ALTER DATABASE \(PostgresStore.quoted(String(database))) CONNECTION LIMIT 0")
            try db.execute(sql: "SELECT pg_terminate_backend(?::integer)", arguments: [Int(pid)])
        }
        defer { _ = try? store.write { db in try db.execute(sql: allow) } }
        let started = Date()
        XCTAssertThrowsError(try down.claimNextRun(runnerPID: 1, threads: 1, maxAttempts: 3)) { e in
            guard case .cannotOpen(let p, let detail)? = e as? StoreError else { return XCTFail("\(e)") }
            XCTAssertEqual(p, location)
            XCTAssertTrue(detail.contains("lost the connection") && detail.contains("scripts/start-postgres.sh"), detail)
        }
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(started), 0.5, "it retried for (most of) the 1 s window")
        try store.write { db in try db.execute(sql: allow) }
        XCTAssertEqual(try store.runs().map(\.status), [.queued, .queued], "nothing changed, nothing lost")
        XCTAssertNotNil(try down.claimNextRun(runnerPID: 1, threads: 1, maxAttempts: 3), "back once the server takes connections again")
    }

    /// Wrong URLs: each says what is wrong and what to do.
    func testWrongURLsSayWhatIsWrong() throws {
        let url = try TestPostgres.requireURL()
        let c = try XCTUnwrap(URLComponents(string: url))
        let host = c.host ?? "127.0.0.1", port = c.port ?? 5432, user = c.user ?? "scalelab"
        let cases: [(String, String)] = [
            ("postgresql://\(user)@\(host):1/scalelab", "start a local server with scripts/start-postgres.sh"),
            ("postgresql://\(user)@no-such-host.invalid:\(port)/scalelab", "check the host and port"),
            ("postgresql://\(user)@\(host):\(port)/no_such_database_here", "does not exist"),
            ("postgresql://no_such_role@\(host):\(port)/scalelab", "check the user and password"),
            ("postgresql://\(user)@\(host):\(port)/scalelab?colour=blue", "unknown parameter 'colour'"),
            ("postgresql://\(user)@\(host):99999/scalelab", "not a PostgreSQL store URL"),
        ]
        for (bad, expected) in cases {
            XCTAssertThrowsError(try RunStore.open(location: bad), bad) { e in
                guard case .cannotOpen(let p, _)? = e as? StoreError else { return XCTFail("\(bad): \(e)") }
                XCTAssertEqual(p, bad)
                XCTAssertTrue("\(e)".contains(expected) && "\(e)".contains("nothing was changed"), "\(bad): \(e)")
            }
        }
        let secret = "postgresql://\(user):hunter2@\(host):1/scalelab"
        XCTAssertThrowsError(try RunStore.open(location: secret)) { e in
            XCTAssertFalse("\(e)".contains("hunter2"), "the password is never shown: \(e)")
        }
    }

    /// `export` from one backend and `import` into the other round-trips an imported store
    /// exactly: SQLite → PostgreSQL → SQLite, the same bytes each time, in both formats.
    /// Values that a text round trip could change are in: 0.1, 1e-300, 1.7976931348623157e290.
    func testExportImportRoundTripsBetweenBackends() throws {
        let url = try TestPostgres.requireURL()
        let dir = try temporaryDirectory(self)
        for format in MeasurementFileFormat.allCases {
            let file = dir.appendingPathComponent("runs.\(format.rawValue)")
            let rows = [(0.1, 2e7, 3.5), (1e-300, 4e7, 0.1), (2.5e6, 1.7976931348623157e290, 3.0000000000000004)]
            try ("params,tokens,loss\n" + rows.map { "\($0.0),\($0.1),\($0.2)" }.joined(separator: "\n") + "\n")
                .write(to: dir.appendingPathComponent("in.csv"), atomically: true, encoding: .utf8)
            let sqlite = try RunStore.open(path: dir.appendingPathComponent("a-\(format.rawValue).sqlite").path)
            // The file is named the same at each step, so the sweep's name (the file name) is too.
            var set = try readImportFile(path: dir.appendingPathComponent("in.csv").path)
            set.source = file.path
            _ = try sqlite.importMeasurements(set, version: "t")
            let first = try RunExport.text(sqlite, format: format)
            try first.write(to: file, atomically: true, encoding: .utf8)

            let (postgres, _) = try TestPostgres.newStore(self, url: url)
            _ = try postgres.importMeasurements(try readImportFile(path: file.path), version: "t")
            let second = try RunExport.text(postgres, format: format)
            XCTAssertEqual(second, first, "SQLite → PostgreSQL, \(format)")
            try second.write(to: file, atomically: true, encoding: .utf8)

            let back = try RunStore.open(path: dir.appendingPathComponent("b-\(format.rawValue).sqlite").path)
            _ = try back.importMeasurements(try readImportFile(path: file.path), version: "t")
            XCTAssertEqual(try RunExport.text(back, format: format), first, "PostgreSQL → SQLite, \(format)")
            XCTAssertEqual(try postgres.measurements(), try sqlite.measurements())
        }
    }

    /// Every column of every table reads back the same from both backends, bit for bit (doubles
    /// such as 0.1, 1e-300 and the smallest subnormal, NULLs, 64-bit integers, quotes and `?` in
    /// text), and times to the millisecond.
    func testEveryColumnReadsBackTheSameFromBothBackends() throws {
        guard TestPostgres.urlOrFail() != nil else { throw XCTSkip("SCALELAB_TEST_POSTGRES_URL is not set") }
        var dumps: [String: [String]] = [:]
        for (store, _) in try newStores(self) {
            var run = queuedRuns(1)[0]
            run.parameters = 0.1
            run.tokens = 1e-300
            run.flops = 1.7976931348623157e308
            run.budget = Double.leastNonzeroMagnitude
            run.seed = Int64.max
            run.runnerStartTime = Int64.min + 1
            run.heartbeat = Date(timeIntervalSince1970: 1_780_000_000.123)
            let when = Date(timeIntervalSince1970: 1_780_000_000.5)
            let s = Sweep(name: "ünïcode ' \" ?", kind: "isoflop", specJSON: "{\"a\": [1, 2]}", scalelabVersion: "t", createdAt: when)
            var stored = try store.insert(s, runs: [run]).1[0]
            stored.createdAt = when
            stored.finalValidationLoss = 0.30000000000000004
            try store.write { [stored] db in try db.update(stored) }
            _ = try store.save(StoredFit(law: "l", method: "m", dataHash: "h", points: 1, parameters: ["x": 0.1], intervals: nil,
                                         scalelabVersion: "t", createdAt: when))
            let back = try store.run(id: stored.id!)
            // Times are kept to the millisecond (GRDB's text form, on both backends).
            XCTAssertEqual(try XCTUnwrap(back.heartbeat).timeIntervalSince1970, 1_780_000_000.123, accuracy: 0.000_5)
            var expected = stored
            expected.heartbeat = back.heartbeat
            XCTAssertEqual(back, expected, store.backendName)
            dumps[store.backendName] = try dump(store)
        }
        XCTAssertEqual(dumps["sqlite"], dumps["postgresql"])
    }
}

/// Claimed ids from several threads.
final class LockedList: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [(Int64, Int32)] = []
    private var failures: [String] = []
    func append(_ id: Int64, by runner: Int32) { lock.withLock { items.append((id, runner)) } }
    func fail(_ message: String) { lock.withLock { failures.append(message) } }
    var ids: [Int64] { lock.withLock { items.map(\.0) } }
    var errors: [String] { lock.withLock { failures } }
    func count(by runner: Int32) -> Int { lock.withLock { items.filter { $0.1 == runner }.count } }
}
