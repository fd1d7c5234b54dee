import Foundation
import Report
import ScalingLaws
import XCTest

/// Approaches 1 and 2 recover known answers; the figures follow the input.
final class AnalysisTests: XCTestCase {
    /// An exact parabola in log10 N: the minimum comes back to machine precision.
    func testParabolaMinimumOfExactQuadratic() {
        let Ns = [1e6, 3e6, 1e7, 3e7, 1e8]
        let runs = Ns.map { N -> (parameters: Double, compute: Double, loss: Double) in
            let u = log10(N) - 7.2
            return (N, 1e18, 2.5 + 0.3 * u * u)
        }
        let iso = IsoFLOPAnalysis(runs: runs)
        XCTAssertEqual(iso.curves.count, 1)
        let c = iso.curves[0]
        XCTAssertEqual(log10(c.optimalParameters!), 7.2, accuracy: 1e-9)
        XCTAssertEqual(c.minimumLoss!, 2.5, accuracy: 1e-9)
        XCTAssertTrue(c.minimumInsideRange)
        XCTAssertNil(iso.exponent, "one budget gives no power law")
    }

    /// On the synthetic ladder (Epoch's law), approach 2's exponent is near the law's a = β/(α+β),
    /// and the grouping found all four budgets of seven sizes.
    func testIsoFLOPExponentOnLadder() throws {
        let analysis = ReportAnalysis(try TestInput.load())
        let iso = try XCTUnwrap(analysis.isoflop)
        XCTAssertEqual(iso.curves.map(\.parameters.count), [7, 7, 7, 7])
        XCTAssertEqual(try XCTUnwrap(iso.exponent), TestInput.law.a, accuracy: 0.04)
    }

    /// Runs at budgets 0.5% apart group together; 5% apart do not; fewer than 4 sizes are no curve.
    func testGroupingByBudget() {
        let sizes = [1e6, 2e6, 4e6, 8e6]
        let near = sizes.enumerated().map { (parameters: $1, compute: 1e18 * (1 + 0.005 * Double($0 % 2)), loss: 3.0 + 0.1 * Double($0 % 3)) }
        XCTAssertEqual(IsoFLOPAnalysis(runs: near).curves.count, 1)
        let far = sizes.enumerated().map { (parameters: $1, compute: 1e18 * (1 + 0.05 * Double($0 % 2)), loss: 3.0) }
        XCTAssertEqual(IsoFLOPAnalysis(runs: far).curves.count, 0)
    }

    /// The envelope of curves from Epoch's law: N_opt grows with C close to the law's a
    /// (coarse: only the 28 ladder sizes can be on it).
    func testEnvelopeExponent() throws {
        let analysis = ReportAnalysis(try TestInput.load())
        let env = try XCTUnwrap(analysis.envelope)
        XCTAssertEqual(try XCTUnwrap(env.exponent), TestInput.law.a, accuracy: 0.12)
        XCTAssertTrue(zip(env.loss, env.loss.dropFirst()).allSatisfy { $0 >= $1 - 1e-12 }, "the envelope never rises")
    }

    /// The bootstrap band contains the central frontier, and widens beyond the data.
    func testFrontierBandContainsFit() throws {
        let fit = try XCTUnwrap(ReportAnalysis(try TestInput.load()).main)
        let budgets = [1e17, 1e20, 1e24]
        let band = try XCTUnwrap(fit.band("loss", at: budgets))
        for (i, C) in budgets.enumerated() {
            let L = fit.atBudget(C)["loss"]!
            XCTAssertLessThanOrEqual(band.low[i], L * 1.001)
            XCTAssertGreaterThanOrEqual(band.high[i], L * 0.999)
        }
        XCTAssertGreaterThan(band.high[2] - band.low[2], band.high[1] - band.low[1])
    }

    /// Without curves there is no learning-curve figure; without a holdout no back-test; a file
    /// of C and loss alone still gets loss against compute.
    func testFiguresFollowTheInput() throws {
        var input = try TestInput.load()
        XCTAssertEqual(Figures.all(ReportAnalysis(input)).charts.count, 6)
        for i in input.runs.indices { input.runs[i].learningCurve = nil }
        input.fits[0].holdout = nil
        let (charts, missing) = Figures.all(ReportAnalysis(input))
        XCTAssertEqual(charts.map(\.0), [.lossCompute, .isoflop, .allocation, .residuals])
        XCTAssertEqual(missing.map(\.kind), [.learningCurves, .backtest])
        XCTAssertTrue(missing[0].reason.contains("learning curve"))
        let bare = ReportInput(title: "t", runs: input.runs.map { ReportRun(compute: $0.compute, loss: $0.loss) },
                               provenance: input.provenance)
        XCTAssertEqual(Figures.all(ReportAnalysis(bare)).charts.map(\.0), [.lossCompute, .allocation])
    }

    /// The published laws overlaid on the allocation figure are the catalog's, at the budget.
    func testAllocationSummaryQuotesCatalog() throws {
        let chart = try Figures.chart(.allocation, ReportAnalysis(try TestInput.load()))
        // Hoffmann et al.'s closed form at 1e22 FLOPs: N_opt = G·(C/6)^a ≈ 5.16e9, D_opt ≈ 3.23e11.
        XCTAssertEqual(PublishedLaws.hoffmann2022.optimalParameters(compute: 1e22), 5.16e9, accuracy: 0.01e9)
        XCTAssertTrue(chart.summary.contains("Hoffmann 2022 N = 5.16e9, D = 3.23e11"),
                      chart.summary)
    }
}
