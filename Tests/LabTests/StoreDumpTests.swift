import Foundation
import Trainer
import XCTest
@testable import Lab

/// Whole-store dumps (`StoreDump`): a ladder store in every state moves SQLite → PostgreSQL →
/// SQLite (and back) byte for byte, with its ids; bad dumps and non-empty stores are refused
/// with the line or the reason named, and nothing changed.
final class StoreDumpTests: XCTestCase {
    /// A real run record of a tiny model (trained once for all tests), for a done run's record_json.
    nonisolated(unsafe) static var recordJSON: String?

    func trainedRecordJSON() throws -> String {
        if let json = Self.recordJSON { return json }
        let record = try train(tinyConfig(), corpus: syntheticCorpus(), options: TrainingOptions(version: "test"))
        let json = try StoreJSON.encode(record, what: "record_json")
        Self.recordJSON = json
        return json
    }

    /// A planned ladder with a run in every state, every column set somewhere (executor and job
    /// columns, record and metrics JSON, pids and start times, 64-bit extremes), a learning
    /// curve, task evaluations, a saved fit, an imported sweep, and a gap in the run ids.
    func fill(_ store: RunStore) throws {
        let plan = try LadderPlanner.plan(LadderSpec(budgets: [1e11, 1e12], count: 3))
        let (_, planned) = try store.add(plan, version: "t")
        XCTAssertEqual(planned.count, 6)
        let t0 = Date(timeIntervalSince1970: 1_780_000_000.123)
        var runs = planned
        // done, trained on Slurm, with a record, metrics and a curve
        runs[0].status = .done
        runs[0].startedAt = t0; runs[0].finishedAt = t0.addingTimeInterval(61.5); runs[0].heartbeat = t0.addingTimeInterval(61)
        runs[0].wallSeconds = 61.5; runs[0].tokensPerSecond = 1e-300
        runs[0].finalTrainLoss = 0.1; runs[0].finalValidationLoss = 0.30000000000000004; runs[0].finalBitsPerByte = .leastNonzeroMagnitude
        runs[0].recordJSON = try trainedRecordJSON()
        runs[0].metricsJSON = #"{"hellaswag":0.25,"lambada":1e-300}"#
        runs[0].executor = "slurm"; runs[0].jobID = "4242_0"; runs[0].arrayJobID = 4242; runs[0].arrayTaskID = 0
        runs[0].logPath = "/runs/1/log.txt"; runs[0].command = "python train.py --config '{config}' ?"
        runs[0].attempts = 2; runs[0].resumes = 1; runs[0].runnerPID = 77; runs[0].runnerStartTime = .max
        runs[0].checkpointPath = "/runs/1/ckpt"; runs[0].recordPath = "/runs/1/record.json"
        // running locally
        runs[1].status = .running; runs[1].startedAt = t0; runs[1].heartbeat = t0
        runs[1].runnerPID = 77; runs[1].workerPID = 78; runs[1].runnerStartTime = .min + 1; runs[1].workerStartTime = 123_456
        runs[1].executor = "local"; runs[1].attempts = 1; runs[1].command = "scalelab worker"
        // failed, interrupted, diverged; runs[5] stays queued
        runs[2].status = .failed; runs[2].message = "out of memory: ' \" ? \n ünïcode"; runs[2].attempts = 3
        runs[3].status = .interrupted; runs[3].checkpointPath = "/runs/4/ckpt"; runs[3].attempts = 1
        runs[4].status = .diverged; runs[4].finalTrainLoss = .infinity; runs[4].message = "loss became inf"
        try store.write { [runs] db in for r in runs { try db.update(r) } }
        try store.write { [id = runs[0].id!] db in
            for (step, x) in [(0, 1e-300), (10, 0.1), (20, 1.7976931348623157e308)] {
                try db.insert(StoredCurvePoint(runID: id, step: step, tokens: Double(step) * 64, flops: x, trainLoss: 3.5 - x / 1e308,
                                               validationLoss: 0.30000000000000004, validationBitsPerByte: .leastNonzeroMagnitude, learningRate: 3e-4))
            }
            try RunStore.replaceEvaluations(run: id, with: [
                TaskEvaluation(step: 10, tokens: 640, task: "addition-3", metric: "exact_match", value: 0.1),
                TaskEvaluation(step: 10, tokens: 640, task: "addition-3", metric: "answer_bits", value: 1.7976931348623157e308),
                TaskEvaluation(step: 20, tokens: 1280, task: "ünïcode ' \" ?", metric: "value", value: -1e-300),
            ], in: db)
        }
        _ = try store.save(StoredFit(law: "chinchilla", method: "approach-3", dataHash: "abc", points: 1,
                                     parameters: ["A": 0.1, "alpha": 1e-300], intervals: ["A": [0.05, .infinity]],
                                     scalelabVersion: "t", createdAt: t0))
        let file = try temporaryDirectory(self).appendingPathComponent("runs.csv")
        try "params,tokens,loss\n1e6,2e7,3.5\n2e6,4e7,3.25\n".write(to: file, atomically: true, encoding: .utf8)
        _ = try store.importMeasurements(try readImportFile(path: file.path), version: "t")
        try store.write { db in try db.execute(sql: "DELETE FROM run WHERE id = 7") }   // an id gap
    }

