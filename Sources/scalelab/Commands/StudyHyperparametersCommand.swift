import Analysis
import ArgumentParser
import Foundation
import LawFitting
import Studies

/// `scalelab study hyperparameters`.
struct StudyHyperparametersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hyperparameters",
        abstract: "Hyperparameters: learning-rate and batch sweeps per model size, the optima as rules in N, schedule checks.",
        discussion: """
        Trains one compute-optimal model per budget with the trainer's default recipe and, one axis at a \
        time, with the peak learning rate and the batch (at the same tokens) times each factor, over \
        several seeds; at some sizes also checks the warm-up length, the cosine's floor and AdamW's beta2. \
        Fits each size's optimum as the vertex of a parabola in log2 of the factor (residual-bootstrap \
        intervals), the optima across sizes as power laws in N beside the default rule, and reports the \
        gradient noise scale of the default runs beside the batch optimum. The full study (88 runs) takes \
        about 10 minutes on 2 cores; --quick about 10 seconds.
        """
    )

    @OptionGroup var study: StudyArguments
    @Option(help: "Replicates of every run (seeds --seed, --seed + 1, …; default: the design's, 2 for the full study).")
    var seeds: Int?
    @Flag(help: "Instead of sweeping, compare the default recipe with the candidate the sweep suggested (batch 634·(N/1e5)^0.72 tokens, 10% warm-up, beta2 0.99) at the full study's four sizes over 4 seeds, --seed + 4 to --seed + 7 (past the seeds the sweep and its replication used).")
    var candidate = false

    func validate() throws {
        if candidate && study.quick { throw ValidationError("--candidate and --quick are two designs; give one") }
    }

    func run() throws {
        // The candidate check's seeds start 4 past --seed: past the sweep's and its replication's (0–3).
        var design = candidate ? HyperparameterStudy.Design.candidateCheck(seed: study.seed &+ 4)
            : study.quick ? HyperparameterStudy.Design.quick(seed: study.seed) : HyperparameterStudy.Design.full(seed: study.seed)
        if let b = study.bootstrap { design.bootstrap = b }
        if let seeds { design.seeds = seeds }
        do { try design.validate() } catch { throw ValidationError("\(error)") }
        try StudyExecution.run(HyperparameterStudy(design: design, calibrationThreads: study.calibrationThreads), arguments: study,
                               options: study.options(bootstrap: design.bootstrap, seed: design.seed))
    }
}
