import Foundation
import XCTest

/// `--where` and `--group-by` on `fit`, `import` and `report`, and the warnings that a data set
/// is several sweeps, run as a user runs them.
final class RowSelectionCommandTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures")

    private func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scalelab-rows-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir
    }

    /// Two tokenizers with known laws (exact losses) on one 4×4 grid of N and D: bpe with
    /// Hoffmann's constants (alpha 0.34), char with alpha 0.5; `extra` rows appended as written.
    private func twoSettings(extra: [String] = []) throws -> String {
        var lines = ["params,tokens,tokenizer,loss"]
        for i in 0..<4 {
            for j in 0..<4 {
                let N = 1e7 * pow(10, Double(i) * 0.6), D = 2e8 * pow(10, Double(j) * 0.6)
                lines.append("\(N),\(D),bpe,\(1.69 + 406.4 / pow(N, 0.34) + 410.7 / pow(D, 0.28))")
                lines.append("\(N),\(D),char,\(2.2 + 900 / pow(N, 0.5) + 300 / pow(D, 0.2))")
            }
        }
        let url = try temporaryDirectory().appendingPathComponent("runs.csv")
        try (lines + extra).joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    /// Few starts and no bootstrap: exact data, and the debug build is slow.
    private let quick = ["--grid", "log_E=0.5,0.8", "--grid", "log_A=5,7", "--grid", "log_B=5,7", "--grid", "alpha=0.3,0.5",
                         "--grid", "beta=0.3", "--bootstrap", "0", "--threads", "2"]

    func testFitGroupByPrintsOneRowPerGroupAndJSONHoldsEveryReport() throws {
        let path = try twoSettings()
        let out = try temporaryDirectory().appendingPathComponent("groups.json").path
        let r = try CLIRunner.run(["fit", path, "--group-by", "tokenizer", "--out", out] + quick)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("Law chinchilla fitted to each group of \(path) by tokenizer"), r.stdout)
        XCTAssertTrue(r.stdout.contains("a = beta/(alpha+beta)"), r.stdout)
        let rows = r.stdout.split(separator: "\n").filter { $0.hasPrefix("tokenizer=") }
        XCTAssertEqual(rows.count, 2, r.stdout)
        XCTAssertTrue(rows[0].contains("0.34"), "bpe's alpha: \(rows[0])")
        XCTAssertTrue(rows[1].contains("0.5"), "char's alpha: \(rows[1])")
        XCTAssertFalse(r.stderr.contains("warning:"), "each group is one sweep: \(r.stderr)")

        let doc = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out))) as? [String: Any])
        XCTAssertEqual(doc["groupBy"] as? [String], ["tokenizer"])
        let groups = try XCTUnwrap(doc["groups"] as? [[String: Any]])
        XCTAssertEqual(groups.map { $0["group"] as? String }, ["tokenizer=bpe", "tokenizer=char"])
        for (g, alpha) in zip(groups, [0.34, 0.5]) {
            let report = try XCTUnwrap(g["report"] as? [String: Any])
            let parameters = try XCTUnwrap(report["parameters"] as? [String: Double])
            XCTAssertEqual(parameters["alpha"] ?? .nan, alpha, accuracy: 0.01)
        }
    }

    func testPooledFitWarnsAndTheJSONCarriesTheWarnings() throws {
        let r = try CLIRunner.run(["fit", try twoSettings(), "--json"] + quick)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("warning: column 'tokenizer' has 2 values (bpe, char); the rows may be several sweeps: "
                                        + "fit one with --where tokenizer=bpe or each with --group-by tokenizer"), r.stderr)
        XCTAssertTrue(r.stderr.contains("warning: 16 of the 16 repeated points"), r.stderr)
        let doc = try XCTUnwrap(try r.json() as? [String: Any])
        let warnings = try XCTUnwrap(doc["warnings"] as? [String])
        XCTAssertEqual(warnings.count, 2)
    }

    func testWhereFitsTheSelectedRowsWithoutWarning() throws {
        let r = try CLIRunner.run(["fit", try twoSettings(), "--where", "tokenizer=char", "--json"] + quick)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertFalse(r.stderr.contains("warning:"), r.stderr)
        let doc = try XCTUnwrap(try r.json() as? [String: Any])
        XCTAssertNil(doc["warnings"])
        XCTAssertEqual((doc["parameters"] as? [String: Double])?["alpha"] ?? .nan, 0.5, accuracy: 0.01)
        XCTAssertTrue(((doc["data"] as? [String: Any])?["file"] as? String)?.hasSuffix("runs.csv [tokenizer=char]") ?? false)
    }

    func testLawAllWorksOnTheFilteredRows() throws {
        let r = try CLIRunner.run(["fit", try twoSettings(), "--law", "all", "--where", "tokenizer=bpe", "--json", "--threads", "2"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let doc = try XCTUnwrap(try r.json() as? [String: Any])
        XCTAssertEqual(doc["points"] as? Int, 16)
        XCTAssertNil(doc["warnings"])
    }

    func testAGroupTooSmallIsListedAndAllGroupsTooSmallFails() throws {
        let path = try twoSettings(extra: ["1e8,2e9,sp,3.0", "2e8,2e9,sp,2.9"])
        let r = try CLIRunner.run(["fit", path, "--group-by", "tokenizer"] + quick)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("not fitted: tokenizer=sp (2 rows): law chinchilla has 5 parameters"), r.stdout)
        let all = try CLIRunner.run(["fit", path, "--where", "tokenizer=sp", "--group-by", "tokenizer"] + quick)
        XCTAssertNotEqual(all.status, 0)
        XCTAssertEqual(all.stdout, "")
        XCTAssertTrue(all.stderr.contains("no group of \(path) could be fitted"), all.stderr)
    }

    func testBadConditionsSayWhatToFix() throws {
        let path = try twoSettings()
        let malformed = try CLIRunner.run(["fit", path, "--where", "tokenizer"])
        XCTAssertNotEqual(malformed.status, 0)
        XCTAssertTrue(malformed.stderr.contains("'tokenizer' is not a row condition; write COL=VALUE"), malformed.stderr)
        let unknown = try CLIRunner.run(["fit", path, "--where", "seed=1"])
        XCTAssertNotEqual(unknown.status, 0)
        XCTAssertTrue(unknown.stderr.contains("no column 'seed' (from --where); found columns: params, tokens, tokenizer, loss"), unknown.stderr)
        let none = try CLIRunner.run(["fit", path, "--where", "tokenizer=sp"])
        XCTAssertNotEqual(none.status, 0)
        XCTAssertTrue(none.stderr.contains("no row has tokenizer=sp; column 'tokenizer' has the values bpe, char"), none.stderr)
        let lawAll = try CLIRunner.run(["fit", path, "--law", "all", "--group-by", "tokenizer"])
        XCTAssertNotEqual(lawAll.status, 0)
        XCTAssertTrue(lawAll.stderr.contains("choose the rows with --where"), lawAll.stderr)
    }

    func testImportGroupsMakeOneSweepEachAndStoreFitWarnsWhenMixed() throws {
        let path = try twoSettings()
        let store = try temporaryDirectory().appendingPathComponent("s.sqlite").path
        let r = try CLIRunner.run(["import", path, "--store", store, "--name", "tok", "--group-by", "tokenizer", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let summaries = try XCTUnwrap(try r.json() as? [[String: Any]])
        XCTAssertEqual(summaries.map { $0["sweepName"] as? String }, ["tok tokenizer=bpe", "tok tokenizer=char"])
        XCTAssertEqual(summaries.map { $0["runs"] as? Int }, [16, 16])

        // Fitting the whole store pools two imported sweeps: warned.
        let pooled = try CLIRunner.run(["fit", "--store", store, "--json"] + quick)
        XCTAssertEqual(pooled.status, 0, pooled.stderr)
        XCTAssertTrue(pooled.stderr.contains("warning: the runs come from 2 sweeps (1 'tok tokenizer=bpe' (import), 2 'tok tokenizer=char' (import))"),
                      pooled.stderr)
        XCTAssertTrue(((try pooled.json() as? [String: Any])?["warnings"] as? [String])?.count == 2)

        // One sweep by name: the full store analysis of that sweep, no warning.
        let one = try CLIRunner.run(["fit", "--store", store, "--where", "sweep=tok tokenizer=char", "--json"] + quick)
        XCTAssertEqual(one.status, 0, one.stderr)
        XCTAssertFalse(one.stderr.contains("warning:"), one.stderr)
        let doc = try XCTUnwrap(try one.json() as? [String: Any])
        XCTAssertEqual((doc["parameters"] as? [String: Double])?["alpha"] ?? .nan, 0.5, accuracy: 0.01)
        XCTAssertNotNil(doc["approaches"])

        // Grouped by sweep: side by side.
        let grouped = try CLIRunner.run(["fit", "--store", store, "--group-by", "sweep"] + quick)
        XCTAssertEqual(grouped.status, 0, grouped.stderr)
        XCTAssertEqual(grouped.stdout.split(separator: "\n").filter { $0.hasPrefix("sweep=tok tokenizer=") }.count, 2, grouped.stdout)
        let unknown = try CLIRunner.run(["fit", "--store", store, "--where", "lr=1"])
        XCTAssertTrue(unknown.stderr.contains("found columns: sweep, sweep_id, kind, arch, seed"), unknown.stderr)
    }

    func testImportWithGroupsIsAllOrNothing() throws {
        // A bad value in the second group: no sweep is written.
        let path = try twoSettings(extra: ["1e8,oops,char,3.0"])
        let store = try temporaryDirectory().appendingPathComponent("s.sqlite").path
        let r = try CLIRunner.run(["import", path, "--store", store, "--group-by", "tokenizer"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("line 34, column 'tokens': 'oops' is not a number"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: store), "nothing written")
        // Without the bad rows it imports, and --where keeps only the rows selected.
        let ok = try CLIRunner.run(["import", path, "--store", store, "--where", "tokenizer=bpe"])
        XCTAssertEqual(ok.status, 0, ok.stderr)
        XCTAssertTrue(ok.stdout.contains("imported 16 runs from \(path) [tokenizer=bpe]"), ok.stdout)
    }

    func testReportFiltersRowsAndRefusesGroups() throws {
        let path = try twoSettings()
        let dir = try temporaryDirectory()
        let refused = try CLIRunner.run(["report", path, "--group-by", "tokenizer", "--out", dir.appendingPathComponent("r.html").path])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("make one report per group with --where COL=VALUE"), refused.stderr)
        let out = dir.appendingPathComponent("bpe.html").path
        let r = try CLIRunner.run(["report", path, "--where", "tokenizer=bpe", "--no-compare", "--out", out] + quick)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertFalse(r.stderr.contains("warning:"), r.stderr)
        XCTAssertTrue(r.stderr.contains("16 runs"), r.stderr)
        XCTAssertFalse(try String(contentsOfFile: out, encoding: .utf8).contains("Warning: "))
        // Pooled, the page says what stderr says.
        let pooledOut = dir.appendingPathComponent("pooled.html").path
        let pooled = try CLIRunner.run(["report", path, "--no-compare", "--out", pooledOut] + quick)
        XCTAssertEqual(pooled.status, 0, pooled.stderr)
        XCTAssertTrue(pooled.stderr.contains("warning: column 'tokenizer' has 2 values"), pooled.stderr)
        let page = try String(contentsOfFile: pooledOut, encoding: .utf8)
        XCTAssertTrue(page.contains("<li>Warning: column "), "the page lists the warnings")
    }

    func testOneCleanSweepDoesNotWarn() throws {
        let store = try temporaryDirectory().appendingPathComponent("s.sqlite").path
        for name in ["datablations_c4_fit_subset_182.csv", "datablations_c4_final_val_losses.csv"] {
            let r = try CLIRunner.run(["import", Self.fixtures.appendingPathComponent(name).path, "--store", store])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertFalse(r.stderr.contains("warning:"), "\(name): \(r.stderr)")
        }
        let bnsl = try CLIRunner.run(["fit", Self.fixtures.appendingPathComponent("bnsl_4digit_addition.csv").path,
                                      "--law", "all", "--json", "--threads", "2"])
        XCTAssertEqual(bnsl.status, 0, bnsl.stderr)
        XCTAssertFalse(bnsl.stderr.contains("warning:"), bnsl.stderr)
    }
}
