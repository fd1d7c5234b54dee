import Foundation
import XCTest
import Analysis
import LawFitting
import ScalingLaws

/// Several sweeps in one file: pooled they give one wrong law; grouped, each sweep's own.
final class GroupedAnalysisTests: XCTestCase {
    let bpe = ChinchillaParameters(E: 1.69, A: 406.4, B: 410.7, alpha: 0.34, beta: 0.28)
    let char = ChinchillaParameters(E: 2.2, A: 900, B: 300, alpha: 0.5, beta: 0.2)

    /// 36 exact points of each law on one grid of N and D, in a CSV with a `tokenizer` column;
    /// `small` adds 3 rows of a third setting (too few for a 5-parameter law).
    func file(small: Bool = false) throws -> String {
        var lines = ["params,tokens,tokenizer,loss"]
        for i in 0..<6 {
            for j in 0..<6 {
                let N = 1e7 * pow(10, Double(i) * 0.5), D = 2e8 * pow(10, Double(j) * 0.5)
                lines.append("\(N),\(D),bpe,\(bpe.loss(parameters: N, tokens: D))")
                lines.append("\(N),\(D),char,\(char.loss(parameters: N, tokens: D))")
            }
        }
        if small { for k in 0..<3 { lines.append("\(1e8 * Double(k + 1)),2e9,sp,3.0") } }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scalelab-groups-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent("two.csv")
        try Data(lines.joined(separator: "\n").utf8).write(to: url)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return url.path
    }

    var options: AnalysisOptions {
        var o = AnalysisOptions()
        o.fit.threads = 2
        o.fit.grid = ["log_E": [0.5, 0.8], "log_A": [5, 7], "log_B": [5, 7], "alpha": [0.3, 0.5], "beta": [0.3]]
        o.bootstrap = 0
        return o
    }

    func testGroupsRecoverEachExponentWherePoolingDoesNot() throws {
        let path = try file()
        let pooled = try LawAnalysis.run(try MeasurementReader().read(path: path), options: options, version: "test").report
        XCTAssertTrue(pooled.warnings?.contains { $0.hasPrefix("column 'tokenizer' has 2 values (bpe, char)") } ?? false)
        let pooledAlpha = try XCTUnwrap(pooled.parameters["alpha"])
        // One exponent for two settings is wrong for at least one of them, and follows neither.
        XCTAssertGreaterThan(max(abs(pooledAlpha - bpe.alpha), abs(pooledAlpha - char.alpha)), 0.08, "pooled alpha \(pooledAlpha)")
        XCTAssertGreaterThan(pooled.fit.rmseLog, 0.05, "one law cannot follow two settings")

        let selection = RowSelection(groupBy: ["tokenizer"])
        let sets = try MeasurementReader(selection: selection).readGroups(path: path)
        let grouped = try GroupedFitReport.run(sets, file: path, selection: selection, options: options, version: "test")
        XCTAssertEqual(grouped.groups.map(\.group), ["tokenizer=bpe", "tokenizer=char"])
        for (g, truth) in zip(grouped.groups, [bpe, char]) {
            let r = try XCTUnwrap(g.report, g.skipped ?? "")
            XCTAssertEqual(r.parameters["alpha"] ?? .nan, truth.alpha, accuracy: 0.01, g.group)
            XCTAssertEqual(r.parameters["beta"] ?? .nan, truth.beta, accuracy: 0.01, g.group)
            XCTAssertEqual(r.derived["a"] ?? .nan, truth.a, accuracy: 0.01, g.group)
            XCTAssertLessThan(r.fit.rmseLog, 1e-3, g.group)
            XCTAssertNil(r.warnings, g.group)
        }
        XCTAssertTrue(grouped.warnings.isEmpty)
    }

    func testAGroupTooSmallIsListedNotFatal() throws {
        let selection = RowSelection(conditions: [RowCondition(column: "tokenizer", values: ["char"], negated: true)],
                                     groupBy: ["tokenizer"])
        let sets = try MeasurementReader(selection: selection).readGroups(path: try file(small: true))
        let grouped = try GroupedFitReport.run(sets, file: "two.csv", selection: selection, options: options, version: "test")
        XCTAssertEqual(grouped.groups.map(\.group), ["tokenizer=bpe", "tokenizer=sp"])
        XCTAssertNotNil(grouped.groups[0].report)
        XCTAssertNil(grouped.groups[1].report)
        XCTAssertEqual(grouped.groups[1].rows, 3)
        XCTAssertTrue(grouped.groups[1].skipped?.contains("has 3 usable rows; need at least 6") ?? false, grouped.groups[1].skipped ?? "")
        XCTAssertEqual(grouped.conditions, ["tokenizer!=char"])

        let onlySmall = try MeasurementReader(selection: RowSelection(conditions: [RowCondition(column: "tokenizer", values: ["sp"])],
                                                                      groupBy: ["tokenizer"])).readGroups(path: try file(small: true))
        XCTAssertThrowsError(try GroupedFitReport.run(onlySmall, file: "two.csv", selection: RowSelection(), options: options,
                                                      version: "test")) { error in
            XCTAssertTrue("\(error)".contains("no group of two.csv could be fitted"), "\(error)")
        }
    }
}
