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
        XCTAssertEqual(Figures.all(ReportAnalysis(input)).charts.count, 7)
        for i in input.runs.indices { input.runs[i].learningCurve = nil }
        input.fits[0].holdout = nil
        let (charts, missing) = Figures.all(ReportAnalysis(input))
        XCTAssertEqual(charts.map(\.0), [.lossCompute, .isoflop, .allocationParameters, .allocationTokens, .residuals])
        XCTAssertEqual(missing.map(\.kind), [.learningCurves, .backtest])
        XCTAssertTrue(missing[0].reason.contains("learning curve"))
        let bare = ReportInput(title: "t", runs: input.runs.map { ReportRun(compute: $0.compute, loss: $0.loss) },
                               provenance: input.provenance)
        XCTAssertEqual(Figures.all(ReportAnalysis(bare)).charts.map(\.0), [.lossCompute, .allocationParameters, .allocationTokens])
    }

    /// The report fits nothing: runs that share budgets get IsoFLOP curves only when the input
    /// carries approach 2, and learning curves get no envelope without approach 1.
    func testTheReportDrawsOnlyWhatTheInputCarries() throws {
        var input = try TestInput.load()
        XCTAssertNotNil(ReportAnalysis(input).isoflop)
        XCTAssertNotNil(ReportAnalysis(input).envelope)
        input.approaches = nil
        let a = ReportAnalysis(input)
        XCTAssertNil(a.isoflop)
        XCTAssertNil(a.envelope)
        let (charts, missing) = Figures.all(a)
        XCTAssertFalse(charts.map(\.0).contains(.isoflop))
        XCTAssertEqual(missing.map(\.kind), [.isoflop])
        XCTAssertFalse(HTMLReport.render(input).contains("approach 1: envelope"))
    }

    /// The published laws overlaid on the allocation panels are the catalog's, at the budget:
    /// N_opt in the parameters panel, D_opt in the tokens panel.
    func testAllocationSummaryQuotesCatalog() throws {
        let analysis = ReportAnalysis(try TestInput.load())
        let parameters = try Figures.chart(.allocationParameters, analysis)
        let tokens = try Figures.chart(.allocationTokens, analysis)
        // Hoffmann et al.'s closed form at 1e22 FLOPs: N_opt = G·(C/6)^a ≈ 5.16e9, D_opt ≈ 3.23e11.
        XCTAssertEqual(PublishedLaws.hoffmann2022.optimalParameters(compute: 1e22), 5.16e9, accuracy: 0.01e9)
        XCTAssertTrue(parameters.summary.contains("Hoffmann 2022 N = 5.16e9;"), parameters.summary)
        XCTAssertTrue(tokens.summary.contains("Hoffmann 2022 D = 3.23e11;"), tokens.summary)
        XCTAssertFalse(parameters.summary.contains("D = "), parameters.summary)
        XCTAssertFalse(tokens.summary.contains("N = "), tokens.summary)
    }

    /// Each allocation panel has solid lines only, one legend entry per source (the same colour
    /// in both panels), the bootstrap band and the IsoFLOP minima, and no other entries.
    func testAllocationPanelsHaveTheirOwnLegends() throws {
        let analysis = ReportAnalysis(try TestInput.load())
        let names = ["approach 3: chinchilla fit", "approach 2: IsoFLOP", "approach 1: envelope",
                     "Kaplan 2020", "Hoffmann 2022", "Epoch 2024 refit"]
        var colours: [[String]] = []
        for kind in [FigureKind.allocationParameters, .allocationTokens] {
            let chart = try Figures.chart(kind, analysis)
            XCTAssertEqual(chart.id, kind.rawValue)
            let legend = try XCTUnwrap(chart.legend)
            XCTAssertEqual(legend.map(\.label), ["bootstrap band"] + names + ["IsoFLOP minima"], kind.rawValue)
            colours.append(legend.compactMap { e in
                if case let .line(color, _, dash) = e.swatch { XCTAssertNil(dash); return color }
                return nil
            })
            let lines = chart.layers.compactMap { l -> LineLayer? in if case .line(let line) = l { line } else { nil } }
            XCTAssertEqual(lines.count, names.count, kind.rawValue)
            XCTAssertTrue(lines.allSatisfy { $0.dash == nil }, "solid lines only")
            XCTAssertTrue(chart.layers.contains { if case .verticalRule = $0 { true } else { false } }, "budget rule")
        }
        XCTAssertEqual(colours[0], colours[1], "a source has the same colour in both panels")
        XCTAssertEqual(Set(colours[0]).count, names.count)
    }

    /// An input with nothing to place on a compute axis (no C, no N and D, no budget) draws no
    /// allocation panel; the page says why, for each, and still renders.
    func testAllocationUnavailableWithoutCompute() throws {
        let input = try TestInput.load()
        let bare = ReportInput(title: "t", runs: input.runs.map { ReportRun(name: $0.name, loss: $0.loss) },
                               provenance: input.provenance)
        let (charts, missing) = Figures.all(ReportAnalysis(bare))
        XCTAssertFalse(charts.contains { $0.0 == .allocationParameters || $0.0 == .allocationTokens })
        let allocation = missing.filter { $0.kind == .allocationParameters || $0.kind == .allocationTokens }
        XCTAssertEqual(allocation.map(\.kind), [.allocationParameters, .allocationTokens])
        XCTAssertTrue(allocation.allSatisfy { $0.reason.contains("no run has C") }, "\(allocation)")
        let html = HTMLReport.render(bare)
        XCTAssertTrue(html.contains("Not drawn — Compute-optimal allocation: parameters: no run has C"))
        XCTAssertTrue(html.contains("Not drawn — Compute-optimal allocation: training tokens: no run has C"))
        XCTAssertTrue(html.hasSuffix("</html>\n"))
    }
}
