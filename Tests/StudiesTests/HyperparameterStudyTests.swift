import Foundation
import Lab
import Report
import ScalingLaws
import Trainer
import XCTest

@testable import Studies

/// The hyperparameter study on simulated training: every run's final loss comes from a known
/// surface with its optimal learning rate and batch known power laws in N, plus seeded noise;
/// through the same plan, store, optima and rules the study runs.
final class HyperparameterStudyTests: XCTestCase {
    /// The truth: η*(N) = 0.012·(N/1e5)^−0.3 and B*(N) = 320·(N/1e5)^0.5 tokens; the loss grows
    /// by `curvature` nats per squared doubling away from either optimum.
    static let learningRate = (at100k: 0.012, exponent: -0.3)
    static let batch = (at100k: 320.0, exponent: 0.5)
    static let curvature = (learningRate: 0.03, batch: 0.02)

    static func trueLoss(N: Double, learningRate lr: Double, batchTokens B: Double) -> Double {
        let lrStar = learningRate.at100k * pow(N / 1e5, learningRate.exponent)
        let bStar = batch.at100k * pow(N / 1e5, batch.exponent)
        return 1.2 + 30 / pow(N, 0.3) + curvature.learningRate * pow(log2(lr / lrStar), 2) + curvature.batch * pow(log2(B / bStar), 2)
    }

    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("hyperparameters-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    func store() throws -> RunStore { try RunStore.open(path: directory.appendingPathComponent("s.sqlite").path, create: true) }

    /// Records every queued run of `store` as completed with the truth's loss times (1 + noise·z).
    static func simulate(_ store: RunStore, noise: Double) throws -> Bool {
        for run in try store.runs() where run.status == .queued {
            let config = try JSONConventions.decoder().decode(TrainingConfig.self, from: Data(try XCTUnwrap(run.configJSON).utf8))
            let N = Double(config.shape.nonEmbeddingParameterCount)
            var rng = SplitMix64(seed: UInt64(run.id!))
            let L = trueLoss(N: N, learningRate: config.hyperparameters.learningRate,
                             batchTokens: Double(config.tokensPerStep)) * (1 + noise * rng.nextGaussian())
            let result = TrainerResult(status: .completed, finalLoss: L, parameters: run.parameters, tokens: Double(config.tokens),
                                       flops: run.flops)
            try store.record(run: run.id!, trainer: result)
        }
        return false
    }

    func testThePlanVariesOneAxisAtATimeOnTheSameTokens() throws {
        let (plan, variants) = try HyperparameterStudy(design: .full()).sweep()
        XCTAssertEqual(plan.runs.count, 88, "4 sizes × 9 variants × 2 seeds + 2 sizes × 4 schedule checks × 2 seeds")
        XCTAssertEqual(variants.count, plan.runs.count)
        for s in 0..<4 {
            let here = plan.runs.indices.filter { variants[$0].size == s }
            let base = try XCTUnwrap(here.first { variants[$0].axis == .baseline && variants[$0].replicate == 0 })
            let defaults = plan.runs[base].config
            XCTAssertEqual(Set(here.map { plan.runs[$0].tokens }).count, 1, "every run of a size on the same tokens")
            XCTAssertTrue(here.allSatisfy { plan.runs[$0].config.shape == defaults.shape }, "one shape per size")
            XCTAssertEqual(defaults.hyperparameters.learningRate,
                           Hyperparameters.defaults(for: defaults.shape, tokens: defaults.tokens).learningRate, "the rule's")
            for i in here {
                let v = variants[i], h = plan.runs[i].config.hyperparameters
                XCTAssertEqual(plan.runs[i].config.seed, UInt64(v.replicate))
                XCTAssertEqual(plan.runs[i].config.tokens % plan.runs[i].config.tokensPerStep, 0, "whole steps")
                switch v.axis {
                case .learningRate:
                    XCTAssertEqual(h.learningRate, defaults.hyperparameters.learningRate * v.value, accuracy: 1e-15)
                    XCTAssertEqual(h.batch, defaults.hyperparameters.batch)
                case .batch:
                    XCTAssertEqual(Double(h.batch), Double(defaults.hyperparameters.batch) * v.value, accuracy: 1e-9)
                    XCTAssertEqual(h.learningRate, defaults.hyperparameters.learningRate)
                    XCTAssertEqual(h.batch % h.microBatch, 0)
                case .warmup:
                    XCTAssertEqual(Double(h.warmupTokens), v.value * Double(plan.runs[i].tokens), accuracy: 1)
                case .cosineFloor: XCTAssertEqual(h.finalLearningRateFraction, v.value)
                case .beta2: XCTAssertEqual(h.adamw.beta2, v.value)
                case .baseline: XCTAssertEqual(h, defaults.hyperparameters)
                case .candidate: XCTFail("the full study plans no candidate")
                }
                XCTAssertEqual(plan.runs[i].config.noiseScaleEvery, h.batch >= 2 ? 10 : nil)
            }
            let schedule = here.filter { [.warmup, .cosineFloor, .beta2].contains(variants[$0].axis) }
            XCTAssertEqual(schedule.count, [1e11, 3e11].contains(HyperparameterStudy.Design.full().budgets[s]) ? 8 : 0)
        }
        // A batch that rounds to one already run is run once.
        let quick = try HyperparameterStudy(design: .quick()).sweep()
        XCTAssertEqual(quick.plan.runs.count, 12, "the smallest size's batch of 1 cannot halve")
        // The candidate check: both recipes at every size and seed, nothing swept.
        let check = try HyperparameterStudy(design: .candidateCheck()).sweep()
        XCTAssertEqual(check.plan.runs.count, 4 * 2 * 4)
        XCTAssertEqual(check.variants.filter { $0.axis == .candidate }.count, 16)
        let candidate = CandidateRecipe()
        for (run, v) in zip(check.plan.runs, check.variants) where v.axis == .candidate {
            let h = run.config.hyperparameters
            XCTAssertEqual(h.adamw.beta2, 0.99)
            XCTAssertEqual(Double(h.warmupTokens), 0.1 * Double(run.tokens), accuracy: 1)
            XCTAssertEqual(h.batch * run.config.shape.context,
                           Int(pow(2, log2(634 * pow(max(10_000, Double(run.config.shape.nonEmbeddingParameterCount)) / 1e5, 0.72)).rounded())))
            XCTAssertEqual(h.batch, candidate.batch(for: run.config.shape, tokens: run.tokens))
            XCTAssertEqual(run.config.tokens % run.config.tokensPerStep, 0, "whole steps")
        }
        XCTAssertEqual(check.plan.runs.enumerated().filter { check.variants[$0.offset].axis == .candidate && check.variants[$0.offset].replicate == 0 }
            .map { $0.element.config.hyperparameters.batch * $0.element.config.shape.context }, [128, 128, 256, 512])
        XCTAssertEqual(check.plan.runs.enumerated().filter { check.variants[$0.offset].axis == .baseline && check.variants[$0.offset].replicate == 0 }
            .map { $0.element.config.hyperparameters.batch * $0.element.config.shape.context }, [256, 256, 256, 512])
        var bad = HyperparameterStudy.Design.quick()
        bad.learningRateFactors = [1, 2]
        XCTAssertThrowsError(try bad.validate()) { XCTAssertTrue("\($0)".contains("at least 2 more distinct values"), "\($0)") }
        bad = .candidateCheck()
        bad.candidate?.warmupFraction = 1.5
        XCTAssertThrowsError(try bad.validate()) { XCTAssertTrue("\($0)".contains("the candidate recipe is out of range"), "\($0)") }
        bad = .quick()
        bad.scheduleBudgets = [5e9]
        XCTAssertThrowsError(try bad.validate()) { XCTAssertTrue("\($0)".contains("must be among the budgets"), "\($0)") }
    }

    /// A parabola through exact points gives back its vertex; the bootstrap interval of a noisy
    /// one covers the truth about as often as it says.
    func testTheOptimumIsTheParabolasVertexWithAnHonestInterval() throws {
        let x = [-2.0, -1, 0, 1, 2]
        let p = try XCTUnwrap(HyperparameterStudy.parabola(x, x.map { 2 + 0.3 * $0 + 0.1 * $0 * $0 }))
        XCTAssertEqual(p.a, 2, accuracy: 1e-12)
        XCTAssertEqual(p.b, 0.3, accuracy: 1e-12)
        XCTAssertEqual(p.c, 0.1, accuracy: 1e-12)
        XCTAssertNil(HyperparameterStudy.parabola([0, 1, 0, 1], [1, 2, 1, 2]), "two distinct x do not fix a parabola")
        XCTAssertEqual(HyperparameterStudy.minimum((0, 1, -1), lo: -2, hi: 2).inside, false, "a maximum is no optimum")

        // A steep rise above the optimum pulls the parabola through every factor low; the local
        // one, through the best factor and its neighbours, stays near the truth (factor 1).
        let skewed = [0.25, 0.5, 1, 2, 4].map { f in (factor: f, loss: 2 + 0.03 * pow(log2(f), 2) + (f > 2 ? 0.3 : 0)) }
        let o = try XCTUnwrap(HyperparameterStudy.optimum(axis: .learningRate, size: 0, budget: 1, parameters: 1e5, defaultValue: 0.01,
                                                          runs: skewed, resamples: 0, level: 0.9, seed: 0))
        XCTAssertLessThan(try XCTUnwrap(o.factor), 0.8)
        XCTAssertEqual(try XCTUnwrap(o.localFactor), 1, accuracy: 1e-9)
        XCTAssertEqual(o.bestMeasured, 1)

        // The truth's vertex at factor 2^0.4 ≈ 1.32; 5 factors × 2 seeds with noise 0.01 nats.
        let factors = [0.25, 0.5, 1, 2, 4]
        var covered = 0, sets = 0
        for seed in UInt64(0)..<200 {
            var rng = SplitMix64(seed: seed)
            let runs = (0..<2).flatMap { _ in
                factors.map { f in (factor: f, loss: 2 + 0.03 * pow(log2(f) - 0.4, 2) + 0.01 * rng.nextGaussian()) }
            }
            let o = try XCTUnwrap(HyperparameterStudy.optimum(axis: .learningRate, size: 0, budget: 1, parameters: 1e5,
                                                              defaultValue: 0.01, runs: runs, resamples: 200, level: 0.9,
                                                              seed: seed))
            guard let i = o.interval else { continue }
            sets += 1
            if i[0] <= pow(2, 0.4) && pow(2, 0.4) <= i[1] { covered += 1 }
        }
        XCTAssertGreaterThan(sets, 180, "most sets bracket the optimum")
        let coverage = Double(covered) / Double(sets)
        XCTAssertTrue((0.8...0.97).contains(coverage), "90% intervals covered the vertex in \(covered) of \(sets)")
        print("hyperparameter optimum: 90% intervals covered the true vertex in \(covered) of \(sets) sets")
    }

    func testTheStudyRecoversTheOptimalLearningRateAndBatchRules() throws {
        var design = HyperparameterStudy.Design.full()
        design.batchFactors = [0.25, 0.5, 1, 2, 4, 8]
        let study = HyperparameterStudy(design: design)
        let store = try store()
        let outcome = try StudyRunner(study: study, store: store, version: "test").run { s in try Self.simulate(s, noise: 0.002) }
        guard case .finished(let summary) = outcome else { return XCTFail("the study did not finish") }
        XCTAssertEqual(summary.runs.count, try study.sweep().plan.runs.count)
        let lr = try XCTUnwrap(summary.rules.first { $0.axis == .learningRate })
        let batch = try XCTUnwrap(summary.rules.first { $0.axis == .batch })
        print("recovered: learning rate ∝ N^\(lr.exponent) \(lr.exponentInterval ?? []), batch ∝ N^\(batch.exponent) \(batch.exponentInterval ?? [])")
        XCTAssertEqual(lr.exponent, Self.learningRate.exponent, accuracy: 0.1)
        XCTAssertEqual(lr.valueAt100k, Self.learningRate.at100k, accuracy: 0.15 * Self.learningRate.at100k)
        let li = try XCTUnwrap(lr.exponentInterval)
        XCTAssertTrue(li[0] <= Self.learningRate.exponent && Self.learningRate.exponent <= li[1], "\(li)")
        XCTAssertEqual(lr.defaultExponent, 0, accuracy: 1e-9, "the default rule is at its cap over these sizes")
        XCTAssertGreaterThanOrEqual(batch.sizes, 3, "\(summary.optima.filter { $0.axis == .batch })")
        XCTAssertEqual(batch.exponent, Self.batch.exponent, accuracy: 0.2)
        // The schedule checks change nothing in this truth: their differences are noise.
        XCTAssertEqual(summary.schedule.count, 2 * 4)
        XCTAssertTrue(summary.schedule.allSatisfy { abs($0.difference) < 0.02 }, "\(summary.schedule)")
        XCTAssertEqual(summary.seedSpread.count, 4)

        let section = try XCTUnwrap(study.sections(summary).first)
        XCTAssertEqual(section.id, "study-hyperparameters")
        XCTAssertEqual(section.plots.count, 2)
        XCTAssertTrue(section.paragraphs.contains { $0.contains("optimal peak learning rate ∝ N^") }, "\(section.paragraphs)")

        // Resumed: nothing to train, the same findings.
        let again = try StudyRunner(study: study, store: store, version: "test").run { _ in
            XCTFail("a finished study trains nothing")
            return false
        }
        guard case .finished(let same) = again else { return XCTFail("the study did not finish") }
        XCTAssertEqual(same, summary)
    }

    /// B_simple pooled over the last quarter of a curve: the measurement-weighted means of |G|²
    /// and tr(Σ), divided; points without noise are skipped, and none gives nil.
    func testTheNoiseScaleIsPooledOverTheLastQuarter() throws {
        func point(_ step: Int, _ noise: GradientNoise?) -> StoredCurvePoint {
            StoredCurvePoint(runID: 1, step: step, tokens: Double(step), flops: 1, trainLoss: 2, validationLoss: 2,
                             validationBitsPerByte: 3, learningRate: 0.01, gradientNoise: noise)
        }
        var curve = (1...6).map { point($0, GradientNoise(measurements: 2, gradientSquaredNorm: 1, trace: 100)) }
        curve += [point(7, GradientNoise(measurements: 1, gradientSquaredNorm: 2, trace: 300)),
                  point(8, GradientNoise(measurements: 3, gradientSquaredNorm: 1, trace: 500)), point(9, nil)]
        // 8 measured points: the last 2, (1·2 + 3·1)/4 and (1·300 + 3·500)/4.
        let b = try XCTUnwrap(HyperparameterStudy.pooledNoiseScale(curve.shuffled()))
        XCTAssertEqual(b, (1800.0 / 4) / (5.0 / 4), accuracy: 1e-9)
        XCTAssertNil(HyperparameterStudy.pooledNoiseScale([point(1, nil)]))
        XCTAssertNil(HyperparameterStudy.pooledNoiseScale([point(1, GradientNoise(measurements: 1, gradientSquaredNorm: -1, trace: 5))]))
    }

    /// The candidate check on simulated training: the candidate's rows are seed-paired
    /// differences at every size; no optimum is fitted, and no note says one is missing.
    func testTheCandidateCheckComparesTheRecipesSeedBySeed() throws {
        let study = HyperparameterStudy(design: .candidateCheck())
        let outcome = try StudyRunner(study: study, store: try store(), version: "test").run { s in try Self.simulate(s, noise: 0.002) }
        guard case .finished(let summary) = outcome else { return XCTFail("the study did not finish") }
        XCTAssertTrue(summary.optima.isEmpty)
        XCTAssertTrue(summary.rules.isEmpty)
        let rows = summary.schedule.filter { $0.axis == .candidate }
        XCTAssertEqual(rows.count, 4)
        for r in rows {
            let runs = summary.runs.filter { $0.size == r.size }
            let paired = (0..<4).map { k in
                runs.first { $0.axis == .candidate && $0.replicate == k }!.loss - runs.first { $0.axis == .baseline && $0.replicate == k }!.loss
            }
            XCTAssertEqual(r.difference, paired.reduce(0, +) / 4, accuracy: 1e-12)
            XCTAssertEqual(r.differenceRange, [paired.min()!, paired.max()!])
        }
        XCTAssertFalse(summary.notes.contains { $0.contains("No optimum") }, "\(summary.notes)")
        let section = try XCTUnwrap(study.sections(summary).first)
        XCTAssertTrue(section.paragraphs.contains { $0.hasPrefix("The candidate recipe against the default") }, "\(section.paragraphs)")
    }
}
