import Foundation
import XCTest

/// Every command that writes a file the user names refuses, before any work and with a sentence
/// saying what to fix, to overwrite its own input (also through a symlink), to write into a
/// folder that does not exist, or to write over a folder.
final class OutputFileTests: XCTestCase {
    private var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("scalelab-out-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    private func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    /// A small ladder from Hoffmann et al.'s law (3 budgets × 6 sizes).
    private func ladderCSV(_ name: String = "ladder.csv") throws -> String {
        var text = "params,tokens,flops,loss\n"
        for C in [1e18, 1e19, 1e20] {
            for k in 0..<6 {
                let N = 2e7 * pow(10, Double(k) * 0.4) * pow(C / 1e18, 0.5)
                let D = C / (6 * N)
                text += "\(N),\(D),\(C),\(1.69 + 406.4 / pow(N, 0.34) + 410.7 / pow(D, 0.28))\n"
            }
        }
        try text.write(toFile: path(name), atomically: true, encoding: .utf8)
        return path(name)
    }

    /// Runs `arguments`, expects exit 1 (not a trap, not success) and a message containing each
    /// of `expected`, and that `unchanged` still holds what it held before.
    private func assertRefused(_ arguments: [String], _ expected: [String], unchanged: String? = nil,
                               file: StaticString = #filePath, line: UInt = #line) throws {
        let before = unchanged.flatMap { FileManager.default.contents(atPath: $0) }
        let r = try CLIRunner.run(arguments)
        XCTAssertEqual(r.status, 1, "\(arguments): \(r.stderr)", file: file, line: line)
        for text in expected {
            XCTAssertTrue(r.stderr.contains(text), "\(arguments): stderr lacks '\(text)': \(r.stderr)", file: file, line: line)
        }
        XCTAssertFalse(r.stderr.contains("NSCocoaErrorDomain"), r.stderr, file: file, line: line)
        XCTAssertFalse(r.stderr.contains("Usage:"), "a run-time refusal, not a usage error", file: file, line: line)
        if let unchanged {
            XCTAssertEqual(FileManager.default.contents(atPath: unchanged), before, "\(unchanged) was changed", file: file, line: line)
        }
    }

    func testReportRefusesToOverwriteItsInput() throws {
        let csv = try ladderCSV()
        try assertRefused(["report", csv, "--out", csv, "--no-compare", "--bootstrap", "0"],
                          ["--out", "is the input file", "Give another path for --out"], unchanged: csv)
        try assertRefused(["report", csv, "--save-input", csv, "--out", path("r.html"), "--no-compare", "--bootstrap", "0"],
                          ["--save-input", "is the input file"], unchanged: csv)
        // Through a symlink, and through another spelling of the same path.
        let link = path("link.html")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: csv)
        try assertRefused(["report", csv, "--out", link, "--no-compare", "--bootstrap", "0"], ["is the input file"], unchanged: csv)
        try FileManager.default.createDirectory(atPath: path("sub"), withIntermediateDirectories: false)
        try assertRefused(["report", csv, "--out", dir.path + "/./sub/../ladder.csv", "--no-compare", "--bootstrap", "0"],
                          ["is the input file"], unchanged: csv)
        // --out and --save-input naming one file.
        try assertRefused(["report", csv, "--out", path("same"), "--save-input", path("same"), "--no-compare", "--bootstrap", "0"],
                          ["--out and --save-input name the same file"])
        // A saved input as --input and --out.
        let saved = path("input.json")
        try Data("{}".utf8).write(to: URL(fileURLWithPath: saved))
        try assertRefused(["report", "--input", saved, "--out", saved], ["is the input file"], unchanged: saved)
    }

