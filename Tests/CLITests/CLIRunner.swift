import Foundation
import XCTest

/// Runs the built `scalelab` executable as a subprocess and captures what it prints.
///
/// The executable is found next to the test bundle (SwiftPM puts both in `.build/<config>/`):
/// the directory of the `.xctest` bundle (macOS), of the test executable (Linux), or of
/// `argv[0]`. Usage:
/// ```
/// let r = try CLIRunner.run(["plan", "--compute", "1e21", "--json"])
/// XCTAssertEqual(r.status, 0)
/// let report = try r.decodeJSON(PlanReport.self)
/// ```
enum CLIRunner {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String

        /// Decodes stdout as one JSON document of type `T`.
        func decodeJSON<T: Decodable>(_ type: T.Type) throws -> T {
            try JSONDecoder().decode(T.self, from: Data(stdout.utf8))
        }

        /// Parses stdout as one JSON value (object or array).
        func json() throws -> Any {
            try JSONSerialization.jsonObject(with: Data(stdout.utf8))
        }
    }

    /// A class to locate the test bundle with `Bundle(for:)`.
    private final class Anchor {}

    /// The `scalelab` executable, or nil if it has not been built.
    static var executableURL: URL? {
        var dirs: [URL] = [Bundle(for: Anchor.self).bundleURL.deletingLastPathComponent(),
                           Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent()]
        if let exe = Bundle.main.executableURL { dirs.append(exe.deletingLastPathComponent()) }
        if let arg0 = CommandLine.arguments.first {
            dirs.append(URL(fileURLWithPath: arg0).deletingLastPathComponent())
        }
        return dirs.map { $0.appendingPathComponent("scalelab") }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    /// Runs `scalelab` with `arguments`; fails the test (throws) if the executable is missing.
    /// Runs `scalelab` with `arguments`; `environment` entries are added to (or, with a nil
    /// value, removed from) this process's environment.
    static func run(_ arguments: [String], environment: [String: String?] = [:]) throws -> Result {
        let url = try XCTUnwrap(executableURL, "scalelab executable not found next to the test bundle; run `swift build` first")
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        if !environment.isEmpty {
            var env = ProcessInfo.processInfo.environment
            for (key, value) in environment { env[key] = value ?? nil }
            process.environment = env
        }
        // stdout through a pipe read to the end; stderr to a temporary file, so that neither
        // stream can fill up and block the child while we read the other.
        let out = Pipe()
        let errURL = FileManager.default.temporaryDirectory.appendingPathComponent("scalelab-stderr-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errURL) }
        let errHandle = try FileHandle(forWritingTo: errURL)
        process.standardOutput = out
        process.standardError = errHandle
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try errHandle.close()
        let errData = try Data(contentsOf: errURL)
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }
}
