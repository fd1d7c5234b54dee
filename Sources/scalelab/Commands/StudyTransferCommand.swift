import Analysis
import ArgumentParser
import Foundation
import LawFitting
import Studies

/// `scalelab study transfer`.
struct StudyTransferCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transfer",
        abstract: "Transfer: pre-train on --data, fine-tune on --target-data, and fit the effective data transferred D_T = k·D_F^α·N^β.",
        discussion: """
        Pre-trains 3 transformer sizes (1e4 to 2e5 parameters) on 1M bytes of --data (the plays), fine-tunes each \
        on 4 budgets D_F of --target-data (Python source, `make corpus-code`) and trains the same shapes from \
        scratch on it; reads each fine-tuned model's effective data D_E off its size's from-scratch runs, and fits \
        Hernandez et al.'s D_T = D_E − D_F = k·D_F^α·N^β with bootstrap intervals, beside their text → Python \
        constants. The full study takes about 4 minutes on 2 cores; --quick about 10 seconds.
        """
    )

    @OptionGroup var study: StudyArguments
    @Option(name: .customLong("target-data"), help: "Text file or folder of the target domain, fine-tuned and trained from scratch on.")
    var targetData = "data/code.txt"

    func run() throws {
        var design = study.quick ? TransferStudy.Design.quick(seed: study.seed) : TransferStudy.Design.full(seed: study.seed)
        if let b = study.bootstrap { design.bootstrap = b }
        do { try design.validate() } catch { throw ValidationError("\(error)") }
        let store = StudyExecution.storePath(folder: StudyExecution.folder(study, study: "transfer"))
        // The runner's folder of run files, where the pre-trained models' checkpoints are kept.
        let checkpoints = URL(fileURLWithPath: LadderExecution.workDirectory(store: store)).path
        try StudyExecution.run(TransferStudy(design: design, checkpointFolder: checkpoints, calibrationThreads: study.calibrationThreads),
                               arguments: study, options: study.options(bootstrap: design.bootstrap, seed: design.seed),
                               corpora: [.init(name: TransferStudy.target, path: targetData, option: "--target-data",
                                               fetch: "make corpus-code")])
    }
}
