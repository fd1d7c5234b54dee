import Foundation
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
}
