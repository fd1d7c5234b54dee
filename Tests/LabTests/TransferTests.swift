import Foundation
import GRDB
import LawFitting
import XCTest
@testable import Lab

/// Import is all or nothing; export reads back as the same measurements.
final class TransferTests: XCTestCase {
    func testImportThenExportRoundTripsTheNumbers() throws {
        let dir = try temporaryDirectory(self)
        for (store, _) in try newStores(self) {
        let csv = "params,tokens,loss\n1e6,2e7,3.5\n2e6,4e7,3.25\n4e6,8e7,3.0\n"
        let file = dir.appendingPathComponent("runs.csv")
        try csv.write(to: file, atomically: true, encoding: .utf8)
        let set = try readImportFile(path: file.path)
        let summary = try store.importMeasurements(set, version: "t")
        XCTAssertEqual(summary.runs, 3)
        XCTAssertEqual(summary.derived, ["C"])
        XCTAssertEqual(try store.measurements(), set.measurements)
        for format in MeasurementFileFormat.allCases {
            let out = dir.appendingPathComponent("out.\(format.rawValue)")
            try RunExport.text(store, format: format).write(to: out, atomically: true, encoding: .utf8)
            let back = try MeasurementReader().read(path: out.path, requiring: [.parameters, .tokens])
            XCTAssertEqual(back.measurements, set.measurements, "\(format)")
        }
        }
    }

    /// Issue 18: N·D overflowing made C = inf, stored by import, which then trapped
    /// `report --store`. Import refuses it now; a store that already holds such a run (older
    /// ScaleLab, edited by hand) names the run and column instead of trapping, and keeps it.
    func testNonFiniteStoredValueIsANamedErrorNotATrap() throws {
        let dir = try temporaryDirectory(self)
        for (store, path) in try newStores(self) {
        let file = dir.appendingPathComponent("runs.csv")
        try "params,tokens,loss\n1e6,2e7,3.5\n2e6,4e7,3.25\n".write(to: file, atomically: true, encoding: .utf8)
        _ = try store.importMeasurements(try readImportFile(path: file.path), version: "t")
        let huge = dir.appendingPathComponent("huge.csv")
        try "params,tokens,loss\n1e200,2e200,3\n".write(to: huge, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try readImportFile(path: huge.path))
        _ = try store.write { db in try db.execute(sql: "UPDATE run SET flops = ? WHERE id = 2", arguments: [Double.infinity]) }
        let before = try dump(store)
        XCTAssertThrowsError(try store.measurements()) { e in
            guard case let .corruptColumn(p, table, id, column, detail)? = e as? StoreError else {
                return XCTFail("expected corruptColumn, got \(e)")
            }
            XCTAssertEqual([p, table, column], [path, "run", "flops"])
            XCTAssertEqual(id, 2)
            XCTAssertTrue(detail.contains("inf"), detail)
        }
        XCTAssertEqual(try dump(store), before, "nothing changed")
        // Export refuses it too, rather than write `inf`, which import would refuse.
        for format in [MeasurementFileFormat.csv, .jsonLines] {
            XCTAssertThrowsError(try RunExport.text(store, format: format)) { e in
                guard case let .corruptColumn(_, _, id, column, _)? = e as? StoreError else { return XCTFail("\(e)") }
                XCTAssertEqual(id, 2)
                XCTAssertEqual(column, "flops")
            }
        }
        }
    }

    func testABadRowImportsNothingAndNamesLineAndColumn() throws {
        let dir = try temporaryDirectory(self)
        for (store, _) in try newStores(self) {
        let good = dir.appendingPathComponent("good.jsonl")
        try "{\"params\": 1e6, \"tokens\": 2e7, \"loss\": 3.5}\n".write(to: good, atomically: true, encoding: .utf8)
        _ = try store.importMeasurements(try readImportFile(path: good.path), version: "t")
        let before = try dump(store)
        let bad = dir.appendingPathComponent("bad.csv")
        try "params,tokens,loss\n1e6,2e7,3.5\n2e6,4e7,oops\n".write(to: bad, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try store.importMeasurements(try readImportFile(path: bad.path), version: "t")) { e in
            XCTAssertEqual(e as? MeasurementInputError, .notANumber(file: bad.path, line: 3, column: "loss", value: "oops"))
        }
        XCTAssertEqual(try dump(store), before)
        }
    }

