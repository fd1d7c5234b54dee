import Foundation
import Report
import XCTest

/// The sample a figure draws of many runs: all of them up to the limit, else a deterministic
/// one that keeps the extremes.
final class PointSampleTests: XCTestCase {
    func testUpToTheLimitEveryRunIsDrawn() {
        XCTAssertEqual(PointSample.indices(count: 2000), Array(0..<2000))
        XCTAssertEqual(PointSample.note(drawn: 2000, of: 2000), "")
        let sample = PointSample.indices(count: 2001, keeping: [(0..<2001).map(Double.init)])
        XCTAssertEqual(sample.count, 2000)
        XCTAssertEqual(sample.first, 0)
        XCTAssertEqual(sample.last, 2000)
        XCTAssertEqual(sample, sample.sorted())
    }

    func testTheSampleKeepsTheExtremes() throws {
        let input = try LargeInputTests.input(budgets: 20, perBudget: 500)
        let analysis = ReportAnalysis(input)
        XCTAssertTrue(analysis.isSampled)
        XCTAssertEqual(analysis.drawnIndices.count, PointSample.limit)
        XCTAssertEqual(analysis.drawnIndices, ReportAnalysis(input).drawnIndices, "deterministic")
        for key: (ReportRun) -> Double? in [{ $0.effectiveCompute }, { $0.loss }, { $0.parameters }, { $0.tokens }] {
            let all = input.runs.compactMap(key), drawn = analysis.drawnIndices.compactMap { key(input.runs[$0]) }
            XCTAssertEqual(drawn.min(), all.min())
            XCTAssertEqual(drawn.max(), all.max())
        }
    }
}
