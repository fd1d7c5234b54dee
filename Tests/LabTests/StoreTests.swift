import Foundation
import GRDB
import XCTest
@testable import Lab
import Trainer

/// The run store: schema and migrations, WAL readers, and the three refusals (not a database,
/// newer schema, locked) that must leave the file as it was. Tests that loop over `newStores`
/// run on SQLite and on PostgreSQL (`TestPostgres`); the others are about SQLite files.
final class StoreTests: XCTestCase {
    func newStore() throws -> (RunStore, String) {
        let path = try temporaryDirectory(self).appendingPathComponent("s.sqlite").path
        return (try RunStore.open(path: path), path)
    }

    func sweep(_ name: String = "t") -> Sweep {
        Sweep(name: name, kind: "isoflop", specJSON: "{}", scalelabVersion: "test", createdAt: Date())
    }

    func queuedRun(_ config: TrainingConfig, budget: Double? = nil) -> StoredRun {
        var r = StoredRun(sweepID: 0, parameters: Double(config.shape.parameterCount), status: .queued, createdAt: Date())
        r.configJSON = try! StoreJSON.encode(config, what: "config_json")
        r.tokens = Double(config.tokens)
        r.flops = config.shape.trainingFLOPsPerToken * Double(config.tokens)
        r.budget = budget
        return r
    }

