import Foundation
import XCTest
@testable import Lab
import ScalingLaws
import Trainer

/// The ladder designs: shapes close to their targets, budgets met by the exact FLOP count,
/// sizes centred on the prior's optimum.
final class PlanTests: XCTestCase {
    func testShapeRuleRealizesTargetsCloselyWithinTheAspectBand() {
        let rule = ShapeRule()
        for k in 0...12 {
            let target = 3e4 * pow(10, Double(k) / 4)   // 3e4 … 3e7
            let s = rule.shape(forParameters: target)
            XCTAssertNoThrow(try s.validate())
            let ratio = Double(s.dModel) / Double(s.layers)
            // The closest candidate up to the 2% aspect tie band; width steps of 8 keep that
            // within 15% of the target from 3e4 parameters up (below, d_model 24 → 32 is a 50% jump).
            let best = rule.candidates.map { abs(log(Double($0.parameterCount) / target)) }.min()!
            let error = abs(log(Double(s.parameterCount) / target))
            XCTAssertLessThanOrEqual(error, best + 0.02 + 1e-12, "target \(target) → \(s)")
            XCTAssertLessThanOrEqual(error, log(1.15), "target \(target) → \(s)")
            XCTAssertTrue((16...64).contains(ratio), "aspect \(ratio) for \(s)")
            XCTAssertEqual(s.dModel % s.heads, 0)
            XCTAssertEqual(s.vocab, 256)
            XCTAssertEqual(s.context, 64)
        }
    }

    func testIsoFLOPRunsMeetTheirBudgetWithinHalfAStepAndCentreOnThePrior() throws {
        let spec = LadderSpec(budgets: [1e12, 1e13], count: 5, spreadDecades: 0.5)
        let plan = try LadderPlanner.plan(spec)
        XCTAssertEqual(plan.runs.count, 10, "\(plan.warnings)")
        for C in spec.budgets {
            let row = plan.runs.filter { $0.budget == C }
            // Targets: N_opt(C)·10^{-0.5, -0.25, 0, 0.25, 0.5}, N_opt from Epoch AI's closed form.
            let center = PublishedLaws.epoch2024.optimalParameters(compute: C)
            let logs = row.map { log10($0.targetParameters / center) }
            for (got, want) in zip(logs, [-0.5, -0.25, 0, 0.25, 0.5]) { XCTAssertEqual(got, want, accuracy: 1e-12) }
            for r in row {
                let f = r.config.shape.trainingFLOPsPerToken
                XCTAssertEqual(f, r.config.shape.transformerShape?.trainingFLOPsPerToken(method: .exact), "C counts causal attention, as `scalelab flops` exact")
                XCTAssertEqual(r.flops, f * Double(r.tokens))
                XCTAssertEqual(r.tokens, r.config.steps * r.config.tokensPerStep, "whole steps")
                XCTAssertLessThanOrEqual(abs(r.flops - C), 0.5 * f * Double(r.config.tokensPerStep) + 1, "C met within half a step")
                XCTAssertEqual(r.config.hyperparameters, Hyperparameters.defaults(for: r.config.shape, tokens: Int((C / f).rounded())))
                XCTAssertEqual(r.parameters, r.config.shape.parameterCount)
                XCTAssertNoThrow(try r.config.validate())
            }
            // Larger targets get larger models and fewer tokens.
            XCTAssertEqual(row.map(\.parameters), row.map(\.parameters).sorted())
            XCTAssertEqual(row.map(\.tokens), row.map(\.tokens).sorted(by: >))
        }
    }

