import Foundation
import LawFitting
import XCTest
@testable import Lab

/// Import is all or nothing; export reads back as the same measurements.
final class TransferTests: XCTestCase {
    func testImportThenExportRoundTripsTheNumbers() throws {
        let dir = try temporaryDirectory(self)
        let store = try RunStore.open(path: dir.appendingPathComponent("s.sqlite").path)
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

    func testABadRowImportsNothingAndNamesLineAndColumn() throws {
        let dir = try temporaryDirectory(self)
        let store = try RunStore.open(path: dir.appendingPathComponent("s.sqlite").path)
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
