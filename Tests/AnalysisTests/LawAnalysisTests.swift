import Foundation
import XCTest
import Analysis
import LawFitting
import ScalingLaws

/// The main-law pipeline every command uses: the law it chooses, its back-test default, the
/// comparison, and plan intervals from a fit's refits.
final class LawAnalysisTests: XCTestCase {
    let truth = ChinchillaParameters(E: 1.8, A: 400, B: 2000, alpha: 0.34, beta: 0.36)

    /// `count` points of `truth` (exact losses) on a grid of N and D.
    func exactSet(count: Int, compute: Bool = true, tokens: Bool = true) -> MeasurementSet {
        let points = (0..<count).map { i -> Observation in
            let N = 1e6 * pow(10, Double(i % 5) * 0.5), D = 2e7 * pow(10, Double(i / 5) * 0.4)
            return Observation(parameters: N, tokens: tokens ? D : nil, compute: compute ? 6 * N * D : nil,
                               loss: truth.loss(parameters: N, tokens: D))
        }
        return MeasurementSet(measurements: points, source: "exact.csv", format: .csv)
    }

    /// A few starts: an exact law is found from any nearby start, and the debug build is slow.
    var options: AnalysisOptions {
        var o = AnalysisOptions()
        o.fit.threads = 2
        o.fit.grid = ["log_E": [0.5], "log_A": [5, 8], "log_B": [5, 8], "alpha": [0.5], "beta": [0.5]]
        o.bootstrap = 8
        return o
    }

    func testTheOneDefaultOfEachOption() {
        let o = AnalysisOptions()
        XCTAssertEqual(o.bootstrap, 200)
        XCTAssertEqual(o.level, 0.9)
        XCTAssertEqual(o.seed, 0)
        XCTAssertNil(o.law)
        XCTAssertNil(o.holdout)
        XCTAssertEqual(o.holdoutCount(points: 240), 24, "a tenth")
        XCTAssertEqual(o.holdoutCount(points: 7), 1, "at least one")
        XCTAssertEqual(o.budgetTolerance, 0.01)
        XCTAssertNoThrow(try o.check())
    }

    func testBadOptionsSayWhatToFix() {
        var o = AnalysisOptions()
        o.level = 1.5
        XCTAssertThrowsError(try o.check()) { XCTAssertTrue("\($0)".contains("--level")) }
        o = AnalysisOptions(); o.bootstrap = -1
        XCTAssertThrowsError(try o.check()) { XCTAssertTrue("\($0)".contains("--bootstrap")) }
        o = AnalysisOptions(); o.budgets = [.infinity]
        XCTAssertThrowsError(try o.check()) { XCTAssertTrue("\($0)".contains("--budget")) }
        o = AnalysisOptions(); o.law = "chinchila"
        XCTAssertThrowsError(try o.check()) { XCTAssertEqual($0 as? AnalysisError, .unknownLaw("chinchila")) }
    }

    /// Chinchilla when every point has N and D, power-c with only C, and an error naming the
    /// columns there are otherwise.
    func testTheMainLawFollowsTheColumns() throws {
        XCTAssertEqual(try LawAnalysis.mainLaw(exactSet(count: 10), nil).identifier, "chinchilla")
        XCTAssertEqual(try LawAnalysis.mainLaw(exactSet(count: 10, tokens: false), nil).identifier, "power-c")
        XCTAssertThrowsError(try LawAnalysis.mainLaw(exactSet(count: 10, compute: false, tokens: false), nil)) {
            XCTAssertEqual($0 as? AnalysisError, .noApplicableLaw(source: "exact.csv", variables: ["N"]))
        }
        var o = options
        o.fixed = ["F": 1]
        XCTAssertThrowsError(try LawAnalysis.formula(for: exactSet(count: 10), options: o)) {
            XCTAssertTrue("\($0)".contains("'F'") && "\($0)".contains("alpha"), "\($0)")
        }
        o.fixed = ["E": 1.8]
        XCTAssertEqual(try LawAnalysis.formula(for: exactSet(count: 10), options: o).parameterNames, ["A", "B", "alpha", "beta"])
    }

    /// A tenth held out by default when enough points are left to fit; no back-test when not; an
    /// explicit hold-out that leaves too few is an error.
    func testTheBacktestDefault() throws {
        let big = try LawAnalysis.run(exactSet(count: 20), options: options, version: "t")
        XCTAssertEqual(big.report.holdout?.k, 2)
        XCTAssertEqual(try XCTUnwrap(big.report.holdout).meanAbsoluteRelativeError, 0, accuracy: 1e-4, "an exact law")
        XCTAssertEqual(big.report.bootstrap?.samples, 8)
        XCTAssertEqual(big.report.parameters["alpha"] ?? .nan, truth.alpha, accuracy: 1e-3)
        let small = try LawAnalysis.run(exactSet(count: 6), options: options, version: "t")
        XCTAssertNil(small.report.holdout, "1 held out of 6 leaves 5 points for 5 parameters")
        var o = options
        o.holdout = 3
        XCTAssertThrowsError(try LawAnalysis.run(exactSet(count: 7), options: o, version: "t")) {
            XCTAssertEqual($0 as? FitError, .holdoutTooLarge(holdout: 3, points: 7, parameters: 5))
        }
    }

    /// Every applicable law is ranked; one that cannot be fitted is named, not silently lost.
    func testTheComparisonRanksEveryApplicableLaw() throws {
        var o = options
        o.fit.grid = [:]
        let c = try LawAnalysis.compare(exactSet(count: 20), options: o)
        XCTAssertEqual(c.holdout, 2)
        XCTAssertTrue(c.rows.contains { $0.law == "chinchilla" })
        XCTAssertEqual(c.rows.count + (c.dropped?.count ?? 0), Comparison.applicable(to: FitData(exactSet(count: 20).measurements)).count)
        let ranked = c.rows.compactMap(\.holdoutRmseLog)
        XCTAssertEqual(ranked, ranked.sorted(), "ranked by held-out error")
    }

    /// Plan intervals come from planning with every refit: the count, the keys of the plan's
    /// JSON, and an interval that holds the plans' own spread.
    func testPlanIntervalsFromTheRefits() throws {
        let law = try LawAnalysis.run(exactSet(count: 20), options: options, version: "t")
        let plan = try PlanAnalysis.run(PlanRequest(compute: 1e21), report: law.report, source: "fit.json")
        XCTAssertEqual(plan.refits, 8)
        XCTAssertEqual(plan.level, 0.9)
        let n = try XCTUnwrap(plan.intervals?["computeOptimal.parameters"])
        XCTAssertLessThanOrEqual(n[0], n[1])
        XCTAssertNil(plan.intervals?["request.compute"], "the request's own numbers have no interval")
        let refitPlans = try law.report.bootstrap!.parameters.map { p in
            try ChinchillaParameters(p).computeOptimalPlan(compute: 1e21).parameters
        }.sorted()
        XCTAssertGreaterThanOrEqual(n[0], refitPlans.first! - 1e-9 * refitPlans.first!)
        XCTAssertLessThanOrEqual(n[1], refitPlans.last! + 1e-9 * refitPlans.last!)
        var bare = law.report
        bare.bootstrap = nil
        let single = try PlanAnalysis.run(PlanRequest(compute: 1e21), report: bare, source: "fit.json")
        XCTAssertNil(single.intervals)
        XCTAssertEqual(single.plan.computeOptimal?.parameters, plan.plan.computeOptimal?.parameters)
    }
}