    func testFixedSizeAndFixedDataSweeps() throws {
        let size = try LadderPlanner.plan(LadderSpec(kind: .fixedSize, count: 4, fixedValue: 1e5, range: [1e6, 1e8]))
        XCTAssertEqual(Set(size.runs.map(\.config.shape.dModel)).count, 1)
        XCTAssertEqual(size.runs.count, 4)
        for (r, D) in zip(size.runs, [1e6, 1e6 * pow(100, 1.0 / 3), 1e6 * pow(100, 2.0 / 3), 1e8]) {
            XCTAssertEqual(Double(r.tokens), D, accuracy: 0.5 * Double(r.config.tokensPerStep) + 1)
        }
        let data = try LadderPlanner.plan(LadderSpec(kind: .fixedData, count: 4, fixedValue: 1e7, range: [3e4, 3e6]))
        XCTAssertEqual(data.runs.count, 4)
        XCTAssertEqual(data.runs.map(\.parameters), data.runs.map(\.parameters).sorted())
        for r in data.runs { XCTAssertEqual(Double(r.tokens), 1e7, accuracy: 0.5 * Double(r.config.tokensPerStep) + 1) }
    }

    func testBadSpecsSayWhatToFix() {
        func message(_ spec: LadderSpec) -> String {
            do { _ = try LadderPlanner.plan(spec); return "no error" } catch { return error.description }
        }
        XCTAssertTrue(message(LadderSpec()).contains("--budgets"))
        XCTAssertTrue(message(LadderSpec(budgets: [1e12], count: 0)).contains("at least 1"))
        XCTAssertTrue(message(LadderSpec(kind: .fixedSize, range: [1e6, 1e7])).contains("--size"))
        XCTAssertTrue(message(LadderSpec(kind: .fixedData, fixedValue: 1e7, range: [1e6, 1e5])).contains("--range"))
    }

    /// A fixed-size ladder of 1e9 parameters used to calibrate that shape for minutes (and would
    /// have needed about 16 GB of optimizer state): only a small probe is measured now.
    func testCalibrationOfAShapeTooLargeMeasuresAOneLayerProbe() throws {
        let plan = try LadderPlanner.plan(LadderSpec(kind: .fixedSize, count: 3, fixedValue: 1e9, range: [2e10, 8e10]))
        let huge = plan.runs[0].config.shape
        XCTAssertGreaterThan(huge.parameterCount, 500_000_000)
        let estimate = try Calibration.estimate(for: plan, threads: 1)
        XCTAssertEqual(estimate.points.count, 1, estimate.source)
        XCTAssertLessThan(estimate.points[0].flopsPerToken, huge.trainingFLOPsPerToken / 1000)
        XCTAssertTrue(estimate.source.contains("one-layer probe"), estimate.source)
        XCTAssertTrue(estimate.source.contains("--throughput"), estimate.source)
        XCTAssertEqual(estimate.flopsPerSecond(flopsPerToken: huge.trainingFLOPsPerToken), estimate.points[0].flopsPerSecond)
    }

    /// Without a time budget the smallest and the largest shapes are measured; with one that the
    /// smallest meets and the largest does not, the largest shape that meets it is measured beside
    /// the smallest, and the source says where the measurements stop.
    func testCalibrationStopsAtTheLargestShapeThatFitsItsTimeBudget() throws {
        let small = try LadderPlanner.plan(LadderSpec(kind: .fixedData, count: 4, fixedValue: 1e6, range: [3e4, 3e6]))
        let smallShapes = small.runs.map(\.config.shape).sorted { $0.trainingFLOPsPerToken < $1.trainingFLOPsPerToken }
        let full = try Calibration.estimate(for: small, threads: 1, secondsPerShape: 1e6)
        XCTAssertEqual(full.points.map(\.flopsPerToken), [smallShapes.first!, smallShapes.last!].map(\.trainingFLOPsPerToken))
        XCTAssertFalse(full.source.contains("--throughput"), full.source)

        // Three decades of sizes. The budget: between what the smallest would take at the 1 GFLOP/s
        // floor (so it is measured itself, not a probe) and what the largest would take at the
        // smallest's measured rate (so it is not measured); a factor of about 10 each side here.
        let plan = try LadderPlanner.plan(LadderSpec(kind: .fixedData, count: 4, fixedValue: 1e6, range: [3e4, 3e7]))
        let shapes = plan.runs.map(\.config.shape).sorted { $0.trainingFLOPsPerToken < $1.trainingFLOPsPerToken }
        let rate = try Calibration.measure(shapes[0], threads: 1).flopsPerSecond
        let low = Calibration.seconds(toCalibrate: shapes[0], at: 1e9), high = Calibration.seconds(toCalibrate: shapes[3], at: rate)
        XCTAssertLessThan(low * 10, high, "the machine measured \(rate) FLOP/s: too slow for this test's margins")
        let capped = try Calibration.estimate(for: plan, threads: 1, secondsPerShape: (low * high).squareRoot())
        XCTAssertTrue(capped.source.contains("the smallest shape"), capped.source)
        XCTAssertTrue(capped.source.contains("--throughput"), capped.source)
        XCTAssertEqual(capped.points.first?.flopsPerToken, shapes[0].trainingFLOPsPerToken)
        XCTAssertLessThan(capped.points.last!.flopsPerToken, shapes[3].trainingFLOPsPerToken)
    }

