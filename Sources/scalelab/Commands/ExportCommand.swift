import ArgumentParser
import Foundation
import Lab
import LawFitting

/// `scalelab export --store DB --format csv|jsonl|store [--evaluations] [--out FILE]`: the finished
/// runs, or (`--evaluations`) every task evaluation, for other tools; or (`store`) the whole
/// store, for `scalelab import` into another store (`StoreDump`).
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the store's finished runs as CSV or JSON Lines, or dump the whole store.",
        discussion: """
        csv and jsonl columns: \(RunExport.columns.joined(separator: ", ")). 'params' counts every \
        parameter, 'loss' is the final validation loss in nats per token. The output reads back \
        with `scalelab fit` and `scalelab import`.

        --evaluations writes the task evaluations instead, one row each, of every run that has \
        any: \(RunExport.evaluationColumns.joined(separator: ", ")). params, tokens, flops and loss \
        are the run's N, D, C and final loss; step_tokens and step_flops are the tokens and FLOPs \
        it had spent at the evaluation.

        --format store dumps the whole store (every sweep, run, curve point, fit and evaluation, every \
        column, values exact) as versioned JSON Lines; `scalelab import FILE --store NEW` restores \
        it into an empty store of either kind (SQLite or PostgreSQL) with the same ids.
        """
    )

    @OptionGroup var storeOptions: StoreOptions

    @Option(help: "csv, jsonl, or store (a dump of the whole store).")
    var format = "csv"

    @Flag(help: "Write the task evaluations (one row per run, step, task and metric) instead of the runs.")
    var evaluations = false

    @Option(help: "Write to this file instead of stdout.")
    var out: String?

    func validate() throws {
        guard format.lowercased() == "store" || MeasurementFileFormat(rawValue: format.lowercased()) != nil else {
            throw ValidationError("--format must be csv, jsonl or store, got '\(format)'")
        }
        if evaluations && format.lowercased() == "store" {
            throw ValidationError("--evaluations writes csv or jsonl; --format store already dumps every evaluation with the rest of the store")
        }
    }

    func run() throws {
        try OutputFile.check([("--out", out)], inputs: [OutputFile.Input("--store", storeOptions.file)])
        let store = try storeOptions.openForReading()
        let text: String
        if format.lowercased() == "store" {
            text = try StoreDump.text(store, version: ScaleLabVersion.current)
        } else if evaluations {
            text = try RunExport.evaluationsText(store, format: MeasurementFileFormat(rawValue: format.lowercased())!)
        } else {
            text = try RunExport.text(store, format: MeasurementFileFormat(rawValue: format.lowercased())!)
        }
        if let out {
            try OutputFile.write(Data(text.utf8), to: out)
        } else {
            print(text, terminator: "")
        }
    }
}
