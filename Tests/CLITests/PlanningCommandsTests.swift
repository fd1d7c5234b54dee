import Foundation
import XCTest

/// `scalelab flops`, `laws` and `plan` run as a user runs them: exit codes, one JSON document
/// on stdout with --json, clear errors on stderr.
final class PlanningCommandsTests: XCTestCase {
    func object(_ r: CLIRunner.Result, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        XCTAssertEqual(r.status, 0, "stderr: \(r.stderr)", file: file, line: line)
        XCTAssertEqual(r.stderr, "", file: file, line: line)
        return try XCTUnwrap(try r.json() as? [String: Any], "stdout is not one JSON object: \(r.stdout)", file: file, line: line)
    }

    func testFlopsJSONForGPT2Small() throws {
        let r = try CLIRunner.run(["flops", "--layers", "12", "--d-model", "768", "--heads", "12",
                                   "--vocab", "50257", "--context", "1024", "--biases", "--json"])
        let doc = try object(r)
        XCTAssertEqual(doc["totalParameters"] as? Int, 124_439_808)
        let flops = try XCTUnwrap(doc["flops"] as? [[String: Any]])
        let byMethod = Dictionary(uniqueKeysWithValues: flops.map { ($0["method"] as! String, $0) })
        XCTAssertEqual(Set(byMethod.keys), ["exact", "exact-full-context", "chinchilla", "kaplan", "6N", "6N-non-embedding"])
        let exact = try XCTUnwrap(byMethod["exact"]?["trainingFLOPsPerToken"] as? Double)
        let sixN = try XCTUnwrap(byMethod["6N"]?["trainingFLOPsPerToken"] as? Double)
        XCTAssertEqual(sixN, 6 * 124_439_808)
        XCTAssertEqual(byMethod["6N"]?["relativeErrorVersusExact"] as? Double ?? .nan, (sixN - exact) / exact, accuracy: 1e-15)
        // The exact count itself is checked in the library tests; here: the attention scores and
        // the logits make it exceed 6N for GPT-2 small.
        XCTAssertGreaterThan(exact, sixN)
    }

    func testFlopsTextAndBadShape() throws {
        let ok = try CLIRunner.run(["flops", "--layers", "2", "--d-model", "64", "--heads", "4", "--untied", "--gated"])
        XCTAssertEqual(ok.status, 0)
        XCTAssertTrue(ok.stdout.contains("6N is off by"))
        XCTAssertTrue(ok.stdout.contains("untied embeddings"))
        let bad = try CLIRunner.run(["flops", "--layers", "2", "--d-model", "10", "--heads", "3", "--json"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertEqual(bad.stdout, "")
        XCTAssertTrue(bad.stderr.contains("not divisible by --heads 3"), bad.stderr)
    }

    /// The hidden probe `train` runs in a child process: one positive FLOP/s number on stdout, and
    /// the bad thread count refused; it stays out of the help's command list.
    func testSGEMMPeakProbe() throws {
        let r = try CLIRunner.run(["sgemm-peak", "--threads", "1"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let peak = try XCTUnwrap(Double(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)), r.stdout)
        XCTAssertGreaterThan(peak, 1e8, "at least 0.1 GFLOP/s on any machine that runs the tests")
        let bad = try CLIRunner.run(["sgemm-peak", "--threads", "0"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("--threads must be at least 1"), bad.stderr)
        XCTAssertFalse(try CLIRunner.run(["--help"]).stdout.contains("sgemm-peak"))
    }

    func testLawsJSONListsTheCatalogWithCitations() throws {
        let r = try CLIRunner.run(["laws", "--json"])
        XCTAssertEqual(r.status, 0)
        let entries = try XCTUnwrap(try r.json() as? [[String: Any]])
        XCTAssertEqual(entries.compactMap { $0["identifier"] as? String },
                       ["kaplan2020", "hoffmann2022", "epoch2024", "muennighoff2023", "deepseek2024", "llama3-2024"])
        for e in entries {
            let citation = try XCTUnwrap(e["citation"] as? [String: Any])
            XCTAssertNotNil(citation["arXiv"] as? String)
        }
        let text = try CLIRunner.run(["laws"])
        XCTAssertTrue(text.stdout.contains("arXiv:2203.15556"))
    }

    func testPlanHoffmannKnownAnswer() throws {
        let doc = try object(try CLIRunner.run(["plan", "--compute", "5.76e23", "--law", "hoffmann2022", "--json"]))
        let opt = try XCTUnwrap(doc["computeOptimal"] as? [String: Any])
        XCTAssertEqual(opt["parameters"] as? Double ?? .nan, 3.22e10, accuracy: 0.005e10)
        XCTAssertEqual(opt["tokens"] as? Double ?? .nan, 2.98e12, accuracy: 0.005e12)
        XCTAssertEqual(doc["law"] as? String, "hoffmann2022")
    }

    func testPlanDefaultLawAndAllSections() throws {
        let doc = try object(try CLIRunner.run(["plan", "--compute", "1e22", "--target-loss", "2.3",
                                                "--unique-tokens", "1e10", "--inference-tokens", "1e12", "--json"]))
        XCTAssertEqual(doc["law"] as? String, "epoch2024")
        for key in ["computeOptimal", "target", "dataConstrained", "inferenceAware"] {
            XCTAssertNotNil(doc[key] as? [String: Any], key)
        }
        let target = try XCTUnwrap(doc["target"] as? [String: Any])
        XCTAssertEqual(target["loss"] as? Double ?? .nan, 2.3, accuracy: 1e-12)
        let text = try CLIRunner.run(["plan", "--compute", "1e22"])
        XCTAssertEqual(text.status, 0)
        XCTAssertTrue(text.stdout.contains("N_opt"))
    }

    func testPlanErrors() throws {
        let cases: [([String], String)] = [
            (["plan", "--compute", "0"], "--compute must be a positive"),
            (["plan", "--compute", "-1e20", "--json"], "--compute must be a positive"),
            (["plan", "--compute", "1e22", "--law", "nope"], "known laws: kaplan2020"),
            (["plan", "--compute", "1e22", "--target-loss", "1.5", "--json"], "irreducible loss E = 1.8172"),
            (["plan", "--compute", "1e22", "--law", "llama3-2024", "--target-loss", "2"], "cannot answer --target-loss"),
        ]
        for (args, message) in cases {
            let r = try CLIRunner.run(args)
            XCTAssertNotEqual(r.status, 0, "\(args)")
            XCTAssertEqual(r.stdout, "", "\(args)")
            XCTAssertTrue(r.stderr.contains(message), "\(args): \(r.stderr)")
        }
    }
}
