import Foundation
import XCTest

/// `scalelab study architecture --quick` end to end: real transformers and LSTMs trained in
/// worker processes, each scored by context position, both exponents fitted, the summary, store
/// and report written, a second run resuming without training; bad input refused clearly.
final class StudyArchitectureCommandTests: XCTestCase {
    var dir: URL!
    var corpus: String { dir.appendingPathComponent("corpus.txt").path }
    var studyDir: String { dir.appendingPathComponent("study").path }

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("architecture-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var text = ""
        for i in 0..<8_000 {
            text += "line \(i): the \(["cat", "dog", "owl", "fox", "hen"][i % 5]) sat on the \(["mat", "log", "hill"][i % 3]) at \(i % 7).\n"
        }
        try text.write(toFile: corpus, atomically: true, encoding: .utf8)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func study(_ extra: [String] = []) throws -> CLIRunner.Result {
        try CLIRunner.run(["study", "architecture", "--quick", "--dir", studyDir, "--data", corpus, "--bootstrap", "20"] + extra)
    }

    func testTheQuickStudyTrainsBothArchitecturesScoresPositionsAndResumes() throws {
        let r = try study(["--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let summary = try XCTUnwrap(try r.json() as? [String: Any])
        let runs = try XCTUnwrap(summary["runs"] as? [[String: Any]])
        XCTAssertEqual(runs.filter { $0["architecture"] as? String == "transformer" }.count, 3)
        XCTAssertEqual(runs.filter { $0["architecture"] as? String == "lstm" }.count, 3)
        let fits = try XCTUnwrap(summary["fits"] as? [[String: Any]])
        XCTAssertEqual(fits.compactMap { $0["architecture"] as? String }, ["transformer", "lstm"])
        for f in fits {
            let byN = try XCTUnwrap(f["parameters"] as? [String: Any])
            XCTAssertTrue((byN["alpha"] as? Double).map(\.isFinite) ?? false, "\(byN)")
            XCTAssertEqual((byN["alphaInterval"] as? [Double])?.count, 2, "\(byN)")
        }
        // Every model's loss by position, over the buckets of a 64-byte context.
        let positions = try XCTUnwrap(summary["positions"] as? [[String: Any]])
        XCTAssertEqual(positions.count, 6)
        for p in positions {
            XCTAssertEqual((p["buckets"] as? [[Int]])?.count, 7, "\(p)")
            XCTAssertTrue((p["losses"] as? [Double])?.allSatisfy { $0 > 0 && $0.isFinite } ?? false, "\(p)")
        }
        XCTAssertEqual((summary["gaps"] as? [Any])?.count, 3 * 7)
        for file in ["summary.json", "scalelab.sqlite", "report.html"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: (studyDir as NSString).appendingPathComponent(file)), file)
        }
        let page = try String(contentsOfFile: (studyDir as NSString).appendingPathComponent("report.html"), encoding: .utf8)
        XCTAssertTrue(page.contains("id=\"section-study-architecture\""))
        XCTAssertTrue(page.contains("Validation loss by position in the context"))

        // Again: nothing trains, the tables are printed.
        let again = try study()
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stdout.contains("Resuming the study"), again.stdout)
        XCTAssertFalse(again.stdout.contains(": training "), again.stdout)
        XCTAssertTrue(again.stdout.contains("Study: architectures"), again.stdout)
        XCTAssertTrue(again.stdout.contains("LSTM excess"), again.stdout)

        // Another seed on the same folder: refused with what to do, nothing trained.
        let other = try study(["--seed", "1"])
        XCTAssertNotEqual(other.status, 0)
        XCTAssertTrue(other.stderr.contains("other settings") && other.stderr.contains("--fresh"), other.stderr)
        XCTAssertFalse(other.stderr.contains("Fatal error"), other.stderr)
    }

    func testBadInputIsRefusedClearly() throws {
        let missing = try CLIRunner.run(["study", "architecture", "--quick", "--dir", studyDir, "--data", dir.appendingPathComponent("nope.txt").path])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("no training text at"), missing.stderr)
        let bootstrap = try CLIRunner.run(["study", "architecture", "--quick", "--dir", studyDir, "--data", corpus, "--bootstrap=-1"])
        XCTAssertNotEqual(bootstrap.status, 0)
        XCTAssertTrue(bootstrap.stderr.contains("--bootstrap must be 0 or more"), bootstrap.stderr)
        XCTAssertFalse(missing.stderr.contains("Fatal error") || bootstrap.stderr.contains("Fatal error"))
    }
}
