import Foundation
import Lab
import ScalingLaws
import Trainer

extension ArchitectureStudy {
    /// One run of the study at its end.
    public struct RunRow: Sendable, Codable, Equatable {
        /// The run's id in the store.
        public var run: Int64
        /// `transformer` or `lstm`.
        public var architecture: String
        /// The rung: the run's place among its architecture's sizes, smallest first (0-based).
        public var rung: Int
        /// Layers and width (residual width or hidden size).
        public var layers: Int, dModel: Int
        /// N (all parameters), N without embeddings, D and C (training FLOPs).
        public var parameters: Double, nonEmbeddingParameters: Double, tokens: Double, flops: Double
        /// The final validation loss (nats per byte) and its architecture's fitted L(N).
        public var loss: Double, fitted: Double
    }

    /// One architecture's two fits.
    public struct ArchitectureFit: Sendable, Codable, Equatable {
        /// `transformer` or `lstm`.
        public var architecture: String
        /// L(N) with N the non-embedding parameters.
        public var parameters: PowerFit
        /// L(C) with C the run's training FLOPs.
        public var compute: PowerFit
    }

    /// One model's loss by context position, averaged over log-spaced buckets of positions.
    public struct PositionCurve: Sendable, Codable, Equatable {
        /// `transformer` or `lstm`, and the model's rung.
        public var architecture: String, rung: Int
        /// N and N without embeddings.
        public var parameters: Double, nonEmbeddingParameters: Double
        /// The buckets `[first, last]` of 1-based positions (bytes of context seen), in order.
        public var buckets: [[Int]]
        /// The mean validation loss (nats per byte) of each bucket.
        public var losses: [Double]
    }

    /// The LSTM against the transformer of the same rung at one bucket of positions.
    public struct GapRow: Sendable, Codable, Equatable {
        /// The rung and the two models' non-embedding N.
        public var rung: Int, transformerParameters: Double, lstmParameters: Double
        /// The bucket `[first, last]` of positions.
        public var bucket: [Int]
        /// The two losses there, and the LSTM's relative excess `lstm/transformer − 1`.
        public var transformerLoss: Double, lstmLoss: Double, gap: Double
    }

    /// The study's findings (`summary.json`).
    public struct Summary: Sendable, Codable, Equatable {
        /// The settings.
        public var design: Design
        /// Every done run, by architecture then size.
        public var runs: [RunRow]
        /// Each architecture's fits, transformer first.
        public var fits: [ArchitectureFit]
        /// Each done model's loss by context position.
        public var positions: [PositionCurve]
        /// The LSTM's gap to the transformer by position, for every rung both finished.
        public var gaps: [GapRow]
        /// Headline: is the LSTM's α_N below the transformer's?
        public var lstmExponentSmaller: Bool?
        /// Headline: are the two α_N intervals disjoint?
        public var exponentIntervalsDisjoint: Bool?
        /// Headline: the LSTM's gap at the largest common rung on the first bucket (position 1)
        /// and over the second half of the context (positions T/2 to T, `lateGap(_:context:)`).
        public var earlyGap: Double?, lateGap: Double?
        /// What should be read with care.
        public var notes: [String]
    }

