import Foundation
import Lab
import LawFitting
import Report
import ScalingLaws
import Trainer
import XCTest

@testable import Studies

/// The transfer study on simulated training: from-scratch losses from a known Chinchilla-like
/// law L(N, D), and every fine-tuned model's loss that of a from-scratch model on D_F plus a known
/// D_T = k·D_F^α·N^β, through the same plans, effective-data reading and fit the study runs.
final class TransferStudyTests: XCTestCase {
    /// The from-scratch law on the target corpus: E + A·N^−a + B·D^−b (N without embeddings).
    static func scratchLoss(N: Double, D: Double) -> Double { 0.9 + 30 * pow(N, -0.3) + 60 * pow(D, -0.35) }
    /// The transfer the simulated fine-tuning gets (not Hernandez et al.'s: a fit that returned
    /// the published constants would fail).
    static let truth = TransferLaw(k: 50, alpha: 0.3, beta: 0.35)
    /// Relative noise on each simulated loss: ±0.05% (σ of a centred uniform).
    static let noise = 0.0005

    var directory: URL!
    var checkpoints: String { directory.appendingPathComponent("runs").path }

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("transfer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    func store() throws -> RunStore { try RunStore.open(path: directory.appendingPathComponent("s.sqlite").path, create: true) }

    /// The full design with a denser from-scratch curve (13 budgets), fewer resamples.
    func design() -> TransferStudy.Design {
        var d = TransferStudy.Design.full()
        d.scratchCount = 13
        d.bootstrap = 100
        return d
    }

    /// Records every queued run as completed with the simulated loss; the corpus each stage trains
    /// on goes to `corpora`.
    static func simulate(_ store: RunStore, corpus: String?, corpora: inout [String?]) throws -> Bool {
        corpora.append(corpus)
        for run in try store.runs() where run.status == .queued {
            let config = try XCTUnwrap(run.trainingConfig)
            let N = Double(config.shape.nonEmbeddingParameterCount), D = Double(config.tokens)
            var rng = SeededGenerator(seed: UInt64(run.id!))
            let effective = config.initFrom == nil ? D : D + truth.transferred(fineTuningTokens: D, parameters: N)
            // Pre-training is scored on its own corpus: any loss will do.
            let clean: Double = config.keepsCheckpoint == true ? 2.0 : scratchLoss(N: N, D: effective)
            let u: Double = 2 * rng.nextUnit() - 1
            let L = clean * (1 + noise * u * 3.0.squareRoot())
            try store.record(run: run.id!, trainer: TrainerResult(status: .completed, finalLoss: L, parameters: run.parameters,
                                                                  tokens: D, flops: run.flops))
        }
        return false
    }

    func testThePlansPretrainKeepFineTuneFromTheCheckpointsAndTrainTheSameShapesFromScratch() throws {
        let study = TransferStudy(design: design(), checkpointFolder: checkpoints)
        let pre = try study.pretraining()
        XCTAssertEqual(pre.runs.count, 3)
        XCTAssertTrue(pre.runs.allSatisfy { $0.config.keepsCheckpoint == true && $0.config.initFrom == nil && $0.tokens >= 999_000 })
        let parents = Dictionary(uniqueKeysWithValues: pre.runs.enumerated().map { (TransferStudy.key($1.config.shape), Int64(10 + $0)) })
        let tune = try study.fineTuning(parents: parents)
        XCTAssertEqual(tune.runs.count, 3 * 4)
        for (i, size) in pre.runs.enumerated() {
            let runs = tune.runs.filter { $0.config.shape == size.config.shape }
            XCTAssertEqual(runs.count, 4)
            XCTAssertTrue(runs.allSatisfy { $0.config.initFrom == RunFiles(directory: checkpoints, runID: Int64(10 + i)).checkpoint })
            XCTAssertTrue(runs.allSatisfy { $0.config.keepsCheckpoint == nil }, "only the pre-trained models keep theirs")
            XCTAssertEqual(runs.map(\.tokens), runs.map(\.tokens).sorted())
            XCTAssertEqual(Double(runs[0].tokens), 1.25e4, accuracy: 0.05 * 1.25e4)
            XCTAssertEqual(Double(runs[3].tokens), 2e5, accuracy: 0.05 * 2e5)
        }
        let scratch = try study.scratch()
        XCTAssertEqual(scratch.runs.count, 3 * 13)
        XCTAssertTrue(scratch.runs.allSatisfy { $0.config.initFrom == nil && $0.config.keepsCheckpoint == nil })
        XCTAssertEqual(Set(scratch.runs.map { TransferStudy.key($0.config.shape) }), Set(parents.keys))
        // A size whose pre-training did not finish: refused, with what to do.
        XCTAssertThrowsError(try study.fineTuning(parents: [:])) { XCTAssertTrue("\($0)".contains("--fresh"), "\($0)") }
        XCTAssertEqual(study.stages.map(\.corpus), [nil, TransferStudy.target, TransferStudy.target])
    }

    /// Through the whole study: D_E read off the simulated from-scratch curves, D_T fitted, and
    /// the known k, α and β recovered. Measured: α 0.3 → 0.294, β 0.35 → 0.354, k 50 → 51.4.
    func testTheStudyRecoversAKnownTransferLaw() throws {
        let store = try store()
        let study = TransferStudy(design: design(), checkpointFolder: checkpoints)
        var corpora: [String?] = []
        guard case .finished(let s) = try StudyRunner(study: study, store: store, version: "test")
            .run(train: { try Self.simulate($0, corpus: $1, corpora: &corpora) }) else { return XCTFail("the study did not finish") }
        XCTAssertEqual(corpora, [nil, TransferStudy.target, TransferStudy.target], "each stage trains on its own corpus")
        XCTAssertEqual(s.sizes.count, 3)
        XCTAssertEqual(s.scratch.count, 3 * 13)
        XCTAssertEqual(s.transfers.count, 12)
        XCTAssertTrue(s.transfers.allSatisfy { $0.bound == "equal" && $0.inFit }, "\(s.transfers.map(\.bound))")
        for t in s.transfers {
            let want = Self.truth.transferred(fineTuningTokens: t.fineTuningTokens, parameters: t.nonEmbeddingParameters)
            XCTAssertEqual(t.transferred! / want, 1, accuracy: 0.1, "D_T at N \(t.nonEmbeddingParameters), D_F \(t.fineTuningTokens)")
        }
        let f = try XCTUnwrap(s.fit, s.fitError ?? "")
        print("transfer study on simulated runs: k \(f.law.k) \(f.kInterval ?? []), α \(f.law.alpha) \(f.alphaInterval ?? []), "
              + "β \(f.law.beta) \(f.betaInterval ?? []), RMSE log \(f.rmseLog)")
        XCTAssertEqual(f.law.alpha, Self.truth.alpha, accuracy: 0.03)
        XCTAssertEqual(f.law.beta, Self.truth.beta, accuracy: 0.03)
        XCTAssertEqual(log(f.law.k / Self.truth.k), 0, accuracy: log(1.5))
        let a = try XCTUnwrap(f.alphaInterval), b = try XCTUnwrap(f.betaInterval)
        XCTAssertTrue(a[0] < f.law.alpha && f.law.alpha < a[1] && b[0] < f.law.beta && f.law.beta < b[1])
        XCTAssertEqual(s.published.first?.law, .hernandezTextToPython)
        XCTAssertNotNil(s.medianFractionTransferred)

        // The report section: both plots, the constants beside the published ones, every fine-tuned model.
        let sections = study.sections(s)
        XCTAssertEqual(sections.count, 1)
        XCTAssertEqual(sections[0].tables.map(\.rows.count), [3, 12])
        XCTAssertEqual(sections[0].plots.count, 2)
        XCTAssertEqual(sections[0].plots[0].series.filter { $0.style == .points }.count, 3, "one measured series per size")
        let input = ReportInput(title: "t", runs: [], sections: sections,
                                provenance: Provenance(source: "test", dataHash: "", scalelabVersion: "test", seed: 0,
                                                       bootstrapSamples: 0, date: "", machine: ""))
        let page = HTMLReport.render(input)
        XCTAssertTrue(page.contains("id=\"section-study-transfer\""))
        XCTAssertFalse(page.contains("NaN") || page.contains("nan\""))
    }

    /// Stopped after pre-training, resumed from a folder that moved (its checkpoints with it): the
    /// plans still match, nothing already trained trains again; other settings are refused.
    func testAnInterruptedStudyResumesAndAChangedOneIsRefused() throws {
        let store = try store()
        var calls = 0
        let first = try StudyRunner(study: TransferStudy(design: design(), checkpointFolder: checkpoints), store: store, version: "test")
            .run(train: { store, corpus in
                calls += 1
                var seen: [String?] = []
                _ = try Self.simulate(store, corpus: corpus, corpora: &seen)
                return true   // stopped after the first stage trained
            })
        guard case .stopped = first else { return XCTFail("the study should have stopped") }
        XCTAssertEqual(calls, 1)
        let moved = TransferStudy(design: design(), checkpointFolder: directory.appendingPathComponent("elsewhere").path)
        var corpora: [String?] = []
        guard case .finished(let s) = try StudyRunner(study: moved, store: store, version: "test")
            .run(train: { try Self.simulate($0, corpus: $1, corpora: &corpora) }) else { return XCTFail("the study did not finish") }
        XCTAssertEqual(corpora, [TransferStudy.target, TransferStudy.target], "pre-training is not trained again")
        XCTAssertEqual(s.transfers.count, 12)
        var other = design()
        other.fineTuningCount = 3
        XCTAssertThrowsError(try StudyRunner(study: TransferStudy(design: other, checkpointFolder: checkpoints), store: store, version: "test")
            .run(train: { _, _ in false })) { XCTAssertTrue("\($0)".contains("other settings"), "\($0)") }
    }

    func testABadDesignIsRefusedWithWhatToChange() {
        var d = design(); d.count = 1
        XCTAssertThrowsError(try d.validate()) { XCTAssertTrue("\($0)".contains("at least 2 sizes"), "\($0)") }
        d = design(); d.fineTuningRange = [2e5, 1e4]
        XCTAssertThrowsError(try d.validate()) { XCTAssertTrue("\($0)".contains("fine-tuning budgets"), "\($0)") }
        d = design(); d.scratchRange = [10, 1e6]
        XCTAssertThrowsError(try d.validate()) { XCTAssertTrue("\($0)".contains("from-scratch budgets"), "\($0)") }
        d = design(); d.pretrainingTokens = .infinity
        XCTAssertThrowsError(try d.validate()) { XCTAssertTrue("\($0)".contains("pre-training tokens"), "\($0)") }
    }
}
