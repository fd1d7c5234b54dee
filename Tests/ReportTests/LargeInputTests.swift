import Analysis
import Foundation
import Report
import XCTest

/// A report of many runs stays a reasonable page: beyond `PointSample.limit` runs each figure
/// draws a deterministic sample and says so, while the fits (in the input) used every run.
final class LargeInputTests: XCTestCase {
    /// `budgets` IsoFLOP budgets of `perBudget` sizes each from Epoch AI's law with 1% noise,
    /// with the fixture's fits (a report fits nothing, so any fit will do to draw).
    static func input(budgets: Int, perBudget: Int) throws -> ReportInput {
        var input = try TestInput.load()
        let law = TestInput.law
        var runs: [ReportRun] = []
        runs.reserveCapacity(budgets * perBudget)
        for b in 0..<budgets {
            let C = 1e17 * pow(10, 4 * Double(b) / Double(max(1, budgets - 1)))
            let center = law.optimalParameters(compute: C)
            for k in 0..<perBudget {
                let N = center * pow(10, -1.2 + 2.4 * Double(k) / Double(max(1, perBudget - 1)))
                let D = C / (6 * N)
                let noise = 0.01 * sin(12.9898 * Double(runs.count + 1))
                runs.append(ReportRun(parameters: N, tokens: D, compute: C, loss: law.loss(parameters: N, tokens: D) * (1 + noise)))
            }
        }
        input.runs = runs
        input.approaches = ReportBuilder.approaches(runs)
        return input
    }

    func testTenThousandRunsMakeASmallPageThatSaysWhatItDraws() throws {
        let input = try Self.input(budgets: 20, perBudget: 500)
        let page = HTMLReport.render(input)
        XCTAssertLessThan(page.utf8.count, 4_000_000, "the page of 10,000 runs is \(page.utf8.count) bytes")
        for figure in ["loss-compute", "isoflop", "residuals", "backtest"] {
            let start = try XCTUnwrap(page.range(of: "<desc id=\"\(figure)-desc\">"), figure)
            let desc = page[start.upperBound...].prefix { $0 != "<" }
            XCTAssertTrue(desc.contains("Drawn: 2,000 of 10,000 runs"), "\(figure): \(desc)")
        }
        // The same input draws the same sample.
        XCTAssertEqual(page, HTMLReport.render(input))
    }
}
