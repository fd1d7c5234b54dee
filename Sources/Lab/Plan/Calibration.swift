import Foundation
import ScalingLaws
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

    /// Calibrates the smallest and the largest shape of `plan` (by FLOPs per token), or, when the
    /// largest would take longer than `secondsPerShape` to calibrate, the largest shape that would
    /// not.
    ///
    /// A shape's calibration time is predicted from the FLOP/s of the first shape measured
    /// (pessimistic: larger matrices run faster). Shapes too large to calibrate (a fixed-size
    /// ladder of 1e9 parameters: minutes per step and gigabytes of optimizer state on a CPU) are
    /// estimated at the FLOP/s of the largest shape measured. When even the smallest shape would
    /// take longer than `secondsPerShape` at 1 GFLOP/s, a one-layer probe of its family is
    /// measured instead. The estimate's `source` says which of these happened.
    public static func estimate(for plan: LadderPlan, threads: Int, secondsPerShape: Double = 10) throws -> ThroughputEstimate {
        let shapes = plan.runs.map(\.config.shape).sorted { $0.trainingFLOPsPerToken < $1.trainingFLOPsPerToken }
        guard let small = shapes.first, let large = shapes.last else {
            return ThroughputEstimate(source: "calibration: no runs", threads: threads, points: [.init(flopsPerToken: 1, flopsPerSecond: 1)])
        }
        let smallFits = seconds(toCalibrate: small, at: 1e9) <= secondsPerShape
        let firstShape = smallFits ? small : probe(like: small)
        let first = try measure(firstShape, threads: threads)
        let affordable = shapes.last { seconds(toCalibrate: $0, at: first.flopsPerSecond) <= secondsPerShape }
        var points = [first]
        if let affordable, affordable != firstShape { points.append(try measure(affordable, threads: threads)) }
        if smallFits && affordable == large {
            return ThroughputEstimate(source: "calibration: 3 training steps of the smallest and largest shapes, \(threads) threads, "
                                      + "interpolated in log-log", threads: threads, points: points)
        }
        let measured = smallFits ? "the smallest shape" : "a one-layer probe (\(groupedDigits(firstShape.parameterCount)) parameters)"
        let largest = affordable.map { " and of the largest shape that calibrates within \(String(format: "%g", secondsPerShape)) s "
            + "(\(groupedDigits($0.parameterCount)) parameters)" } ?? ""
        let predicted = seconds(toCalibrate: large, at: first.flopsPerSecond)
        return ThroughputEstimate(
            source: "calibration: 3 training steps of \(measured)\(largest), \(threads) threads, interpolated in log-log; "
                + "larger shapes (up to \(groupedDigits(large.parameterCount)) parameters, about \(String(format: "%.3g", predicted)) s "
                + "to calibrate) are assumed to run at the FLOP/s of the largest measured: give --throughput for a better estimate",
            threads: threads, points: points)
    }

    /// A one-layer shape of `shape`'s family, 64 wide (rounded to its heads) with its context up
    /// to 256: a few milliseconds a step, to measure the machine's FLOP/s when no planned shape
    /// calibrates quickly.
    static func probe(like shape: ModelShape) -> ModelShape {
        let heads = shape.architecture == .transformer ? min(shape.heads, 64) : 1
        return ModelShape(architecture: shape.architecture, layers: 1, dModel: heads * max(1, 64 / heads), heads: heads,
                          context: min(shape.context, 256))
    }

    /// Seconds that `measure(shape, threads:)`'s default 3 steps of 4 sequences would take at `flopsPerSecond`.
    static func seconds(toCalibrate shape: ModelShape, at flopsPerSecond: Double, steps: Int = 3, sequences: Int = 4) -> Double {
        Double(steps * sequences * shape.context) * shape.trainingFLOPsPerToken / flopsPerSecond
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
