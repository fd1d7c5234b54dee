import ArgumentParser
import Lab
import Trainer

/// `scalelab worker` (hidden): what `ladder run` starts for each run. Trains the `TrainingConfig`
/// in the file the runner wrote (`run-<id>.config.json`, the store's value for the run) exactly,
/// resuming from `--checkpoint` when it exists, writes the record to `--out` and a summary to its log.
struct WorkerSubcommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: WorkerCommand.subcommand,
        abstract: "Train one run of a ladder from the config file the runner wrote (used by `ladder run`).",
        shouldDisplay: false
    )

    @Option(help: "The run's TrainingConfig as JSON (written by the runner).") var config: String
    @Option(help: "Text file or folder of text files.") var data: String
    @Option(help: "Where to write the run record (JSON).") var out: String
    @Option(help: "Checkpoint file; resumed from when it exists.") var checkpoint: String
    @Option(name: .customLong("progress-file"), help: "Keep the latest progress as JSON in this file.") var progressFile: String?

    func run() throws {
        let c: TrainingConfig
        do {
            c = try WorkerCommand.readConfig(at: config)
            try c.validate()
        } catch let e as WorkerCommand.ConfigFileError {
            throw CommandFailure(e.description)
        } catch let e as TrainerError {
            throw CommandFailure("\(config): \(e.description)")
        }
        // The record goes to --out; stdout and stderr (the run's log) get the plain-text header and summary.
        try TrainExecution.run(c, data: data, out: out, checkpoint: checkpoint, resume: true, progressFile: progressFile, json: false)
    }
}