    func testThroughputInterpolatesInLogLog() {
        let t = ThroughputEstimate(source: "t", threads: 1, points: [.init(flopsPerToken: 1e6, flopsPerSecond: 4e9),
                                                                    .init(flopsPerToken: 1e4, flopsPerSecond: 1e9)])
        XCTAssertEqual(t.flopsPerSecond(flopsPerToken: 1e5), 2e9, accuracy: 1)
        XCTAssertEqual(t.flopsPerSecond(flopsPerToken: 1e3), 1e9)
        XCTAssertEqual(t.flopsPerSecond(flopsPerToken: 1e7), 4e9)
        var plan = try! LadderPlanner.plan(LadderSpec(budgets: [1e12], count: 1))
        plan.estimate(with: ThroughputEstimate(source: "t", threads: 1, points: [.init(flopsPerToken: 1, flopsPerSecond: 1e9)]))
        XCTAssertEqual(plan.estimatedSeconds!, plan.totalFLOPs / 1e9, accuracy: 1e-9)
    }

    func testStoredPlanIsQueuedWithItsConfigs() throws {
        let store = try RunStore.open(path: try temporaryDirectory(self).appendingPathComponent("p.sqlite").path)
        let plan = try LadderPlanner.plan(LadderSpec(budgets: [1e11, 1e12], count: 3))
        let (sweep, runs) = try store.add(plan, version: "t")
        XCTAssertEqual(sweep.kind, "isoflop")
        XCTAssertEqual(runs.map(\.trainingConfig), plan.runs.map(\.config))
        XCTAssertEqual(try store.runs().map(\.status), Array(repeating: .queued, count: plan.runs.count))
        XCTAssertEqual(try store.summary().plannedFLOPs, plan.totalFLOPs, accuracy: 1e-6 * plan.totalFLOPs)
        let decoded = try JSONDecoder().decode(LadderPlan.self, from: Data(sweep.specJSON.utf8))
        XCTAssertEqual(decoded, plan)
        // Every planned config reaches a worker whole: the config file round-trips it exactly.
        let file = try temporaryDirectory(self).appendingPathComponent("run.config.json").path
        for r in plan.runs {
            try WorkerCommand.writeConfig(r.config, to: file)
            XCTAssertEqual(try WorkerCommand.readConfig(at: file), r.config)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: file + ".tmp"))
    }
}

/// Issue 15: a ladder's task mix and evaluations reach every planned run's config, checked at planning time.
extension PlanTests {
    func testMixAndEvaluationsGoIntoEveryRunsConfig() throws {
        var spec = LadderSpec(budgets: [1e12, 1e13], count: 3)
        spec.mix = [TaskMixture(task: "addition-3", fraction: 0.1)]
        spec.evaluationTasks = ["addition-3", "reversal-4"]
        spec.evaluationExamples = 200
        let plan = try LadderPlanner.plan(spec)
        XCTAssertEqual(plan.runs.count, 6)
        for r in plan.runs {
            XCTAssertEqual(r.config.mix, spec.mix)
            XCTAssertEqual(r.config.evaluationTasks, ["addition-3", "reversal-4"])
            XCTAssertEqual(r.config.evaluationExamples, 200)
            XCTAssertNoThrow(try r.config.validate())
        }
        var bad = spec; bad.evaluationTasks = ["addition-9"]; bad.rule.context = 16
        XCTAssertThrowsError(try LadderPlanner.plan(bad)) { XCTAssertTrue("\($0)".contains("context of at least 33"), "\($0)") }
        bad = spec; bad.mix = [TaskMixture(task: "addition-3", fraction: 1.2)]
        XCTAssertThrowsError(try LadderPlanner.plan(bad)) { XCTAssertTrue("\($0)".contains("(0, 1)"), "\($0)") }
    }

