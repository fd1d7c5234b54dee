import Foundation
import XCTest

/// `scalelab study repetition --quick` end to end: real training of capped runs in worker
/// processes, the fit and forecast stored before the held-out model trains, the summary, store
/// and report written, a second run resuming without training, other settings refused; and
/// `train --unique-tokens` refusing bad caps.
final class StudyRepetitionCommandTests: XCTestCase {
    var dir: URL!
    var corpus: String { dir.appendingPathComponent("corpus.txt").path }
    var studyDir: String { dir.appendingPathComponent("study").path }

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("repetition-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        // A varied text, long enough for the quick ladder's 1-epoch runs to see only fresh bytes.
        var text = ""
        for i in 0..<20_000 {
            text += "line \(i): the \(["cat", "dog", "owl", "fox", "hen"][i % 5]) sat on the \(["mat", "log", "hill"][i % 3]) at \(i % 7).\n"
        }
        try text.write(toFile: corpus, atomically: true, encoding: .utf8)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func study(_ extra: [String] = []) throws -> CLIRunner.Result {
        try CLIRunner.run(["study", "repetition", "--quick", "--dir", studyDir, "--data", corpus, "--workers", "1",
                           "--bootstrap", "20"] + extra)
    }

    func testTheQuickStudyTrainsCappedRunsForecastsBeforeTheHeldOutModelAndResumes() throws {
        let r = try study(["--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let summary = try XCTUnwrap(try r.json() as? [String: Any])
        let runs = try XCTUnwrap(summary["runs"] as? [[String: Any]])
        let ladder = runs.filter { $0["role"] as? String == "ladder" }
        XCTAssertEqual(ladder.count, 9, "3 sizes × 1, 4 and 32 epochs")
        XCTAssertEqual(runs.filter { $0["role"] as? String == "held-out" }.count, 1)
        // The store's U is each run's cap: its epochs span 1 to 32.
        let epochs = ladder.compactMap { $0["epochs"] as? Double }
        XCTAssertEqual(epochs.min()!, 1, accuracy: 0.01)
        XCTAssertEqual(epochs.max()!, 32, accuracy: 1)
        let constants = try XCTUnwrap(summary["constants"] as? [[String: Any]])
        let rd = try XCTUnwrap(constants.first { $0["name"] as? String == "R_D_star" })
        XCTAssertEqual(rd["published"] as? Double, 15.387756)
        XCTAssertTrue((rd["fitted"] as? Double).map { $0 > 0 && $0.isFinite } ?? false, "\(rd)")
        let penalties = try XCTUnwrap(summary["penalties"] as? [[String: Any]])
        XCTAssertEqual(penalties.count, 9)
        let forecast = try XCTUnwrap(summary["forecast"] as? [String: Any])
        let loss = try XCTUnwrap(forecast["loss"] as? Double), measured = try XCTUnwrap(forecast["measured"] as? Double)
        XCTAssertTrue(loss > 0 && measured > 0 && loss.isFinite, "\(forecast)")
        let recorded = try XCTUnwrap(summary["forecastRecordedAt"] as? String), finished = try XCTUnwrap(summary["heldOutFinishedAt"] as? String)
        XCTAssertLessThan(recorded, finished)
        for file in ["summary.json", "scalelab.sqlite", "report.html"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: (studyDir as NSString).appendingPathComponent(file)), file)
        }
        let page = try String(contentsOfFile: (studyDir as NSString).appendingPathComponent("report.html"), encoding: .utf8)
        XCTAssertTrue(page.contains("id=\"section-study-repetition\""))

        // Again: nothing trains, nothing is forecast twice.
        let again = try study()
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stdout.contains("Resuming the study"), again.stdout)
        XCTAssertFalse(again.stdout.contains(": training "), again.stdout)
        XCTAssertTrue(again.stdout.contains("Study: repeated data"), again.stdout)

        // Another seed on the same folder: refused with what to do.
        let other = try study(["--seed", "1"])
        XCTAssertNotEqual(other.status, 0)
        XCTAssertTrue(other.stderr.contains("other settings") && other.stderr.contains("--fresh"), other.stderr)
        XCTAssertFalse(other.stderr.contains("Fatal error"), other.stderr)
    }

    func testBadCapsAreRefusedByTrain() throws {
        for (cap, says) in [("16", "at least the context + 1"), ("nan", "whole number"), ("64", "context + 1 = 65"), ("100.5", "whole number")] {
            let r = try CLIRunner.run(["train", "--data", corpus, "--context", "64", "--tokens", "4096", "--unique-tokens", cap])
            XCTAssertNotEqual(r.status, 0, cap)
            XCTAssertTrue(r.stderr.contains(says), "\(cap): \(r.stderr)")
            XCTAssertFalse(r.stderr.contains("Fatal error"), r.stderr)
        }
        let huge = try CLIRunner.run(["train", "--data", corpus, "--context", "64", "--tokens", "4096", "--unique-tokens", "100000000"])
        XCTAssertNotEqual(huge.status, 0)
        XCTAssertTrue(huge.stderr.contains("more than the training split's"), huge.stderr)
    }
}