    /// Reads both ladders' done runs and their per-position losses, and fits each architecture.
    public func analyze(_ store: RunStore) throws -> Summary {
        var runs: [RunRow] = [], fits: [ArchitectureFit] = [], positions: [PositionCurve] = []
        for (i, arch) in Self.architectures.enumerated() {
            guard let sweep = try Self.sweep(arch, in: store) else {
                throw StudyError.unusable("the store has no \(arch.rawValue) ladder of the architecture study; run the study to its end")
            }
            let done = try store.runs(sweep: sweep).filter { $0.status == .done && $0.finalValidationLoss != nil }
                .sorted { ($0.parameters, $0.id ?? 0) < ($1.parameters, $1.id ?? 0) }
            let nonEmbedding = done.map { $0.nonEmbeddingParameters ?? $0.parameters }
            let losses = done.map { $0.finalValidationLoss! }
            let seed = design.seed &+ UInt64(i)
            let byN = try Self.fit(Array(zip(nonEmbedding, losses)).map { (x: $0, loss: $1) }, variable: .parameters,
                                   bootstrap: design.bootstrap, level: design.level, seed: seed)
            let byC = try Self.fit(done.enumerated().map { (x: $1.flops ?? .nan, loss: losses[$0]) }, variable: .compute,
                                   bootstrap: design.bootstrap, level: design.level, seed: seed)
            fits.append(ArchitectureFit(architecture: arch.rawValue, parameters: byN, compute: byC))
            for (rung, run) in done.enumerated() {
                let shape = try? Self.shape(of: run)
                runs.append(RunRow(run: run.id ?? 0, architecture: arch.rawValue, rung: rung, layers: shape?.layers ?? 0,
                                   dModel: shape?.dModel ?? 0, parameters: run.parameters, nonEmbeddingParameters: nonEmbedding[rung],
                                   tokens: run.tokens ?? .nan, flops: run.flops ?? .nan, loss: losses[rung],
                                   fitted: byN.loss(at: nonEmbedding[rung])))
                if let curve = try Self.positionCurve(store, run: run) {
                    positions.append(PositionCurve(architecture: arch.rawValue, rung: rung, parameters: run.parameters,
                                                   nonEmbeddingParameters: nonEmbedding[rung], buckets: curve.buckets, losses: curve.losses))
                }
            }
        }
        let gaps = Self.gaps(positions)
        let largest = gaps.map(\.rung).max()
        let atLargest = gaps.filter { $0.rung == largest }
        let (t, l) = (fits[0].parameters, fits[1].parameters)
        var notes = ["Every run trains on the same \(Self.sci(design.tokens)) bytes, so L(N) here is the loss at a fixed D, "
            + "not at convergence as in Kaplan et al.; the largest models are the most data-limited, which flattens both exponents.",
            "Losses are nats per byte of Shakespeare-like text, not per GPT-2 token of WebText2: the scales N_c and C_c do not "
            + "compare with the published ones, the exponents do (loosely).",
            "Both architectures use the trainer's default recipe (batch, warm-up, schedule), tuned on transformers; the LSTMs' "
            + "learning rate is \(Self.num(design.lstmLearningRateFactor))× the rule's, from one short sweep at two sizes, "
            + "not tuned per size."]
        if positions.count < runs.count { notes.append("\(runs.count - positions.count) runs have no per-position losses stored.") }
        return Summary(design: design, runs: runs, fits: fits, positions: positions, gaps: gaps,
                       lstmExponentSmaller: l.alpha < t.alpha,
                       exponentIntervalsDisjoint: Self.disjoint(t.alphaInterval, l.alphaInterval),
                       earlyGap: atLargest.first?.gap, lateGap: Self.lateGap(atLargest, context: design.context), notes: notes)
    }

    /// Whether two intervals `[low, high]` do not overlap; nil without both.
    static func disjoint(_ a: [Double]?, _ b: [Double]?) -> Bool? {
        guard let a, let b, a.count == 2, b.count == 2 else { return nil }
        return a[1] < b[0] || b[1] < a[0]
    }

    /// The model shape a stored run was planned with.
    static func shape(of run: StoredRun) throws -> ModelShape {
        guard let json = run.configJSON else { throw StudyError.unusable("run \(run.id ?? 0) has no stored configuration") }
        return try JSONConventions.decoder().decode(TrainingConfig.self, from: Data(json.utf8)).shape
    }

    /// A run's per-position losses from the store's `context-position` evaluations at its last
    /// step, buckets in order; nil when it has none.
    static func positionCurve(_ store: RunStore, run: StoredRun) throws -> (buckets: [[Int]], losses: [Double])? {
        guard let id = run.id else { return nil }
        let rows = try store.evaluations(run: id).filter { $0.task == ContextPositions.task }
        guard let last = rows.map(\.step).max() else { return nil }
        let pairs = rows.filter { $0.step == last }.compactMap { e in ContextPositions.bucket(metric: e.metric).map { ($0, e.value) } }
            .sorted { $0.0.lowerBound < $1.0.lowerBound }
        guard !pairs.isEmpty else { return nil }
        return (pairs.map { [$0.0.lowerBound, $0.0.upperBound] }, pairs.map(\.1))
    }

    /// The LSTM's relative excess over the buckets that start in the second half of the context
    /// (positions 32–64 of 64): the count-weighted losses' ratio, minus 1; nil without such buckets.
    static func lateGap(_ rows: [GapRow], context T: Int) -> Double? {
        let late = rows.filter { 2 * $0.bucket[0] >= T }
        guard !late.isEmpty else { return nil }
        let count = { (g: GapRow) in Double(g.bucket[1] - g.bucket[0] + 1) }
        return late.map { count($0) * $0.lstmLoss }.reduce(0, +) / late.map { count($0) * $0.transformerLoss }.reduce(0, +) - 1
    }

    /// The LSTM against the transformer of the same rung, bucket by bucket (buckets both have).
    static func gaps(_ curves: [PositionCurve]) -> [GapRow] {
        var out: [GapRow] = []
        for t in curves where t.architecture == Architecture.transformer.rawValue {
            guard let l = curves.first(where: { $0.architecture == Architecture.lstm.rawValue && $0.rung == t.rung }) else { continue }
            for (b, loss) in zip(t.buckets, t.losses) {
                guard let j = l.buckets.firstIndex(of: b) else { continue }
                out.append(GapRow(rung: t.rung, transformerParameters: t.nonEmbeddingParameters, lstmParameters: l.nonEmbeddingParameters,
                                  bucket: b, transformerLoss: loss, lstmLoss: l.losses[j], gap: l.losses[j] / loss - 1))
            }
        }
        return out
    }
}
