import Foundation
import XCTest

/// The gradient noise scale end to end: a ladder that measures it (`ladder plan
/// --noise-scale-every`), `fit --law critical-batch` and `--law kaplan-ns` on its store, and
/// `plan --critical-batch` from the fit; bad input refused with what to fix.
final class CriticalBatchCommandTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("critical-batch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func ok(_ args: [String]) throws -> CLIRunner.Result {
        let r = try CLIRunner.run(args)
        XCTAssertEqual(r.status, 0, "\(args): \(r.stderr)")
        return r
    }

    func testALadderMeasuresItsNoiseScaleAndFitsTheCriticalBatch() throws {
        let store = dir.appendingPathComponent("lab.sqlite").path, corpus = dir.appendingPathComponent("corpus.txt").path
        try LadderCommandTests.writeCorpus(to: corpus)
        _ = try ok(["ladder", "plan", "--budgets", "1e10,3e10", "--sizes-per-budget", "2", "--context", "16", "--noise-scale-every", "1",
                    "--throughput", "1e9", "--store", store])
        _ = try ok(["ladder", "run", "--store", store, "--data", corpus, "--json"])
        let fitFile = dir.appendingPathComponent("batch.json").path
        let fit = try ok(["fit", "--store", store, "--law", "kaplan-ns", "--bootstrap", "30", "--out", fitFile, "--json"])
        let report = try XCTUnwrap(try fit.json() as? [String: Any])
        let batch = try XCTUnwrap(report["criticalBatch"] as? [String: Any])
        let law = try XCTUnwrap(batch["law"] as? [String: Any])
        let alphaB = try XCTUnwrap(law["alphaB"] as? Double), bStar = try XCTUnwrap(law["bStar"] as? Double)
        XCTAssertTrue(alphaB > 0 && alphaB.isFinite && bStar > 0, "\(law)")
        XCTAssertEqual(batch["runs"] as? Int, 4)
        XCTAssertEqual((report["runs"] as? [[String: Any]])?.count, 4)
        XCTAssertNotNil(report["steps"] ?? report["stepsProblem"], "kaplan-ns fits L(N, S_min) or says why not")

        let text = try ok(["fit", "--store", store, "--law", "critical-batch", "--bootstrap", "30"])
        XCTAssertTrue(text.stdout.contains("Critical batch B_crit(L) = B*/L^(1/alpha_B)"), text.stdout)
        XCTAssertTrue(text.stdout.contains("published (Kaplan 2020)"), text.stdout)

        let plan = try ok(["plan", "--compute", "1e12", "--critical-batch", fitFile, "--json"])
        let planned = try XCTUnwrap((try plan.json() as? [String: Any])?["batch"] as? [String: Any])
        let criticalBatch = try XCTUnwrap(planned["criticalBatch"] as? Double), loss = try XCTUnwrap(planned["loss"] as? Double)
        XCTAssertEqual(criticalBatch, bStar * pow(loss, -1 / alphaB), accuracy: 1e-9 * criticalBatch)
        XCTAssertEqual(planned["minimumSteps"] as? Double ?? 0, (planned["steps"] as? Double ?? 0) / 2, accuracy: 1e-6)
        let published = try ok(["plan", "--compute", "5.76e23", "--critical-batch", "kaplan2020"])
        XCTAssertTrue(published.stdout.contains("B_crit") && published.stdout.contains("twice the fewest"), published.stdout)
    }

    func testBadInputIsRefusedWithWhatToFix() throws {
        let csv = dir.appendingPathComponent("runs.csv").path
        try "N,D,loss\n1e6,1e8,3\n2e6,1e8,2.9\n".write(toFile: csv, atomically: true, encoding: .utf8)
        let file = try CLIRunner.run(["fit", csv, "--law", "critical-batch"])
        XCTAssertEqual(file.status, 64, file.stderr)
        XCTAssertTrue(file.stderr.contains("give --store DB"), file.stderr)

        // A store of runs that did not measure the noise scale.
        let store = dir.appendingPathComponent("plain.sqlite").path
        _ = try ok(["import", csv, "--store", store])
        let none = try CLIRunner.run(["fit", "--store", store, "--law", "critical-batch"])
        XCTAssertEqual(none.status, 1, none.stderr)
        XCTAssertTrue(none.stderr.contains("--noise-scale-every"), none.stderr)
        XCTAssertFalse(none.stderr.contains("Fatal error"), none.stderr)
        let extra = try CLIRunner.run(["fit", "--store", store, "--law", "critical-batch", "--fix", "E=1"])
        XCTAssertEqual(extra.status, 64, extra.stderr)

        let missing = try CLIRunner.run(["plan", "--compute", "1e20", "--critical-batch", dir.appendingPathComponent("nope.json").path])
        XCTAssertEqual(missing.status, 1, missing.stderr)
        XCTAssertTrue(missing.stderr.contains("cannot read") && missing.stderr.contains("kaplan2020"), missing.stderr)
        let wrong = try CLIRunner.run(["plan", "--compute", "1e20", "--critical-batch", csv])
        XCTAssertEqual(wrong.status, 1, wrong.stderr)
        XCTAssertTrue(wrong.stderr.contains("is not a critical-batch fit"), wrong.stderr)

        let one = try CLIRunner.run(["train", "--batch", "1", "--tokens", "1000", "--context", "16", "--noise-scale-every", "1"])
        XCTAssertEqual(one.status, 64, one.stderr)
        XCTAssertTrue(one.stderr.contains("--batch of at least 2"), one.stderr)
    }
}
