import Analysis
import Foundation
import Lab
import Report
import Trainer
import XCTest

@testable import Studies

/// The report's capabilities section on a store of simulated runs whose scores follow a known
/// chain (`EmergenceStudyTests`): its plots, and a two-step forecast that recovers the chain.
final class CapabilitiesSectionTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("capabilities-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    func testTheSectionDrawsEachTaskAndForecastsTenTimesTheLargestRun() throws {
        let store = try RunStore.open(path: directory.appendingPathComponent("s.sqlite").path, create: true)
        let design = EmergenceStudy.Design.full()
        // Six runs: the store's report fits Chinchilla's five parameters besides.
        let budgets = design.budgets + [design.heldOutBudget]
        _ = try store.add(try EmergenceStudy(design: design).plan(budgets: budgets), name: "ladder", version: "test")
        _ = try EmergenceStudyTests.simulate(store)
        var options = AnalysisOptions()
        options.bootstrap = 40
        let section = try XCTUnwrap(try CapabilitiesSection.section(store: store, options: options))
        XCTAssertEqual(section.id, "capabilities")
        XCTAssertEqual(section.plots.count, 2, "\(section.plots.map(\.title))")
        XCTAssertEqual(Set(section.plots[0].series.map(\.label)), ["exact match", "per-character probability p", "answer probability"])
        let table = try XCTUnwrap(section.tables.first)
        XCTAssertEqual(table.rows.count, 2, "\(section.paragraphs)")
        // p at 10× the largest compute: the chain's value, through both fitted steps.
        let row = try XCTUnwrap(table.rows.first { $0[1] == "p" })
        let forecast = try XCTUnwrap(Double(row[4].split(separator: " ")[0]))
        let truth = EmergenceStudyTests.p(EmergenceStudyTests.loss(10 * budgets.last!))
        XCTAssertEqual(forecast, truth, accuracy: 0.05 * truth, "\(row)")
        // The loss plot holds every evaluated step and the fitted sigmoid.
        XCTAssertTrue(section.plots[1].series.contains { $0.label == "p, fitted sigmoid of loss" && $0.style == .line })
        XCTAssertEqual(section.plots[1].series.first { $0.label == "p, each evaluated step" }?.xs.count, 6 * 7)

        // The store's report carries it.
        let input = try StoreReport.input(store: store, options: options, context: ReportContext(title: "t", version: "test", date: "", machine: ""))
        XCTAssertEqual(input.sections?.map(\.id), ["capabilities"])
        let page = HTMLReport.render(input)
        XCTAssertTrue(page.contains("id=\"section-capabilities\""))
        XCTAssertTrue(page.contains("addition-2: score against validation loss"))
    }

    func testAStoreWithoutEvaluationsHasNoSection() throws {
        let store = try RunStore.open(path: directory.appendingPathComponent("s.sqlite").path, create: true)
        let spec = LadderSpec(kind: .isoflop, budgets: [1e9, 3e9], count: 1, spreadDecades: 0, seed: 0)
        _ = try store.add(try LadderPlanner.plan(spec), name: "plain", version: "test")
        XCTAssertNil(try CapabilitiesSection.section(store: store, options: AnalysisOptions()))
    }

    func testLossByContextPositionIsNoTaskOfTheSection() throws {
        // The architecture study's store: only context-position evaluations, which are no task.
        let store = try RunStore.open(path: directory.appendingPathComponent("s.sqlite").path, create: true)
        var design = ArchitectureStudy.Design.quick()
        design.bootstrap = 0
        let outcome = try StudyRunner(study: ArchitectureStudy(design: design), store: store, version: "test").run { s in
            try ArchitectureStudyTests.simulate(s)
        }
        guard case .finished(let summary) = outcome else { return XCTFail("the study did not finish") }
        XCTAssertEqual(summary.positions.count, 6, "the evaluations are in the store")
        XCTAssertNil(try CapabilitiesSection.section(store: store, options: AnalysisOptions()))
    }
}
