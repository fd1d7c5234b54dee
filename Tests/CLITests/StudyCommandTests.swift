import Foundation
import XCTest

/// `scalelab study emergence --quick` end to end: real training in worker processes, the forecast
/// stored before the held-out model trains, the summary, store and report written, a second run
/// resuming without training, and other settings on the same folder refused.
final class StudyCommandTests: XCTestCase {
    var dir: URL!
    var corpus: String { dir.appendingPathComponent("corpus.txt").path }
    var studyDir: String { dir.appendingPathComponent("study").path }

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("study-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        // A varied text: the task lines the study mixes in are what the models learn.
        var text = ""
        for i in 0..<6000 { text += "line \(i): the \(["cat", "dog", "owl", "fox"][i % 4]) sat on the \(["mat", "log", "hill"][i % 3]).\n" }
        try text.write(toFile: corpus, atomically: true, encoding: .utf8)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func study(_ extra: [String] = []) throws -> CLIRunner.Result {
        try CLIRunner.run(["study", "emergence", "--quick", "--dir", studyDir, "--data", corpus, "--workers", "1",
                           "--bootstrap", "20"] + extra)
    }

    func testTheQuickStudyTrainsForecastsBeforeTheHeldOutModelAndResumes() throws {
        let r = try study(["--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let summary = try XCTUnwrap(try r.json() as? [String: Any])
        let runs = try XCTUnwrap(summary["runs"] as? [[String: Any]])
        XCTAssertEqual(runs.filter { $0["role"] as? String == "ladder" }.count, 5)
        XCTAssertEqual(runs.filter { $0["role"] as? String == "held-out" }.count, 1)
        let scores = try XCTUnwrap(summary["scores"] as? [[String: Any]])
        let p = try XCTUnwrap(scores.first { $0["quantity"] as? String == "p" && $0["method"] as? String == "two-step" })
        let forecast = try XCTUnwrap(p["forecast"] as? Double), measured = try XCTUnwrap(p["measured"] as? Double)
        XCTAssertTrue(forecast > 0 && forecast <= 1 && measured > 0 && measured <= 1, "\(p)")
        XCTAssertNotNil(summary["twoStepPWithinTenPercent"] as? Bool)
        // The two-mode forecast: the probability of leaving the plateau, scored on the one held-out run.
        let twoMode = try XCTUnwrap(summary["twoMode"] as? [String: Any])
        let leaving = try XCTUnwrap(twoMode["leftProbability"] as? Double)
        XCTAssertTrue(leaving > 0 && leaving < 1, "\(twoMode)")
        XCTAssertEqual((summary["heldOutModes"] as? [[String: Any]])?.count, 1)
        // The forecast was stored before the held-out model finished training (ISO 8601 strings sort by time).
        let recorded = try XCTUnwrap(summary["forecastRecordedAt"] as? String), finished = try XCTUnwrap(summary["heldOutFinishedAt"] as? String)
        XCTAssertLessThan(recorded, finished)
        for file in ["summary.json", "scalelab.sqlite", "report.html"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: (studyDir as NSString).appendingPathComponent(file)), file)
        }
        let page = try String(contentsOfFile: (studyDir as NSString).appendingPathComponent("report.html"), encoding: .utf8)
        XCTAssertTrue(page.contains("id=\"section-study-emergence\""))
        XCTAssertTrue(page.contains("Study: emergence of addition-2"))

        // Again: nothing trains, nothing is forecast twice, the same findings.
        let again = try study()
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stdout.contains("Resuming the study"), again.stdout)
        XCTAssertFalse(again.stdout.contains(": training "), again.stdout)
        XCTAssertTrue(again.stdout.contains("Study: emergence of addition-2"), again.stdout)

        // Other settings on the same folder: refused with what to do, the store's content untouched
        // (its bytes may change: closing it folds SQLite's write-ahead log into the file).
        let storePath = (studyDir as NSString).appendingPathComponent("scalelab.sqlite")
        func dump() throws -> String {
            let r = try CLIRunner.run(["export", "--store", storePath, "--format", "store"])
            XCTAssertEqual(r.status, 0, r.stderr)
            return r.stdout
        }
        let before = try dump()
        let other = try study(["--seed", "1"])
        XCTAssertNotEqual(other.status, 0)
        XCTAssertTrue(other.stderr.contains("other settings") && other.stderr.contains("seed 0 there, 1 now")
                      && other.stderr.contains("--fresh"), other.stderr)
        XCTAssertFalse(other.stderr.contains("Fatal error"), other.stderr)
        XCTAssertEqual(try dump(), before)
        // Another number of seeds per rung: refused the same way.
        let seeds = try study(["--seeds", "2"])
        XCTAssertNotEqual(seeds.status, 0)
        XCTAssertTrue(seeds.stderr.contains("other settings") && seeds.stderr.contains("5 runs there, 10 now"), seeds.stderr)
        XCTAssertEqual(try dump(), before)

        // Another corpus on the same folder: refused before anything trains.
        let corpus2 = dir.appendingPathComponent("corpus2.txt").path
        try FileManager.default.copyItem(atPath: corpus, toPath: corpus2)
        let moved = try CLIRunner.run(["study", "emergence", "--quick", "--dir", studyDir, "--data", corpus2, "--workers", "1", "--bootstrap", "20"])
        XCTAssertNotEqual(moved.status, 0)
        XCTAssertTrue(moved.stderr.contains("was started on --data") && moved.stderr.contains("--fresh"), moved.stderr)
        XCTAssertEqual(try dump(), before)
    }

    func testBadStudyOptionsAreRefusedBeforeAnythingTrains() throws {
        for (args, says) in [(["--share", "0.99"], "share"), (["--task", "division-2"], "division-2"),
                             (["--workers", "0"], "--workers"), (["--bootstrap", "-1"], "--bootstrap"),
                             (["--seeds", "9"], "seeds"), (["--seeds", "0"], "seeds")] {
            let r = try study(args)
            XCTAssertNotEqual(r.status, 0, "\(args)")
            XCTAssertTrue(r.stderr.contains(says), "\(args): \(r.stderr)")
            XCTAssertFalse(r.stderr.contains("Fatal error"), r.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: (studyDir as NSString).appendingPathComponent("scalelab.sqlite")), "\(args)")
        }
        let missing = try CLIRunner.run(["study", "emergence", "--quick", "--dir", studyDir, "--data", dir.appendingPathComponent("none.txt").path])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("none.txt"), missing.stderr)
        XCTAssertFalse(missing.stderr.contains("Fatal error"), missing.stderr)
    }
}
