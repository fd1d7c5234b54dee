import Foundation
import XCTest

/// `scalelab study transfer --quick` end to end: real models pre-trained on one text, fine-tuned
/// from their kept checkpoints on another and trained from scratch on it, in worker processes;
/// the summary, store and report written, a second run resuming without training; bad input
/// refused clearly.
final class StudyTransferCommandTests: XCTestCase {
    var dir: URL!
    var corpus: String { dir.appendingPathComponent("prose.txt").path }
    var target: String { dir.appendingPathComponent("code.txt").path }
    var studyDir: String { dir.appendingPathComponent("study").path }

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("transfer-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var prose = "", code = ""
        let animals = ["cat", "dog", "owl", "fox", "hen"], places = ["mat", "log", "hill"]
        for i in 0..<6_000 {
            prose += "line \(i): the \(animals[i % 5]) sat on the \(places[i % 3]) at \(i % 7).\n"
            code += "def \(animals[i % 5])_\(i % 11)(x):\n    return x + \(i % 7)  # the \(places[i % 3])\n"
        }
        try prose.write(toFile: corpus, atomically: true, encoding: .utf8)
        try code.write(toFile: target, atomically: true, encoding: .utf8)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func study(_ extra: [String] = []) throws -> CLIRunner.Result {
        try CLIRunner.run(["study", "transfer", "--quick", "--dir", studyDir, "--data", corpus, "--target-data", target,
                           "--bootstrap", "20"] + extra)
    }

    func testTheQuickStudyPretrainsFineTunesTrainsFromScratchAndResumes() throws {
        let r = try study(["--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let summary = try XCTUnwrap(try r.json() as? [String: Any])
        XCTAssertEqual((summary["sizes"] as? [Any])?.count, 2)
        XCTAssertEqual((summary["scratch"] as? [Any])?.count, 2 * 4)
        let transfers = try XCTUnwrap(summary["transfers"] as? [[String: Any]])
        XCTAssertEqual(transfers.count, 2 * 2)
        for t in transfers {
            XCTAssertTrue(((t["loss"] as? Double) ?? .nan).isFinite, "\(t)")
            XCTAssertTrue(["equal", "at-most", "more-than"].contains(t["bound"] as? String ?? ""), "\(t)")
        }
        // The fine-tuning runs started from the pre-trained models' kept checkpoints: their
        // records name the parent, and the files are still there.
        let runs = (studyDir as NSString).appendingPathComponent("scalelab.sqlite.runs")
        let kept = try FileManager.default.contentsOfDirectory(atPath: runs).filter { $0.hasSuffix(".ckpt") }
        XCTAssertEqual(kept.count, 2, "\(kept)")
        let dump = try CLIRunner.run(["ladder", "status", "--store", (studyDir as NSString).appendingPathComponent("scalelab.sqlite")])
        XCTAssertEqual(dump.status, 0, dump.stderr)
        for file in ["summary.json", "scalelab.sqlite", "report.html", "study.json"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: (studyDir as NSString).appendingPathComponent(file)), file)
        }
        let page = try String(contentsOfFile: (studyDir as NSString).appendingPathComponent("report.html"), encoding: .utf8)
        XCTAssertTrue(page.contains("id=\"section-study-transfer\""))
        XCTAssertTrue(page.contains("Effective data transferred against fine-tuning data"))

        // Again: nothing trains, the tables are printed.
        let again = try study()
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stdout.contains("Resuming the study"), again.stdout)
        XCTAssertFalse(again.stdout.contains(": training "), again.stdout)
        XCTAssertTrue(again.stdout.contains("Study: transfer"), again.stdout)

        // Another target corpus on the same folder: refused with what to do, nothing trained.
        let other = try CLIRunner.run(["study", "transfer", "--quick", "--dir", studyDir, "--data", corpus, "--target-data", corpus])
        XCTAssertNotEqual(other.status, 0)
        XCTAssertTrue(other.stderr.contains("--target-data") && other.stderr.contains("--fresh"), other.stderr)
        XCTAssertFalse(other.stderr.contains("Fatal error"), other.stderr)
    }

    func testAMissingTargetCorpusSaysHowToFetchIt() throws {
        let missing = try CLIRunner.run(["study", "transfer", "--quick", "--dir", studyDir, "--data", corpus,
                                         "--target-data", dir.appendingPathComponent("nope.txt").path])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("no target text at") && missing.stderr.contains("make corpus-code"), missing.stderr)
        XCTAssertFalse(missing.stderr.contains("Fatal error"), missing.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: (studyDir as NSString).appendingPathComponent("scalelab.sqlite")),
                       "nothing is created before the input is checked")
    }
}
