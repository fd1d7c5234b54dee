import ArgumentParser
import Foundation
import Lab
import ScalingLaws

/// `scalelab simulate-run`: a synthetic trainer for tests and design studies. Draws a run's
/// loss from a published law plus noise and writes the result file a training command writes,
/// instantly; use it as `ladder run --train-command`.
struct SimulateRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate-run",
        abstract: "Write the result of a run simulated from a known law plus noise (a synthetic trainer).",
        discussion: """
        Draws the final loss L(N, D)·exp(σz) from a law of the catalog (`scalelab laws`) and writes \
        it, with a learning curve, as the result file of docs/trainers.md. With ladder run: \
        --train-command 'scalelab simulate-run --params {params} --tokens {tokens} --seed {run_id} --out {result}'.
        """
    )

    @Option(help: "A catalog law with a loss of N and D (see `scalelab laws`).") var law = "hoffmann2022"
    @Option(help: "N, the run's parameters.") var params: PositiveNumber
    @Option(help: "D, the run's tokens.") var tokens: PositiveNumber
    @Option(help: "σ, the relative noise of each loss.") var noise = 0.01
    @Option(help: "Random seed (the same seed gives the same result).") var seed: UInt64 = 0
    @Option(name: .customLong("curve-points"), help: "Points of the learning curve (0 for none).") var curvePoints = 8
    @Option(help: "Seconds to sleep before writing, as if training.") var seconds = 0.0
    @Option(help: "Where to write the result file (JSON).") var out: String

    func validate() throws {
        guard Self.lossLaw(law) != nil else {
            let usable = PublishedLaws.all.filter { Self.lossLaw($0) != nil }.map(\.identifier)
            throw ValidationError("--law \(law): not a catalog law with a loss of N and D; use one of \(usable.joined(separator: ", "))")
        }
        guard noise.isFinite, noise >= 0, noise < 1 else { throw ValidationError("--noise must be in [0, 1), got \(noise)") }
        guard (0...10_000).contains(curvePoints) else { throw ValidationError("--curve-points must be in 0...10000, got \(curvePoints)") }
        guard seconds.isFinite, seconds >= 0, seconds <= 86_400 else { throw ValidationError("--seconds must be in 0...86400, got \(seconds)") }
    }

    /// The catalog entry's first law of N and D (Chinchilla's form, the data-constrained one, Kaplan's joint one).
    static func lossLaw(_ identifier: String) -> Law? { PublishedLaws.named(identifier).flatMap(lossLaw) }

    static func lossLaw(_ entry: PublishedLaw) -> Law? {
        entry.laws.first { ["chinchilla", "data-constrained", "kaplan-nd"].contains($0.formula.identifier) }
    }

    func run() throws {
        let result = SimulatedRun.result(law: Self.lossLaw(law)!, parameters: params.value, tokens: tokens.value, noise: noise,
                                         seed: seed, curvePoints: curvePoints, seconds: seconds)
        if seconds > 0 { Thread.sleep(forTimeInterval: seconds) }
        try OutputFile.checkWritable(out)
        do { try SimulatedRun.write(result, to: out) } catch { throw CommandFailure("cannot write \(out): \(error)") }
    }
}