    /// `import` streams a file (`MeasurementStream`: checked whole, then read again row by row into
    /// the store) and must store, and say, exactly what the in-memory path does: the same sweeps
    /// and runs, hashes, derivations, C/6ND check and warnings, the repeated points' among them
    /// (found in the store by SQL, not in memory), for a file with a selection and groups, in both
    /// formats, on both backends.
    func testAStreamedImportStoresAndSaysWhatTheInMemoryImportDoes() throws {
        let dir = try temporaryDirectory(self)
        // Two sweeps pooled (lr), one shown the other way round in JSONL; repeated points at every
        // size with losses 4% apart; C off 6ND by 3x on two rows; a second loss-like column.
        var lines = ["run,tokenizer,lr,params,tokens,flops,loss,train_loss"]
        var k = 0
        for tokenizer in ["bpe", "char"] {
            for lr in ["0.001", "1e-2"] {
                for n in [1e6, 2e6, 4e6, 8e6] {
                    k += 1
                    let d = 20 * n, c = 6 * n * d * (k % 7 == 0 ? 3 : 1)
                    let loss = 2 + 30 / pow(n, 0.3) + (lr == "1e-2" ? 0.15 : 0) + (tokenizer == "char" ? 0.2 : 0)
                    lines.append("r\(k),\(tokenizer),\(lr),\(n),\(d),\(c),\(loss),\(loss - 0.1)")
                }
            }
        }
        lines.append("r99,skip,0.001,1e6,2e7,,9.0,9.0")
        let csv = dir.appendingPathComponent("runs.csv")
        try (lines.joined(separator: "\n") + "\n").write(to: csv, atomically: true, encoding: .utf8)
        let header = lines[0].split(separator: ",").map(String.init)
        let jsonl = dir.appendingPathComponent("runs.jsonl")
        try lines.dropFirst().map { line -> String in
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            return "{" + zip(header, cells).filter { !$0.1.isEmpty }.map { key, value in
                Double(value) != nil && key != "lr" ? "\"\(key)\": \(value)" : "\"\(key)\": \"\(value)\""
            }.joined(separator: ", ") + "}"
        }.joined(separator: "\n").write(to: jsonl, atomically: true, encoding: .utf8)

        let selections = [RowSelection(conditions: [RowCondition(column: "tokenizer", values: ["skip"], negated: true)]),
                          RowSelection(conditions: [RowCondition(column: "tokenizer", values: ["skip"], negated: true)],
                                       groupBy: ["tokenizer"]),
                          RowSelection(groupBy: ["Tokenizer", "lr"]),
                          RowSelection(groupBy: ["lr"])]   // groups that interleave in the file
        for file in [csv, jsonl] {
            for selection in selections {
                for ((held, _), (streamed, _)) in zip(try newStores(self), try newStores(self)) {
                    let reader = MeasurementReader(selection: selection)
                    let sets = try readImportGroups(path: file.path, reader: reader)
                    let names = sets.map { $0.group ?? "all" }
                    let expected = try held.importMeasurements(Array(zip(sets, names)), version: "t")
                    let stream = try reader.stream(path: file.path)
                    XCTAssertEqual(stream.groups.map(\.source), sets.map(\.source))
                    let got = try streamed.importMeasurements(stream, names: names, version: "t")
                    let what = "\(file.lastPathComponent) \(selection) \(held.backendName)"
                    XCTAssertEqual(got, expected, what)
                    XCTAssertEqual(try stored(streamed), try stored(held), what)
                    // The file has what every warning looks for, so the comparison means something.
                    if selection.groupBy.isEmpty {
                        let warnings = got[0].warnings ?? []
                        XCTAssertEqual(warnings.count, 4, "\(what): \(warnings)")
                        XCTAssertTrue(warnings.contains { $0.contains("repeated points") }, "\(warnings)")
                        XCTAssertTrue(warnings.contains { $0.contains("'tokenizer'") }, "\(warnings)")
                        XCTAssertNotNil(got[0].computeCheck)
                    }
                }
            }
        }
    }

    /// The sweeps and runs of a store without their timestamps, each sweep's runs in order (run ids
    /// interleave when a streamed file's groups do).
    private func stored(_ store: RunStore) throws -> [String] {
        try store.read { db in
            let show = { (row: Row) in row.columnNames.sorted().map { "\($0)=\(row[$0] as DatabaseValue)" }.joined(separator: " ") }
            return try db.fetchRows(sql: "SELECT id, name, kind, spec_json FROM sweep ORDER BY id", arguments: []).map(show)
                + db.fetchRows(sql: "SELECT sweep_id, parameters, tokens, flops, unique_tokens, final_validation_loss, status, message "
                               + "FROM run ORDER BY sweep_id, id", arguments: []).map(show)
        }
    }
}
