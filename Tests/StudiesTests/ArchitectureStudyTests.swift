import Foundation
import Lab
import Report
import ScalingLaws
import Trainer
import XCTest

@testable import Studies

/// The architecture study on simulated training: every run's final loss comes from a known
/// power law in its non-embedding N, one exponent per architecture, times a small seeded noise,
/// and its loss by position from a known curve; through the same plan, store and fit the study runs.
final class ArchitectureStudyTests: XCTestCase {
    /// The truth: L(N) = (N_c/N)^α per architecture; the LSTM's exponent half the transformer's.
    static let truth: [String: (scale: Double, alpha: Double)] = ["transformer": (2e7, 0.12), "lstm": (3e10, 0.06)]
    /// Relative noise on each simulated loss: ±0.3% (σ of a centred uniform), about the spread
    /// of seeds of one real run.
    static let noise = 0.003

    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("architecture-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    func store() throws -> RunStore { try RunStore.open(path: directory.appendingPathComponent("s.sqlite").path, create: true) }

    /// The truth's loss at position t of the context: the transformer keeps improving over the
    /// context, the LSTM the same at first and flat from position 8 on.
    static func positionLoss(_ arch: String, final L: Double, position t: Int) -> Double {
        let reach = arch == "lstm" ? min(t, 8) : t
        return L * (1.3 - 0.1 * Foundation.log2(Double(reach)))
    }

    /// Records every queued run of `store` as completed with the truth's loss and per-position losses.
    static func simulate(_ store: RunStore, noise: Double = ArchitectureStudyTests.noise) throws -> Bool {
        for run in try store.runs() where run.status == .queued {
            let arch = try XCTUnwrap(run.arch)
            let config = try JSONConventions.decoder().decode(TrainingConfig.self, from: Data(try XCTUnwrap(run.configJSON).utf8))
            XCTAssertEqual(config.evaluatesContextPositions, true, "every run is scored by position")
            let N = try XCTUnwrap(run.nonEmbeddingParameters), (Nc, alpha) = try XCTUnwrap(truth[arch])
            var rng = SeededGenerator(seed: UInt64(run.id!))
            let L = Foundation.pow(Nc / N, alpha) * (1 + noise * (2 * rng.nextUnit() - 1) * 3.0.squareRoot())
            let T = config.shape.context
            let byPosition = (1...T).map { positionLoss(arch, final: L, position: $0) }
            let steps = config.steps
            var result = TrainerResult(status: .completed, finalLoss: L, parameters: run.parameters, tokens: Double(config.tokens),
                                       flops: run.flops,
                                       evaluations: ContextPositions.evaluations(byPosition, step: steps, tokens: Double(config.tokens)))
            result.nonEmbeddingParameters = N
            try store.record(run: run.id!, trainer: result)
        }
        return false
    }

    func design() -> ArchitectureStudy.Design {
        var d = ArchitectureStudy.Design.full()
        d.count = 5
        d.bootstrap = 200
        return d
    }

    func testBothLaddersTrainTheSameSizesOnTheSameTokensScoredByPosition() throws {
        let study = ArchitectureStudy(design: design())
        let t = try study.ladder(.transformer), l = try study.ladder(.lstm)
        XCTAssertEqual(t.runs.count, 5)
        XCTAssertEqual(l.runs.count, 5)
        XCTAssertTrue(t.runs.allSatisfy { $0.config.shape.architecture == .transformer })
        XCTAssertTrue(l.runs.allSatisfy { $0.config.shape.architecture == .lstm })
        for (a, b) in zip(t.runs, l.runs) {
            XCTAssertEqual(Double(a.parameters), Double(b.parameters), accuracy: 0.3 * Double(a.parameters), "same target, nearest shapes")
            XCTAssertEqual(a.targetParameters, b.targetParameters)
            XCTAssertEqual(a.config.seed, b.config.seed)
            XCTAssertEqual(a.config.shape.context, b.config.shape.context)
            XCTAssertEqual(Double(a.tokens), 1e6, accuracy: 0.01e6)
            XCTAssertEqual(a.config.evaluatesContextPositions, true)
            let rule = { (s: ModelShape) in Hyperparameters.defaults(for: s, tokens: 1_000_000).learningRate }
            XCTAssertEqual(a.config.hyperparameters.learningRate, rule(a.config.shape), "the rule's learning rate")
            XCTAssertEqual(b.config.hyperparameters.learningRate, 10 * rule(b.config.shape), accuracy: 1e-12, "10× the rule's")
            XCTAssertEqual(b.config.evaluatesContextPositions, true)
        }
    }

    func testTheFitRecoversEachArchitecturesExponentAndThePositionGaps() throws {
        let store = try store()
        let outcome = try StudyRunner(study: ArchitectureStudy(design: design()), store: store, version: "test").run { s in
            try Self.simulate(s)
        }
        guard case .finished(let summary) = outcome else { return XCTFail("the study did not finish") }
        XCTAssertEqual(summary.runs.count, 10)
        XCTAssertEqual(summary.fits.map(\.architecture), ["transformer", "lstm"])
        for f in summary.fits {
            let truth = try XCTUnwrap(Self.truth[f.architecture])
            XCTAssertEqual(f.parameters.alpha, truth.alpha, accuracy: 0.2 * truth.alpha, "\(f.architecture): \(f.parameters)")
            let interval = try XCTUnwrap(f.parameters.alphaInterval)
            XCTAssertTrue(interval[0] <= truth.alpha && truth.alpha <= interval[1], "\(f.architecture): \(interval) misses \(truth.alpha)")
            XCTAssertLessThan(interval[1] - interval[0], truth.alpha, "\(f.architecture): the interval says something")
            XCTAssertTrue(f.compute.alpha > 0 && f.compute.alpha.isFinite, "\(f.compute)")
        }
        XCTAssertEqual(summary.lstmExponentSmaller, true)
        XCTAssertEqual(summary.exponentIntervalsDisjoint, true)

        // Every model's curve is stored; the gaps are the truth's: 0 on positions 1–7, then growing.
        XCTAssertEqual(summary.positions.count, 10)
        XCTAssertEqual(summary.positions[0].buckets.first, [1, 1])
        XCTAssertEqual(summary.positions[0].buckets.last, [64, 64])
        XCTAssertEqual(summary.gaps.count, 5 * 7)
        let largest = summary.gaps.filter { $0.rung == 4 }
        for g in largest {
            let t = summary.runs.first { $0.architecture == "transformer" && $0.rung == 4 }!.loss
            let l = summary.runs.first { $0.architecture == "lstm" && $0.rung == 4 }!.loss
            let positions = g.bucket[0]...g.bucket[1]
            let lstm: Double = positions.map { Self.positionLoss("lstm", final: l, position: $0) }.reduce(0, +)
            let transformer: Double = positions.map { Self.positionLoss("transformer", final: t, position: $0) }.reduce(0, +)
            let expected = lstm / transformer - 1
            XCTAssertEqual(g.gap, expected, accuracy: 1e-9, "\(g)")
        }
        XCTAssertEqual(summary.earlyGap, largest.first?.gap)
        let t4 = summary.runs.first { $0.architecture == "transformer" && $0.rung == 4 }!.loss
        let l4 = summary.runs.first { $0.architecture == "lstm" && $0.rung == 4 }!.loss
        let lateLSTM: Double = (32...64).map { Self.positionLoss("lstm", final: l4, position: $0) }.reduce(0, +)
        let lateTransformer: Double = (32...64).map { Self.positionLoss("transformer", final: t4, position: $0) }.reduce(0, +)
        XCTAssertEqual(try XCTUnwrap(summary.lateGap), lateLSTM / lateTransformer - 1, accuracy: 1e-9)
        XCTAssertGreaterThan(try XCTUnwrap(summary.lateGap), try XCTUnwrap(summary.earlyGap))

        // The section: three plots, the exponents beside Kaplan's.
        let section = try XCTUnwrap(ArchitectureStudy(design: design()).sections(summary).first)
        XCTAssertEqual(section.id, "study-architecture")
        XCTAssertEqual(section.plots.count, 3)
        XCTAssertEqual(section.plots[2].series.count, 10)
        let exponents = section.tables[0]
        XCTAssertEqual(exponents.rows.count, 4)
        XCTAssertEqual(exponents.rows[0][7], ReportTable.cell(0.076))

        // Resumed: nothing to train, the same findings.
        let again = try StudyRunner(study: ArchitectureStudy(design: design()), store: store, version: "test").run { _ in
            XCTFail("a finished study trains nothing")
            return false
        }
        guard case .finished(let same) = again else { return XCTFail("the study did not finish") }
        XCTAssertEqual(same, summary)
    }

    func testTheFitRecoversKnownExponentsOverSeeds() throws {
        // The study's own fit on exact power laws with noise, over seeds: each interval holds the
        // truth in most of them (90% nominal, at least 14 of 20 allowed for a 5-point bootstrap).
        let Ns = [3e3, 1e4, 3e4, 1e5, 3e5]
        var held = 0
        for seed in 0..<20 as Range<UInt64> {
            var rng = SeededGenerator(seed: seed)
            let points = Ns.map { N in (x: N, loss: Foundation.pow(1e8 / N, 0.1) * (1 + 0.005 * (2 * rng.nextUnit() - 1))) }
            let fit = try ArchitectureStudy.fit(points, variable: .parameters, bootstrap: 100, level: 0.9, seed: seed)
            XCTAssertEqual(fit.alpha, 0.1, accuracy: 0.02, "seed \(seed)")
            if let i = fit.alphaInterval, i[0] <= 0.1, 0.1 <= i[1] { held += 1 }
        }
        XCTAssertGreaterThanOrEqual(held, 14)
    }

    func testBadDesignsAndTooFewRunsAreRefusedWithWhatToFix() throws {
        var d = design()
        d.range = [2e5, 1e4]
        XCTAssertThrowsError(try ArchitectureStudy(design: d).ladder(.transformer)) { e in
            XCTAssertTrue("\(e)".contains("increasing"), "\(e)")
        }
        d = design()
        d.count = 2
        XCTAssertThrowsError(try d.validate()) { XCTAssertTrue("\($0)".contains("at least 3 sizes"), "\($0)") }
        d = design()
        d.tokens = 10
        XCTAssertThrowsError(try d.validate()) { XCTAssertTrue("\($0)".contains("tokens"), "\($0)") }
        d = design()
        d.level = 1
        XCTAssertThrowsError(try d.validate())
        XCTAssertThrowsError(try ArchitectureStudy.fit([(x: 1e4, loss: 2), (x: 1e5, loss: 1.8)], variable: .parameters,
                                                        bootstrap: 0, level: 0.9, seed: 0)) { e in
            XCTAssertTrue("\(e)".contains("at least 3 done runs"), "\(e)")
        }
        XCTAssertThrowsError(try ArchitectureStudy.fit([(x: 1e4, loss: 2), (x: 1e5, loss: .nan), (x: 1e6, loss: 1.5)],
                                                        variable: .parameters, bootstrap: 0, level: 0.9, seed: 0)) { e in
            XCTAssertTrue("\(e)".contains("non-finite"), "\(e)")
        }
        // A store without the study's ladders: analysis says to run the study.
        XCTAssertThrowsError(try ArchitectureStudy(design: design()).analyze(try store())) { e in
            XCTAssertTrue("\(e)".contains("run the study"), "\(e)")
        }
    }
}
