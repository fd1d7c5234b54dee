import Analysis
import ArgumentParser
import Foundation
import LawFitting
import Studies

/// `scalelab study architecture`.
struct StudyArchitectureCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "architecture",
        abstract: "Architectures: a transformer and an LSTM ladder, each one's L(N) exponent, and the loss by context position.",
        discussion: """
        Trains the same sizes (all parameters from 1e4 to 3e5) on the same tokens as transformers and as \
        LSTMs (at 10× the trainer's learning rate, which was tuned on transformers); fits Kaplan et al.'s L(N) = (N_c/N)^α_N (N without embeddings) and the same form in the \
        training FLOPs C to each architecture, with bootstrap intervals, beside Kaplan's published \
        exponents; and scores every finished model's validation loss at each position of its context, \
        where Kaplan find LSTMs fall behind. The full study takes about 10 minutes on 2 cores; --quick \
        under a minute.
        """
    )

    @OptionGroup var study: StudyArguments

    func run() throws {
        var design = study.quick ? ArchitectureStudy.Design.quick(seed: study.seed) : ArchitectureStudy.Design.full(seed: study.seed)
        if let b = study.bootstrap { design.bootstrap = b }
        do { try design.validate() } catch { throw ValidationError("\(error)") }
        try StudyExecution.run(ArchitectureStudy(design: design, calibrationThreads: study.calibrationThreads), arguments: study,
                               options: study.options(bootstrap: design.bootstrap, seed: design.seed))
    }
}