    func testReportSaysWhyItCannotWrite() throws {
        let csv = try ladderCSV()
        try assertRefused(["report", csv, "--out", path("missing/report.html"), "--no-compare", "--bootstrap", "0"],
                          ["cannot write \(path("missing/report.html")): the folder \(path("missing")) does not exist"])
        try assertRefused(["report", csv, "--out", dir.path, "--no-compare", "--bootstrap", "0"],
                          ["cannot write \(dir.path): it is a folder; give a file path"])
        try assertRefused(["report", csv, "--out", csv + "/report.html", "--no-compare", "--bootstrap", "0"],
                          ["\(csv) is not a folder"])
        try assertRefused(["report", csv, "--save-input", path("nowhere/input.json"), "--out", path("r.html"), "--no-compare", "--bootstrap", "0"],
                          ["the folder \(path("nowhere")) does not exist"])
    }

    func testPlotChecksItsOut() throws {
        let csv = try ladderCSV()
        try assertRefused(["plot", "loss-compute", csv, "--out", csv, "--no-compare", "--bootstrap", "0"],
                          ["--out", "is the input file"], unchanged: csv)
        try assertRefused(["plot", "loss-compute", csv, "--out", path("missing/x.svg"), "--no-compare", "--bootstrap", "0"],
                          ["the folder \(path("missing")) does not exist"])
        try assertRefused(["plot", "loss-compute", csv, "--out", dir.path, "--no-compare", "--bootstrap", "0"], ["is a folder"])
    }

    func testFitChecksItsOut() throws {
        let csv = try ladderCSV()
        try assertRefused(["fit", csv, "--out", csv, "--bootstrap", "0"], ["--out", "is the input file"], unchanged: csv)
        try assertRefused(["fit", csv, "--law", "all", "--out", csv, "--bootstrap", "0"], ["is the input file"], unchanged: csv)
        try assertRefused(["fit", csv, "--out", path("missing/fit.json"), "--bootstrap", "0"],
                          ["the folder \(path("missing")) does not exist"])
        try assertRefused(["fit", csv, "--out", dir.path, "--bootstrap", "0"], ["is a folder"])
    }

    func testExportChecksItsOut() throws {
        let csv = try ladderCSV()
        let store = path("runs.sqlite")
        let imported = try CLIRunner.run(["import", csv, "--store", store])
        XCTAssertEqual(imported.status, 0, imported.stderr)
        try assertRefused(["export", "--store", store, "--out", store], ["--out", "is the input file"], unchanged: store)
        try assertRefused(["export", "--store", store, "--out", path("missing/runs.csv")], ["the folder \(path("missing")) does not exist"])
        try assertRefused(["export", "--store", store, "--out", dir.path], ["is a folder"])
        try assertRefused(["report", "--store", store, "--out", store], ["--out", "is the input file", "(--store)"], unchanged: store)
        let ok = try CLIRunner.run(["export", "--store", store, "--out", path("runs.csv")])
        XCTAssertEqual(ok.status, 0, ok.stderr)
    }

    func testTrainChecksItsFilesBeforeTraining() throws {
        let corpus = path("corpus.txt")
        try String(repeating: "to be or not to be, that is the question. ", count: 200).write(toFile: corpus, atomically: true, encoding: .utf8)
        let small = ["train", "--data", corpus, "--layers", "1", "--d-model", "16", "--heads", "2", "--context", "16", "--tokens", "4096"]
        try assertRefused(small + ["--out", corpus], ["--out", "is the input file"], unchanged: corpus)
        try assertRefused(small + ["--out", path("r.json"), "--checkpoint", corpus], ["--checkpoint", "is the input file"], unchanged: corpus)
        try assertRefused(small + ["--out", path("missing/r.json")], ["the folder \(path("missing")) does not exist"])
    }
}

extension OutputFileTests {
    func testImportChecksItsStore() throws {
        let csv = try ladderCSV()
        try assertRefused(["import", csv, "--store", csv], ["--store", "is the input file"], unchanged: csv)
        try assertRefused(["import", csv, "--store", path("missing/runs.sqlite")], ["the folder \(path("missing")) does not exist"])
    }
}
