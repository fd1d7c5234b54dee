import Foundation
import ScalingLaws

/// A training run that "trains" instantly: its loss is drawn from a known law plus noise
/// (`scalelab simulate-run`), so that ladders of thousands of runs go through the real
/// executors and store in seconds, and a fit can be checked against the law that made the data.
///
/// The final loss is `L(N, D) · exp(σ·z)` with z standard normal (multiplicative noise, so the
/// loss stays positive and σ is a relative error); the learning curve evaluates the same law at
/// `k/K` of the tokens with its own noise. The same seed gives the same result.
public enum SimulatedRun {
    /// The result of one simulated run of `parameters` N on `tokens` D under `law`.
    /// - Parameters:
    ///   - law: the law the losses follow (a law of N and D).
    ///   - parameters: N, the run's parameters.
    ///   - tokens: D, the run's tokens.
    ///   - noise: σ, the relative noise of each loss (0 for none).
    ///   - seed: the random seed; the same seed gives the same result.
    ///   - curvePoints: points of the learning curve (0 for none); the last is the final loss.
    ///   - seconds: the wall time to report (`simulate-run --seconds` also sleeps that long).
    public static func result(law: Law, parameters: Double, tokens: Double, noise: Double, seed: UInt64,
                              curvePoints: Int = 8, seconds: Double = 0) -> TrainerResult {
        var rng = SplitMix64(seed: seed)
        func loss(_ d: Double) -> Double {
            law(LawInput(N: parameters, D: d, C: 6 * parameters * d, U: d)) * exp(noise * rng.nextGaussian())
        }
        let final = loss(tokens)
        var curve: [TrainerResult.CurvePoint] = []
        if curvePoints > 0 {
            for k in 1..<curvePoints {
                let d = tokens * Double(k) / Double(curvePoints)
                curve.append(.init(tokens: d, loss: loss(d), step: k))
            }
            curve.append(.init(tokens: tokens, loss: final, step: curvePoints))
        }
        return TrainerResult(status: .completed, finalLoss: final, parameters: parameters, tokens: tokens,
                             flops: 6 * parameters * tokens, wallSeconds: seconds, learningCurve: curve.isEmpty ? nil : curve,
                             message: "simulated from \(law.identifier) with \(noise) relative noise, seed \(seed)")
    }

    /// Writes `result` to `path` once, by atomic rename (`<path>.tmp`, then renamed), as a
    /// training command must.
    public static func write(_ result: TrainerResult, to path: String) throws {
        if let problem = RunFiles.replace(try JSONConventions.encoder().encode(result), at: path) {
            throw ResultFileError(path: path, detail: problem)
        }
    }
}
