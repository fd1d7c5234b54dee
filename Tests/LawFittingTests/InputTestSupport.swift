import Foundation
import Testing
@testable import LawFitting
import ScalingLaws

/// Shared helpers for the measurement-input tests.
enum InputFixtures {
    /// `Tests/Fixtures`, found from this file's path.
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// The package root (two levels above `Tests/LawFittingTests`).
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// Writes `text` to a fresh temporary directory as `name` and returns the path.
    static func write(_ text: String, as name: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("scalelab-input-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    /// Removes the temporary directory `write` made for `path`.
    static func remove(_ path: String) {
        try? FileManager.default.removeItem(at: URL(fileURLWithPath: path).deletingLastPathComponent())
    }

    /// Reads `text` written to a temporary file named `name`.
    static func read(_ text: String, as name: String, requiring: Set<ScaleVariable> = [],
                     mapping: ColumnMapping = ColumnMapping(),
                     format: MeasurementFileFormat? = nil) throws -> MeasurementSet {
        let path = try write(text, as: name)
        defer { remove(path) }
        return try MeasurementReader(mapping: mapping, format: format).read(path: path, requiring: requiring)
    }

    /// The error reading `text` (written as `name`) throws, or nil when it reads fine.
    static func error(_ text: String, as name: String, requiring: Set<ScaleVariable> = [],
                      mapping: ColumnMapping = ColumnMapping()) throws -> MeasurementInputError? {
        let path = try write(text, as: name)
        defer { remove(path) }
        do {
            _ = try MeasurementReader(mapping: mapping).read(path: path, requiring: requiring)
            return nil
        } catch {
            return error
        }
    }
}

/// Expects `error` to exist and its message to contain every one of `parts`.
func expectMessage(_ error: MeasurementInputError?, contains parts: [String],
                   sourceLocation: SourceLocation = #_sourceLocation) {
    guard let error else {
        Issue.record("expected an error whose message contains \(parts), but reading succeeded",
                     sourceLocation: sourceLocation)
        return
    }
    let message = error.description
    for part in parts where !message.contains(part) {
        Issue.record("message \"\(message)\" does not contain \"\(part)\"", sourceLocation: sourceLocation)
    }
    #expect(error.errorDescription == message, sourceLocation: sourceLocation)
}

/// Every record of CSV bytes with the line it starts on, as `forEachCSVRecord` hands them over:
/// what the splitter's tests and the fuzz tests' JSON Lines conversion compare.
func splitCSVRecords(_ bytes: [UInt8], file: String) throws(MeasurementInputError) -> [(line: Int, fields: [String])] {
    var records: [(line: Int, fields: [String])] = []
    try forEachCSVRecord(bytes, file: file) { line, fields in records.append((line, fields)) }
    return records
}
