import Foundation
import Report
import XCTest

/// Every figure and the page, byte for byte against committed snapshots.
final class SnapshotTests: XCTestCase {
    func testEveryFigureMatchesItsSnapshot() throws {
        let analysis = ReportAnalysis(try TestInput.load())
        for kind in FigureKind.allCases {
            let svg = ChartRenderer.svg(try Figures.chart(kind, analysis))
            try TestInput.assertSnapshot(svg, named: "\(kind.rawValue).svg")
        }
    }

    func testReportMatchesItsSnapshot() throws {
        try TestInput.assertSnapshot(HTMLReport.render(try TestInput.load()), named: "report.html")
    }

    /// The same input renders to the same bytes twice (no dictionary order, no clock).
    func testRenderingIsDeterministic() throws {
        let input = try TestInput.load()
        XCTAssertEqual(HTMLReport.render(input), HTMLReport.render(input))
    }

    /// The pinned fixture is still what the fitter makes from the ladder (to 1e-6), so the
    /// snapshots show what ScaleLab computes today.
    func testFixtureMatchesAFreshFit() throws {
        let pinned = try TestInput.load(), fresh = try TestInput.make()
        XCTAssertEqual(pinned.runs, fresh.runs)
        let (p, f) = (pinned.fits[0], fresh.fits[0])
        for name in p.parameterOrder {
            XCTAssertEqual(p.parameters[name]!, f.parameters[name]!, accuracy: 1e-6 * abs(p.parameters[name]!), name)
        }
        XCTAssertEqual(p.holdout?.k, f.holdout?.k)
        XCTAssertEqual(p.bootstrap?.parameters.count, f.bootstrap?.parameters.count)
    }
}