    func testNewStoreHasTheSchemaVersionAndWAL() throws {
        for (store, _) in try newStores(self) {
            XCTAssertEqual(try store.schemaVersion(), StoreSchema.version, store.backendName)
            let tables = try store.read { db in
                try db.values(String.self, sql: db.dialect == .sqlite ? "SELECT name FROM sqlite_master WHERE type = 'table'"
                              : "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()")
            }
            XCTAssertTrue(Set(["sweep", "run", "curve_point", "fit", "evaluation"]).isSubset(of: tables), "\(tables)")
            XCTAssertEqual(try store.summary().runs, 0)
            if store.backendName == "sqlite" {
                XCTAssertEqual(try store.pool.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }, "wal")
            }
        }
    }

    /// Both backends' schemas are the same migrations: PostgreSQL's list has SQLite's identifiers
    /// in the same order, and the same columns.
    func testPostgresSchemaHasTheSameMigrationsAndColumns() throws {
        XCTAssertEqual(PostgresSchema.migrations.map(\.identifier), StoreSchema.migrator.migrations)
        XCTAssertEqual(PostgresSchema.migrations.count, StoreSchema.version)
        let stores = try newStores(self)
        var columns: [String: [String: [String]]] = [:]
        for (store, _) in stores {
            columns[store.backendName] = try store.read { db in
                var out: [String: [String]] = [:]
                for table in ["sweep", "run", "curve_point", "fit", "evaluation"] {
                    out[table] = try db.dialect == .sqlite
                        ? db.values(String.self, sql: "SELECT name FROM pragma_table_info('\(table)')").sorted()
                        : db.values(String.self, sql: "SELECT column_name::text FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ?",
                                    arguments: [table]).sorted()
                }
                return out
            }
        }
        if stores.count == 2 { XCTAssertEqual(columns["sqlite"], columns["postgresql"]) }
    }

    func testReopeningKeepsDataAndStatusNeverCreates() throws {
        for (store, location) in try newStores(self) {
            _ = try store.insert(sweep(), runs: [queuedRun(tinyConfig())])
            let again = try RunStore.open(location: location, create: false)
            XCTAssertEqual(try again.runs().count, 1)
            let missing = store.backendName == "sqlite" ? location + ".nothere" : TestPostgres.freshSchemaURL(TestPostgres.url!).url
            XCTAssertThrowsError(try RunStore.open(location: missing, create: false)) { e in
                XCTAssertEqual(e as? StoreError, .missing(path: missing))
            }
            XCTAssertThrowsError(try RunStore.open(location: missing, readOnly: true)) { e in
                XCTAssertEqual(e as? StoreError, .missing(path: missing))
            }
            if store.backendName == "sqlite" {
                XCTAssertFalse(FileManager.default.fileExists(atPath: missing))
            } else {
                let schema = String(missing.split(separator: "=").last!)
                let exists = try store.read { db in
                    try db.values(Int.self, sql: "SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = ?", arguments: [schema])
                }
                XCTAssertEqual(exists, [0], "a refused open creates no schema")
            }
        }
    }

    func testRandomBytesAreRefusedAndLeftUntouched() throws {
        let path = try temporaryDirectory(self).appendingPathComponent("junk.sqlite").path
        var rng = SeededGenerator(seed: 42)
        let junk = Data((0..<8192).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
        try junk.write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try RunStore.open(path: path)) { e in
            guard case .notADatabase(let p, _)? = e as? StoreError else { return XCTFail("\(e)") }
            XCTAssertEqual(p, path)
            XCTAssertTrue("\(e)".contains("nothing was changed"), "\(e)")
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), junk)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path + "-wal"))
    }

    func testDamagedPagesBehindAValidHeaderAreRefused() throws {
        let (store, path) = try newStore()
        _ = try store.insert(sweep(), runs: [queuedRun(tinyConfig())])
        _ = try store.pool.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
        try store.pool.close()
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        var rng = SeededGenerator(seed: 3)
        for i in 100..<bytes.count { bytes[i] = UInt8(truncatingIfNeeded: rng.next()) }
        try bytes.write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try RunStore.open(path: path)) { e in
            guard case .notADatabase? = e as? StoreError else { return XCTFail("expected notADatabase, got \(e)") }
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), bytes)
    }

    func testUnknownMigrationIsRefusedAndNothingChanges() throws {
        for (store, path) in try newStores(self) {
            _ = try store.insert(sweep(), runs: [queuedRun(tinyConfig())])
            let table = store.backendName == "sqlite" ? "grdb_migrations" : "scalelab_migrations"
            try store.write { db in
                try db.execute(sql: "INSERT INTO \(table) (identifier) VALUES ('v2: from the future')")
            }
            let before = try dump(store)
            for readOnly in [false, true] {
                XCTAssertThrowsError(try RunStore.open(location: path, readOnly: readOnly)) { e in
                    XCTAssertEqual(e as? StoreError, .newerSchema(path: path, schemaVersion: StoreSchema.version, supported: StoreSchema.version,
                                                                  unknownMigrations: ["v2: from the future"]))
                }
            }
            XCTAssertEqual(try dump(store), before)
            let applied = try store.read { db in try db.values(String.self, sql: "SELECT identifier FROM \(table) ORDER BY identifier") }
            XCTAssertEqual(applied.count, StoreSchema.migrator.migrations.count + 1)
        }
    }

    func testHigherUserVersionIsRefused() throws {
        for (store, path) in try newStores(self) {
            if store.backendName == "sqlite" {
                try store.pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA user_version = 7") }
            } else {
                try store.write { db in try db.execute(sql: "UPDATE scalelab_schema SET version = 7") }
            }
            let before = try dump(store)
            XCTAssertThrowsError(try RunStore.open(location: path)) { e in
                guard case .newerSchema(_, 7, StoreSchema.version, [])? = e as? StoreError else { return XCTFail("\(e)") }
                XCTAssertTrue("\(e)".contains("upgrade scalelab"), "\(e)")
            }
            XCTAssertEqual(try dump(store), before)
            XCTAssertEqual(try store.schemaVersion(), 7)
        }
    }

    /// Issue 18.5: a store refused as newer-schema or as corrupt keeps every byte, and gets no
    /// -wal or -shm file, whether it is in WAL mode (at rest) or in rollback-journal mode (as
    /// `sqlite3` or a backup leaves it; a read-write open would switch that to WAL first).
    func testARefusedOpenChangesNoByteOnDisk() throws {
        let refusals = ["PRAGMA user_version = 7", "INSERT INTO grdb_migrations (identifier) VALUES ('v9: from the future')",
                        "damage"]
        for refusal in refusals {
            for journal in ["WAL", "DELETE"] {
                let (store, path) = try newStore()
                _ = try store.insert(sweep(), runs: [queuedRun(tinyConfig())])
                try store.pool.close()
                let q = try DatabaseQueue(path: path)
                try q.writeWithoutTransaction { db in
                    if refusal != "damage" { try db.execute(sql: refusal) }
                    _ = try String.fetchOne(db, sql: "PRAGMA journal_mode = \(journal)")
                }
                try q.close()
                var before = try Data(contentsOf: URL(fileURLWithPath: path))
                if refusal == "damage" {
                    var rng = SeededGenerator(seed: 5)
                    for i in 100..<before.count { before[i] = UInt8(truncatingIfNeeded: rng.next()) }
                    try before.write(to: URL(fileURLWithPath: path))
                }
                XCTAssertEqual(before[18], journal == "WAL" ? 2 : 1, journal)
                XCTAssertThrowsError(try RunStore.open(path: path), "\(refusal), \(journal)") { e in
                    switch e as? StoreError {
                    case .newerSchema?: XCTAssertNotEqual(refusal, "damage")
                    case .notADatabase?: XCTAssertEqual(refusal, "damage")
                    default: XCTFail("\(refusal), \(journal): \(e)")
                    }
                    XCTAssertTrue("\(e)".contains("nothing was changed"), "\(e)")
                }
                XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), before, "\(refusal), \(journal): bytes changed")
                for suffix in ["-wal", "-shm", "-journal"] {
                    XCTAssertFalse(FileManager.default.fileExists(atPath: path + suffix), "\(refusal), \(journal): \(suffix)")
                }
            }
        }
    }

    /// A second process (here: a second connection pool) that cannot get the write lock gets a
    /// `locked` error naming the cure, and its write leaves no trace.
    func testLockedStoreGivesAClearErrorAndWritesNothing() throws {
        let (writer, path) = try newStore()
        let other = try RunStore.open(path: path, busyTimeout: 0.05)
        var failure: StoreError?
        try writer.pool.write { db in
            var s = sweep("holder")
            try s.insert(db)
            do { _ = try other.insert(sweep("blocked"), runs: []) } catch { failure = error as? StoreError }
        }
        guard case .locked(let p, _)? = failure else { return XCTFail("expected locked, got \(String(describing: failure))") }
        XCTAssertEqual(p, path)
        XCTAssertTrue("\(failure!)".contains("ladder run"))
        XCTAssertEqual(try other.sweeps().map(\.name), ["holder"])
    }

    /// WAL: a reader in another connection pool reads the last committed state while a write
    /// transaction is open, without waiting for it, and sees the write once committed.
    func testReadersDoNotWaitForTheWriter() throws {
        for (writer, path) in try newStores(self) {
            let reader = try RunStore.open(location: path, create: false, busyTimeout: 0)
            _ = try writer.insert(sweep("first"), runs: [])
            let second = sweep("second")
            let seenDuringWrite = try writer.write { db in
                var s = second
                try db.insert(&s)
                return try reader.sweeps().map(\.name)
            }
            XCTAssertEqual(seenDuringWrite, ["first"], writer.backendName)
            XCTAssertEqual(try reader.sweeps().map(\.name), ["first", "second"])
            reader.close()
        }
    }

    func testClaimTakesEachRunOnceAndFixesThreadsOnFirstStart() throws {
        for (store, _) in try newStores(self) {
            let small = tinyConfig(tokens: 640), large = tinyConfig(tokens: 1280)
            _ = try store.insert(sweep(), runs: [queuedRun(large), queuedRun(small)])
            let first = try XCTUnwrap(try store.claimNextRun(runnerPID: 11, threads: 3, maxAttempts: 3))
            XCTAssertEqual(first.trainingConfig?.tokens, 640, "smallest FLOPs first")
            XCTAssertEqual(first.trainingConfig?.threads, 3)
            XCTAssertEqual(first.status, .running)
            XCTAssertEqual(first.attempts, 1)
            let second = try XCTUnwrap(try store.claimNextRun(runnerPID: 11, threads: 3, maxAttempts: 3))
            XCTAssertNotEqual(first.id, second.id)
            XCTAssertNil(try store.claimNextRun(runnerPID: 11, threads: 3, maxAttempts: 3))
            // An interrupted run comes back first and keeps its thread count.
            try store.mark(run: second.id!, .interrupted, message: "test")
            let again = try XCTUnwrap(try store.claimNextRun(runnerPID: 12, threads: 1, maxAttempts: 3))
            XCTAssertEqual(again.id, second.id)
            XCTAssertEqual(again.trainingConfig?.threads, 3)
            XCTAssertEqual(again.attempts, 2)
            // Runs of a dead runner are found; a live runner's are not.
            XCTAssertEqual(try store.abandonedRuns { $0 == 12 }.map(\.id), [first.id])
        }
    }

    func testRecordStoresLossesCurveAndMeasurementsOnce() throws {
        for (store, _) in try newStores(self) {
            let config = tinyConfig()
            let (_, runs) = try store.insert(sweep(), runs: [queuedRun(config)])
            let id = runs[0].id!
            let record = try train(config, corpus: syntheticCorpus(), options: TrainingOptions(version: "test"))
            XCTAssertEqual(record.status, .completed)
            try store.record(run: id, record)
            try store.record(run: id, record)  // twice: still one curve
            let run = try store.run(id: id)
            XCTAssertEqual(run.status, .done)
            XCTAssertEqual(run.finalValidationLoss, record.finalValidationLoss)
            XCTAssertEqual(run.runRecord, record)
            let curve = try store.curve(run: id)
            XCTAssertEqual(curve.map(\.step), record.learningCurve.map(\.step))
            XCTAssertEqual(curve.last?.flops ?? 0, record.flops, accuracy: 1e-6 * record.flops)
            let m = try store.measurements()
            XCTAssertEqual(m, [.init(parameters: Double(record.parameters), tokens: Double(record.tokens),
                                     compute: record.flops, uniqueTokens: Double(record.data.trainBytes),
                                     loss: record.finalValidationLoss!)])
            XCTAssertEqual(run.uniqueTokens, Double(record.data.trainBytes))
            XCTAssertEqual(try store.measurements(convention: .nonEmbedding).first?.parameters, Double(record.nonEmbeddingParameters))
            XCTAssertThrowsError(try store.run(id: 999)) { XCTAssertEqual($0 as? StoreError, .noSuchRun(path: store.path, id: 999)) }
        }
    }

    func testFitsRoundTrip() throws {
        for (store, _) in try newStores(self) {
            let fit = try StoredFit(law: "chinchilla", method: "approach-3", dataHash: "abc", points: 9,
                                    parameters: ["E": 1.5, "alpha": 0.3], intervals: ["alpha": [0.2, 0.4]], scalelabVersion: "t")
            let id = try store.save(fit)
            let back = try store.fits()
            XCTAssertEqual(back.count, 1)
            XCTAssertEqual(back[0].id, id)
            XCTAssertEqual(back[0].parameters, ["E": 1.5, "alpha": 0.3])
            XCTAssertEqual(back[0].intervals, ["alpha": [0.2, 0.4]])
        }
    }

    /// A JSON column damaged through SQL is an error naming the store, the run or fit, the column
    /// and what to do, from every read of it; it never silently becomes nil or {}.
    func testCorruptJSONColumnsAreNamedErrors() throws {
        for (store, path) in try newStores(self) {
            let (_, runs) = try store.insert(sweep(), runs: [queuedRun(tinyConfig()), queuedRun(tinyConfig(seed: 2))])
            let id = runs[0].id!   // the first the runner would claim
            func corrupt(_ sql: String) throws { try store.write { db in try db.execute(sql: sql) } }
            func expect(_ table: String, _ id: Int64, _ column: String, file: StaticString = #filePath, line: UInt = #line,
                        _ body: () throws -> Void) {
                XCTAssertThrowsError(try body(), file: file, line: line) { e in
                    guard case let .corruptColumn(p, t, i, c, _)? = e as? StoreError else {
                        return XCTFail("\(e)", file: file, line: line)
                    }
                    XCTAssertEqual([p, t, "\(i)", c], [path, table, "\(id)", column], file: file, line: line)
                    let text = "\(e)"
                    XCTAssertTrue(text.contains("\(table) \(id)") && text.contains(column) && text.contains("backup"), text, file: file, line: line)
                }
            }
            try corrupt("UPDATE run SET config_json = '{\"shape\": 3' WHERE id = \(id)")
            expect("run", id, "config_json") { _ = try store.runs() }
            expect("run", id, "config_json") { _ = try store.run(id: id) }
            expect("run", id, "config_json") { _ = try store.claimNextRun(runnerPID: 1, threads: 1, maxAttempts: 3) }
            XCTAssertEqual(try store.read { db in try db.values(String.self, sql: "SELECT status FROM run ORDER BY id") }, ["queued", "queued"],
                           "a failed claim leaves every run as it was")
            try corrupt("UPDATE run SET config_json = '[]' WHERE id = \(id)")   // valid JSON, not a config
            expect("run", id, "config_json") { _ = try store.runs() }
            try corrupt("UPDATE run SET config_json = NULL, record_json = 'not json', status = 'running', runner_pid = 0 WHERE id = \(id)")
            expect("run", id, "record_json") { _ = try store.runs() }
            expect("run", id, "record_json") { _ = try store.abandonedRuns(isAlive: { _ in false }) }
            try corrupt("UPDATE run SET record_json = NULL WHERE id = \(id)")
            XCTAssertNil(try store.run(id: id).trainingConfig, "no config is not an error: imported runs have none")

            let fit = try store.save(StoredFit(law: "chinchilla", method: "approach-3", dataHash: "abc", points: 9,
                                               parameters: ["E": 1.5], intervals: nil, scalelabVersion: "t"))
            try corrupt("UPDATE fit SET parameters_json = '{\"E\": \"x\"}' WHERE id = \(fit)")
            expect("fit", fit, "parameters_json") { _ = try store.fits() }
            try corrupt("UPDATE fit SET parameters_json = '{}', intervals_json = '{\"E\": 1' WHERE id = \(fit)")
            expect("fit", fit, "intervals_json") { _ = try store.fits() }
        }
    }
}
