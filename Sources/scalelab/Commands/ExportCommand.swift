import ArgumentParser
import Foundation
import Lab
import LawFitting

/// `scalelab export --store DB --format csv|jsonl [--out FILE]`: the finished runs, for other tools.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the store's finished runs as CSV or JSON Lines.",
        discussion: """
        Columns: \(RunExport.columns.joined(separator: ", ")). 'params' counts every parameter, \
        'loss' is the final validation loss in nats per token. The output reads back with \
        `scalelab fit` and `scalelab import`.
        """
    )

    @OptionGroup var storeOptions: StoreOptions

    @Option(help: "csv or jsonl.")
    var format = "csv"

    @Option(help: "Write to this file instead of stdout.")
    var out: String?

    func validate() throws {
        guard MeasurementFileFormat(rawValue: format.lowercased()) != nil else {
            throw ValidationError("--format must be csv or jsonl, got '\(format)'")
        }
    }

    func run() throws {
        try OutputFile.check([("--out", out)], inputs: [OutputFile.Input("--store", storeOptions.file)])
        let store = try storeOptions.openForReading()
        let text = try RunExport.text(store, format: MeasurementFileFormat(rawValue: format.lowercased())!)
        if let out {
            try OutputFile.write(Data(text.utf8), to: out)
        } else {
            print(text, terminator: "")
        }
    }
}