    /// A spec's recipe sets every run's hyperparameters; a spec stored before recipes existed
    /// reads as the default.
    func testTheRecipeSetsEveryRunsHyperparameters() throws {
        var spec = LadderSpec(budgets: [3e10, 1e12], count: 3)
        let standard = try LadderPlanner.plan(spec)
        spec.recipe = .candidate
        let candidate = try LadderPlanner.plan(spec)
        XCTAssertEqual(candidate.runs.count, standard.runs.count)
        for (c, d) in zip(candidate.runs, standard.runs) {
            XCTAssertEqual(c.config.shape, d.config.shape)
            let h = c.config.hyperparameters
            XCTAssertEqual(h, HyperparameterRecipe.candidate.hyperparameters(for: c.config.shape, tokens: h.warmupTokens * 10),
                           "the candidate's recipe, its warm-up a tenth of the planned tokens")
            XCTAssertEqual(h.adamw.beta2, 0.99)
            XCTAssertEqual(h.learningRate, d.config.hyperparameters.learningRate, "the default's learning rate")
            XCTAssertEqual(c.config.tokens % c.config.tokensPerStep, 0)
            XCTAssertEqual(d.config.hyperparameters, Hyperparameters.defaults(for: d.config.shape, tokens: Int(d.budget! / d.config.shape.trainingFLOPsPerToken)),
                           "no recipe: the default rule")
        }
        XCTAssertEqual(candidate.runs.first!.config.hyperparameters.batch * 2, standard.runs.first!.config.hyperparameters.batch,
                       "the smallest model: 128 tokens a step against the default's 256")
        let old = try JSONConventions.decoder().decode(LadderSpec.self, from: JSONConventions.encoder().encode(LadderSpec(budgets: [1e12])))
        XCTAssertNil(old.recipe)
    }
    /// A resumed ladder compares its stored spec with a fresh one: equal specs have no
    /// differences, even after the JSON round trip and when the stored one predates recipes (no
    /// `recipe` key); each changed setting is named.
    func testSpecDifferencesAcceptAResumeAndNameWhatChanged() throws {
        let budgets = (0..<4).map { 3e10 * pow(100, Double($0) / 3) }
        let spec = LadderSpec(kind: .isoflop, budgets: budgets, count: 5, seed: 0)
        var json = try JSONSerialization.jsonObject(with: JSONConventions.encoder().encode(try LadderPlanner.plan(spec))) as! [String: Any]
        var storedSpec = json["spec"] as! [String: Any]
        XCTAssertNil(storedSpec["recipe"], "the default recipe is stored as no key")
        storedSpec["recipe"] = nil
        json["spec"] = storedSpec
        let stored = try JSONConventions.decoder().decode(LadderPlan.self, from: JSONSerialization.data(withJSONObject: json))
        XCTAssertEqual(stored.spec.differences(from: spec), [])
        var explicitDefault = spec
        explicitDefault.recipe = .default
        XCTAssertEqual(stored.spec.differences(from: explicitDefault), [], "nil and .default are the same recipe")
        var other = spec
        other.seed = 3
        other.recipe = .candidate
        other.budgets = Array(budgets.dropLast())
        let named = stored.spec.differences(from: other)
        XCTAssertEqual(named.count, 3, "\(named)")
        XCTAssertTrue(named.contains("seed 0 there, 3 now"), "\(named)")
        XCTAssertTrue(named.contains("recipe default there, candidate now"), "\(named)")
        XCTAssertTrue(named.contains { $0.hasPrefix("budgets") }, "\(named)")
    }
}
