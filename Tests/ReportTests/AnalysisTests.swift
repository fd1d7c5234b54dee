import Foundation
import Report
import ScalingLaws
import XCTest

/// Approaches 1 and 2 on the report's ladder (their known-answer tests are in LawFittingTests);
/// the figures follow the input.
final class AnalysisTests: XCTestCase {
    /// On the synthetic ladder (Epoch's law), approach 2's exponent is near the law's a = β/(α+β),
    /// and the grouping found all four budgets of seven sizes.
    func testIsoFLOPExponentOnLadder() throws {
        let analysis = ReportAnalysis(try TestInput.load())
        let iso = try XCTUnwrap(analysis.isoflop)
        XCTAssertEqual(iso.parabolas.map(\.parameters.count), [7, 7, 7, 7])
        XCTAssertEqual(try XCTUnwrap(iso.exponent), TestInput.law.a, accuracy: 0.04)
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
