import Foundation
import XCTest

/// `scalelab study hyperparameters --quick` end to end: real models trained in worker processes
/// at several learning rates, batches and schedules, the optima fitted, the summary, store and
/// report written, a second run resuming without training; bad input refused clearly.
final class StudyHyperparametersCommandTests: XCTestCase {
    var dir: URL!
    var corpus: String { dir.appendingPathComponent("corpus.txt").path }
    var studyDir: String { dir.appendingPathComponent("study").path }

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("hyperparameters-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try LadderCommandTests.writeCorpus(to: corpus)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func study(_ extra: [String] = []) throws -> CLIRunner.Result {
        try CLIRunner.run(["study", "hyperparameters", "--quick", "--dir", studyDir, "--data", corpus, "--bootstrap", "20"] + extra)
    }

    func testTheQuickStudySweepsFitsTheOptimaAndResumes() throws {
        let r = try study(["--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let summary = try XCTUnwrap(try r.json() as? [String: Any])
        let runs = try XCTUnwrap(summary["runs"] as? [[String: Any]])
        XCTAssertEqual(runs.count, 12)
        XCTAssertTrue(runs.allSatisfy { ($0["loss"] as? Double).map { $0 > 0 && $0.isFinite } ?? false }, "\(runs)")
        let axes = Set(runs.compactMap { $0["axis"] as? String })
        XCTAssertEqual(axes, ["baseline", "learning-rate", "batch", "warmup", "cosine-floor", "beta2"])
        // The learning rate has 3 values at both sizes; the batch only at the larger (1 sequence cannot halve).
        let optima = try XCTUnwrap(summary["optima"] as? [[String: Any]])
        XCTAssertEqual(optima.filter { $0["axis"] as? String == "learning-rate" }.count, 2)
        XCTAssertEqual(optima.filter { $0["axis"] as? String == "batch" }.count, 1)
        XCTAssertEqual((summary["schedule"] as? [Any])?.count, 3)
        let notes = try XCTUnwrap(summary["notes"] as? [String])
        XCTAssertTrue(notes.contains { $0.contains("fewer than 3 distinct values") }, "\(notes)")
        // Only runs of 2 or more sequences measure the gradient noise scale (B_simple may still come
        // out undefined on this small repetitive corpus, where late gradients are mostly noise).
        XCTAssertTrue(runs.filter { ($0["batch"] as? Int ?? 0) < 2 }.allSatisfy { $0["noiseScale"] == nil }, "\(runs)")
        for file in ["summary.json", "scalelab.sqlite", "report.html"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: (studyDir as NSString).appendingPathComponent(file)), file)
        }
        let page = try String(contentsOfFile: (studyDir as NSString).appendingPathComponent("report.html"), encoding: .utf8)
        XCTAssertTrue(page.contains("id=\"section-study-hyperparameters\""))

        // Again: nothing trains, the tables are printed.
        let again = try study()
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stdout.contains("Resuming the study"), again.stdout)
        XCTAssertFalse(again.stdout.contains(": training "), again.stdout)
        XCTAssertTrue(again.stdout.contains("Study: hyperparameters"), again.stdout)
        XCTAssertTrue(again.stdout.contains("Schedule checks"), again.stdout)

        // Another seed count on the same folder: refused with what to do, nothing trained.
        let other = try study(["--seeds", "2"])
        XCTAssertNotEqual(other.status, 0)
        XCTAssertTrue(other.stderr.contains("--fresh"), other.stderr)
        XCTAssertFalse(other.stderr.contains("Fatal error"), other.stderr)
    }

    func testBadInputIsRefusedClearly() throws {
        let seeds = try study(["--seeds", "0"])
        XCTAssertNotEqual(seeds.status, 0)
        XCTAssertTrue(seeds.stderr.contains("seeds per run must be from 1 to 10"), seeds.stderr)
        let both = try study(["--candidate"])
        XCTAssertNotEqual(both.status, 0)
        XCTAssertTrue(both.stderr.contains("--candidate and --quick are two designs"), both.stderr)
        let missing = try CLIRunner.run(["study", "hyperparameters", "--quick", "--dir", studyDir,
                                         "--data", dir.appendingPathComponent("nope.txt").path])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("no training text at"), missing.stderr)
        XCTAssertFalse(seeds.stderr.contains("Fatal error") || missing.stderr.contains("Fatal error"))
    }
}