    /// SQLite → PostgreSQL → SQLite and PostgreSQL → SQLite → PostgreSQL: each dump of the
    /// restored store is byte-identical to the first, and every row reads back the same.
    func testADumpRoundTripsBetweenBackendsByteForByte() throws {
        let url = try TestPostgres.requireURL()
        let dir = try temporaryDirectory(self)
        for (n, startOnPostgres) in [false, true].enumerated() {
            let source = startOnPostgres ? try TestPostgres.newStore(self, url: url).0 : try RunStore.open(path: dir.appendingPathComponent("s\(n).sqlite").path)
            try fill(source)
            let first = try StoreDump.text(source, version: "t")
            XCTAssertTrue(first.hasPrefix(#"{"scalelab_store_dump":1,"schema_version":6,"scalelab_version":"t","rows":{"curve_point":3,"evaluation":3,"fit":1,"run":7,"sweep":2}}"#),
                          String(first.prefix(200)))
            XCTAssertEqual(first.split(separator: "\n").count, 1 + 2 + 7 + 3 + 1 + 3)
            var previous = source
            for hop in 0..<2 {
                let onPostgres = (hop == 0) != startOnPostgres
                let next = onPostgres ? try TestPostgres.newStore(self, url: url).0
                    : try RunStore.open(path: dir.appendingPathComponent("d\(n)-\(hop).sqlite").path)
                let restored = try next.restore(try StoreDump.read(Data(first.utf8), file: "store.dump"))
                XCTAssertEqual(restored, ["sweep": 2, "run": 7, "curve_point": 3, "fit": 1, "evaluation": 3])
                XCTAssertEqual(try StoreDump.text(next, version: "t"), first, "\(previous.backendName) → \(next.backendName)")
                XCTAssertEqual(try dump(next), try dump(source))
                XCTAssertEqual(try next.runs(), try source.runs())
                XCTAssertEqual(try next.fits(), try source.fits())
                XCTAssertEqual(try next.curves(), try source.curves())
                XCTAssertEqual(try next.evaluations(), try source.evaluations())
                previous = next
            }
        }
    }

    /// After a restore into PostgreSQL (ids given explicitly), new sweeps, runs and fits get ids
    /// past the restored ones: the identity sequences were set.
    func testNewRowsAfterARestoreGetFreshIds() throws {
        for (source, _) in try newStores(self) {
            try fill(source)
            let text = try StoreDump.text(source, version: "t")
            for (store, _) in try newStores(self) {
                try store.restore(try StoreDump.read(Data(text.utf8), file: "d"))
                let plan = try LadderPlanner.plan(LadderSpec(budgets: [1e11], count: 2))
                let (sweep, runs) = try store.add(plan, version: "t")
                XCTAssertEqual(sweep.id, 3, "\(source.backendName) → \(store.backendName)")
                XCTAssertEqual(runs.map(\.id), [9, 10], "after the largest id, 8")
                let fit = try store.save(StoredFit(law: "l", method: "m", dataHash: "h", points: 1, parameters: [:], intervals: nil,
                                                   scalelabVersion: "t"))
                XCTAssertEqual(fit, 2)
            }
        }
    }

    /// The dump's column list is the schema of both backends.
    func testTheDumpKnowsEveryColumnOfTheSchema() throws {
        for (store, _) in try newStores(self) {
            for table in StoreDump.tables {
                let actual = try store.read { db in
                    db.dialect == .sqlite
                        ? try db.values(String.self, sql: "SELECT name FROM pragma_table_info('\(table.name)')")
                        : try db.values(String.self, sql: "SELECT column_name::text FROM information_schema.columns "
                                        + "WHERE table_schema = current_schema() AND table_name = ?", arguments: [table.name])
                }
                XCTAssertEqual(Set(actual), Set(table.columns(in: StoreSchema.version).map(\.name)), "\(store.backendName) \(table.name)")
            }
        }
    }

    /// A store with rows, a newer format or schema, and malformed lines are refused, naming what
    /// is wrong; the destination is unchanged each time. A row the database refuses (a run of a
    /// sweep that is not there) rolls the whole restore back.
    func testRefusalsLeaveTheDestinationUnchanged() throws {
        let source = try RunStore.open(path: try temporaryDirectory(self).appendingPathComponent("src.sqlite").path)
        try fill(source)
        let lines = try StoreDump.text(source, version: "t").split(separator: "\n").map(String.init)
        func text(_ edit: (inout [String]) -> Void) -> Data {
            var l = lines
            edit(&l)
            return Data(l.map { $0 + "\n" }.joined().utf8)
        }
        let runLine = try XCTUnwrap(lines.firstIndex { $0.hasPrefix(#"{"table":"run""#) }) // 0-based
        for (store, path) in try newStores(self) {
            // Not empty.
            let occupied = try RunStore.open(location: path)
            defer { occupied.close() }
            _ = try occupied.add(try LadderPlanner.plan(LadderSpec(budgets: [1e11], count: 1)), version: "t")
            let before = try dump(store)
            XCTAssertThrowsError(try store.restore(try StoreDump.read(text { _ in }, file: "d"))) { e in
                XCTAssertEqual(e as? StoreDumpError, .notEmpty(path: path, rows: ["sweep": 1, "run": 1, "curve_point": 0, "fit": 0, "evaluation": 0]))
                XCTAssertTrue("\(e)".contains("not empty (1 sweep row, 1 run row)") && "\(e)".contains("nothing was changed"), "\(e)")
            }
            XCTAssertEqual(try dump(store), before)
            try store.write { db in try db.execute(sql: "DELETE FROM sweep") ; try db.execute(sql: "DELETE FROM run") }
            let empty = try dump(store)
            XCTAssertEqual(empty, [])

            // Newer format or schema: refused when read.
            XCTAssertThrowsError(try StoreDump.read(text { $0[0] = $0[0].replacingOccurrences(of: #""schema_version":6"#, with: #""schema_version":7"#) }, file: "d")) { e in
                XCTAssertEqual(e as? StoreDumpError, .newer(file: "d", what: "store schema version", version: 7, supported: 6))
                XCTAssertTrue("\(e)".contains("upgrade scalelab"), "\(e)")
            }
            XCTAssertThrowsError(try StoreDump.read(text { $0[0] = $0[0].replacingOccurrences(of: #""scalelab_store_dump":1"#, with: #""scalelab_store_dump":2"#) }, file: "d")) { e in
                XCTAssertEqual(e as? StoreDumpError, .newer(file: "d", what: "store dump format", version: 2, supported: 1))
            }
            // Malformed lines, each named.
            let cases: [(String, (inout [String]) -> Void, Int, String)] = [
                ("bad JSON", { $0[3] = "{\"table\": \"run\", " }, 4, "not a dump row"),
                ("unknown table", { $0[3] = $0[3].replacingOccurrences(of: #"{"table":"run""#, with: #"{"table":"runs""#) }, 4, "unknown table 'runs'"),
                ("missing column", { $0[runLine] = $0[runLine].replacingOccurrences(of: #""status":"done","#, with: "") }, runLine + 1, "missing column 'status'"),
                ("unknown column", { $0[runLine] = $0[runLine].replacingOccurrences(of: #""status":"#, with: #""colour":1,"status":"#) }, runLine + 1, "unknown column 'colour'"),
                ("wrong type", { $0[runLine] = $0[runLine].replacingOccurrences(of: #""attempts":2"#, with: #""attempts":"two""#) }, runLine + 1, "column 'attempts' must be an integer"),
                ("cut short", { $0.removeLast() }, lines.count, "announces 3 evaluation rows but the file has 2"),
                ("a table newer than the dump's schema", { lines in
                    lines[0] = lines[0].replacingOccurrences(of: #""schema_version":6"#, with: #""schema_version":4"#)
                    // Schema 4's curve points have no gradient-noise columns either.
                    lines = lines.map { $0.replacingOccurrences(of: #","?"(gradient_squared_norm|gradient_noise_trace|noise_measurements)":null"#,
                                                                with: "", options: .regularExpression) }
                },
                 lines.count - 2, "a row of table 'evaluation' in a dump of schema version 4, which has no such table"),
            ]
            for (name, edit, line, expected) in cases {
                XCTAssertThrowsError(try StoreDump.read(text(edit), file: "d"), name) { e in
                    guard case let .malformed(file, l, detail)? = e as? StoreDumpError else { return XCTFail("\(name): \(e)") }
                    XCTAssertEqual(file, "d")
                    XCTAssertEqual(l, line, name)
                    XCTAssertTrue(detail.contains(expected), "\(name): \(detail)")
                }
            }
            // Well-formed but refused by the database half-way (the last run, of a sweep that is not
            // there): everything before it is rolled back too.
            let orphan = text { $0[runLine + 6] = $0[runLine + 6].replacingOccurrences(of: #""sweep_id":2"#, with: #""sweep_id":99"#) }
            XCTAssertThrowsError(try store.restore(try StoreDump.read(orphan, file: "d"))) { e in
                guard case .store? = e as? StoreDumpError else { return XCTFail("\(e)") }
            }
            XCTAssertEqual(try dump(store), empty, "\(store.backendName): nothing stored")
            try store.restore(try StoreDump.read(text { _ in }, file: "d"))
            XCTAssertEqual(try dump(store), try dump(source), "and the whole dump restores afterwards")
        }
    }

    /// A dump of an older schema (2: no executor columns) restores into the current one with
    /// those columns NULL; and a NaN, which PostgreSQL holds but SQLite cannot, is refused for SQLite.
    func testOlderSchemaDumpsRestoreAndSQLiteRefusesNaN() throws {
        let source = try RunStore.open(path: try temporaryDirectory(self).appendingPathComponent("src.sqlite").path)
        try fill(source)
        let v3 = StoreDump.tables[1].allColumns.filter { $0.since >= 3 }.map(\.name)   // the columns of schemas 3 and 4
        let v6 = StoreDump.tables[2].allColumns.filter { $0.since >= 6 }.map(\.name)   // the curve points' of schema 6
        // Schema 2 has no evaluation table: its rows go, and their count.
        var lines = try StoreDump.text(source, version: "t").split(separator: "\n").map(String.init)
            .filter { !$0.hasPrefix(#"{"table":"evaluation""#) }
        for (i, line) in lines.enumerated() {
            guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { continue }
            if i == 0 {
                var header = object
                header["schema_version"] = 2
                header["rows"] = (header["rows"] as? [String: Any])?.filter { $0.key != "evaluation" }
                lines[i] = String(decoding: try JSONSerialization.data(withJSONObject: header), as: UTF8.self)
            } else if object["table"] as? String == "run", var row = object["row"] as? [String: Any] {
                for c in v3 { row[c] = nil }
                lines[i] = String(decoding: try JSONSerialization.data(withJSONObject: ["table": "run", "row": row]), as: UTF8.self)
            } else if object["table"] as? String == "curve_point", var row = object["row"] as? [String: Any] {
                for c in v6 { row[c] = nil }
                lines[i] = String(decoding: try JSONSerialization.data(withJSONObject: ["table": "curve_point", "row": row]), as: UTF8.self)
            }
        }
        let old = Data(lines.map { $0 + "\n" }.joined().utf8)
        for (store, _) in try newStores(self) {
            try store.restore(try StoreDump.read(old, file: "old"))
            let runs = try store.runs()
            XCTAssertEqual(runs.map(\.status), try source.runs().map(\.status))
            XCTAssertEqual(runs.compactMap(\.executor), [], "v3 columns are NULL")
            XCTAssertEqual(runs[0].recordJSON, try source.runs()[0].recordJSON)
            XCTAssertEqual(try store.evaluations(), [:], "no evaluations in a schema 2 dump")
        }
        let nan = Data(lines.enumerated().map { i, l in
            (i == 5 ? l.replacingOccurrences(of: #""final_train_loss":null"#, with: #""final_train_loss":"nan""#) : l) + "\n"
        }.joined().utf8)
        let sqlite = try RunStore.open(path: try temporaryDirectory(self).appendingPathComponent("nan.sqlite").path)
        XCTAssertThrowsError(try sqlite.restore(try StoreDump.read(nan, file: "nan"))) { e in
            guard case let .malformed(_, line, detail)? = e as? StoreDumpError else { return XCTFail("\(e)") }
            XCTAssertEqual(line, 6, "the failed run's line")
            XCTAssertTrue(detail.contains("final_train_loss") && detail.contains("SQLite cannot hold"), detail)
        }
        XCTAssertEqual(try dump(sqlite), [])
    }
}
