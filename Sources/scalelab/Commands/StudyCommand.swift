import Analysis
import ArgumentParser
import Foundation
import Lab
import LawFitting
import Report
import Studies

/// `scalelab study`: the studies, each a ladder design + an analysis + a report section.
struct StudyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "study",
        abstract: "Run a study: its ladders, forecasts recorded before training, analysis and report section.",
        discussion: """
        Each study writes its store (scalelab.sqlite), summary.json and report.html to --dir. Running it \
        again with the same --dir resumes it where it stopped; --fresh starts it over.
        """,
        subcommands: [StudyEmergenceCommand.self, StudyRepetitionCommand.self, StudyArchitectureCommand.self, StudyTransferCommand.self,
                      StudyHyperparametersCommand.self]
    )
}

/// The options every study shares.
struct StudyArguments: ParsableArguments {
    @Flag(help: "The study's small version (under a minute on 2 cores for emergence), for smoke tests.") var quick = false
    @Option(help: "Text file or folder to train on.") var data = "data/shakespeare.txt"
    @Option(help: "Folder for the study's store, summary and report (default: study-NAME).") var dir: String?
    @Option(help: "Worker processes (threads per worker = cores / workers).") var workers = 2
    @Flag(help: "Delete the study's store in --dir and start over (otherwise an earlier run is resumed).") var fresh = false
    @Option(help: "Seed of every run and of the bootstrap (a different seed replicates the study).") var seed: UInt64 = 0
    @Option(help: "Bootstrap resamples behind every interval (default: the study's own).") var bootstrap: Int?
    @Flag(help: "Print the summary as one JSON document on stdout.") var json = false

    func validate() throws {
        guard workers >= 1 else { throw ValidationError("--workers must be at least 1, got \(workers)") }
        if let b = bootstrap, b < 0 { throw ValidationError("--bootstrap must be 0 or more, got \(b)") }
    }

    /// The analysis options of a study whose design resamples `bootstrap` times from `seed`.
    func options(bootstrap: Int, seed: UInt64) -> AnalysisOptions {
        var options = AnalysisOptions()
        options.bootstrap = bootstrap
        options.seed = seed
        return options
    }

    /// Threads each worker's calibration uses: the cores shared among `--workers`.
    var calibrationThreads: Int { max(1, defaultThreadCount / workers) }
}

/// `scalelab study emergence`.
struct StudyEmergenceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "emergence",
        abstract: "Emergence: a ladder with a task mixed in, a held-out model's score forecast before it trains, then scored.",
        discussion: """
        Trains one compute-optimal model per budget with --task lines as --share of its training bytes, \
        each evaluated on held-out problems along its learning curve; forecasts a larger held-out model's \
        per-character probability p and exact match (two-step: compute → loss → metric; and the smooth law \
        −ln p = E + A·C^−α), and whether it leaves the plateau the task's scores sit on (the two-mode forecast: \
        Firth's logistic regression of leaving on ln C, p in each mode), stores the forecast, trains the model \
        and scores the forecast. With --seeds K every rung and the held-out model train K times, seeds --seed \
        to --seed+K−1. The full study takes about 15 minutes on 2 cores per seed; --quick under a minute.
        """
    )

    @OptionGroup var study: StudyArguments
    @Option(help: "The task mixed in and evaluated (addition-K, reversal-K, copy-K).") var task = "addition-2"
    @Option(help: "The share of training bytes that are task lines.") var share = 0.2
    @Option(help: "Sequences per optimizer step of every run (default: the trainer's rule, which grows with the model).")
    var batch: Int?
    @Option(help: ArgumentHelp("Runs per rung and of the held-out model (1 to 8), with seeds --seed … --seed+K−1; K times the runs and the time.",
                               valueName: "K"))
    var seeds = 1

    func run() throws {
        var design = study.quick ? EmergenceStudy.Design.quick(seed: study.seed) : EmergenceStudy.Design.full(seed: study.seed)
        design.task = task
        design.share = share
        if let b = study.bootstrap { design.bootstrap = b }
        if let batch { design.batch = batch }
        design.seeds = seeds
        do { try design.validate() } catch { throw ValidationError("\(error)") }
        try StudyExecution.run(EmergenceStudy(design: design, calibrationThreads: study.calibrationThreads), arguments: study,
                               options: study.options(bootstrap: design.bootstrap, seed: design.seed))
    }
}
