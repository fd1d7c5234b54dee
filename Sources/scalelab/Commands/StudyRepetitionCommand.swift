import Analysis
import ArgumentParser
import Foundation
import LawFitting
import Studies

/// `scalelab study repetition`.
struct StudyRepetitionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repetition",
        abstract: "Repeated data: a ladder trained for 1 to 32 epochs, the data-constrained law fitted, a forecast scored.",
        discussion: """
        Trains one compute-optimal model per budget, each on its token budget D once per epoch count e \
        with a unique-token cap U = D/e (1, 2, 4, 8, 16, 32 epochs); fits Muennighoff et al.'s \
        data-constrained law (R_D* with a bootstrap interval; R_N* held at the published 5.31) and \
        compares it with the published C4 constants; tabulates the loss penalty of repetition; plans \
        the best model for a larger budget with scarce unique tokens, stores the forecast, trains the \
        model and scores the forecast. The full study takes about 12 minutes on 2 cores; --quick about a minute.
        """
    )

    @OptionGroup var study: StudyArguments

    func run() throws {
        var design = study.quick ? RepetitionStudy.Design.quick(seed: study.seed) : RepetitionStudy.Design.full(seed: study.seed)
        if let b = study.bootstrap { design.bootstrap = b }
        do { try design.validate() } catch { throw ValidationError("\(error)") }
        try StudyExecution.run(RepetitionStudy(design: design, calibrationThreads: study.calibrationThreads), arguments: study,
                               options: study.options(bootstrap: design.bootstrap, seed: design.seed))
    }
}
