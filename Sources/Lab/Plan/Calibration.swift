import Foundation
import Trainer

/// Measures training throughput for wall-time estimates.
public enum Calibration {
    /// FLOP/s of a few real optimizer steps of `shape` with `threads` threads, on a seeded
    /// synthetic corpus (throughput does not depend on the bytes).
    ///
    /// Runs `steps` steps of `sequences` sequences each through the real training loop
    /// (`Trainer.train`), so it measures what a run will see, including the first step's
    /// allocation (which makes the estimate slightly pessimistic). A few seconds at most for
    /// the shapes a CPU ladder trains.
    public static func measure(_ shape: ModelShape, threads: Int, steps: Int = 3, sequences: Int = 4) throws -> ThroughputEstimate.Point {
        let T = shape.context
        var h = Hyperparameters.defaults(for: shape, tokens: 1_000_000)
        h.batch = sequences
        h.microBatch = sequences
        h.warmupTokens = 0
        var config = TrainingConfig(shape: shape, tokens: steps * sequences * T, seed: 0, hyperparameters: h, threads: threads)
        config.curvePoints = 1
        config.curveValidationBytes = T + 1
        let corpus = MarkovSource(order: 1, alphabet: 16, seed: 1).generate(count: max(8192, 40 * (T + 1)), seed: 1)
        let record = try train(config, corpus: corpus, options: TrainingOptions(version: "calibration"))
        return .init(flopsPerToken: shape.trainingFLOPsPerToken, flopsPerSecond: record.tokensPerSecond * shape.trainingFLOPsPerToken)
    }

    /// Calibrates the smallest and the largest shape of `plan` (by FLOPs per token).
    public static func estimate(for plan: LadderPlan, threads: Int) throws -> ThroughputEstimate {
        let shapes = plan.runs.map(\.config.shape).sorted { $0.trainingFLOPsPerToken < $1.trainingFLOPsPerToken }
        guard let small = shapes.first, let large = shapes.last else {
            return ThroughputEstimate(source: "calibration: no runs", threads: threads, points: [.init(flopsPerToken: 1, flopsPerSecond: 1)])
        }
        let picked = small == large ? [small] : [small, large]
        let points = try picked.map { try measure($0, threads: threads) }
        return ThroughputEstimate(source: "calibration: 3 training steps of the smallest and largest shapes, \(threads) threads, interpolated in log-log",
                                  threads: threads, points: points)
    }

    /// From the done runs of a store: each run's measured FLOP/s (its FLOPs over its wall
    /// seconds) at its FLOPs per token. Nil when the store has no done run with timings.
    public static func estimate(from store: RunStore) throws(StoreError) -> ThroughputEstimate? {
        var byFPT: [Double: [Double]] = [:]
        var threads = 1
        for r in try store.runs() where r.status == .done {
            guard let config = r.trainingConfig, let wall = r.wallSeconds, wall > 0, let flops = r.flops else { continue }
            byFPT[config.shape.trainingFLOPsPerToken, default: []].append(flops / wall)
            threads = config.threads
        }
        guard !byFPT.isEmpty else { return nil }
        let points = byFPT.map { fpt, rates in
            ThroughputEstimate.Point(flopsPerToken: fpt, flopsPerSecond: rates.sorted()[rates.count / 2])
        }
        return ThroughputEstimate(source: "store: measured FLOP/s of \(byFPT.values.map(\.count).reduce(0, +)) done runs (median per shape), interpolated in log-log",
                                  threads: threads, points: points)
    }
}
