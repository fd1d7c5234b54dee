import Analysis
import ArgumentParser
import Foundation
import Lab
import LawFitting
import Report
import ScalingLaws

/// `scalelab report FILE` or `scalelab report --store DB`: one self-contained HTML page with the figures and tables.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a self-contained HTML report (inline SVG figures, no scripts) for measurements or a run store.",
        discussion: """
        With --store, the report shows the store's finished runs with their learning curves (warm-up \
        dropped) and their IsoFLOP budgets. Fits the main law (chinchilla when runs have N and D, else power-c) with a bootstrap and a back-test, \
        compares every applicable law, draws loss against compute, IsoFLOP curves, N_opt and D_opt against the \
        published laws, residuals and the back-test, and tabulates parameters, the plan and provenance.
        """)

    @OptionGroup var source: ReportSourceOptions

    @Option(help: "The HTML file to write.")
    var out = "report.html"

    @Option(help: "Also write the report's input (runs, fits, provenance) as JSON, for `scalelab plot --input`.")
    var saveInput: String?

    func run() throws {
        try OutputFile.check([("--out", out), ("--save-input", saveInput)], inputs: source.inputFiles)
        let input = try source.reportInput(command: "scalelab report " + CommandLine.arguments.dropFirst(2).joined(separator: " "),
                                           progress: "report")
        Progress.line("report", "drawing the figures and writing \(out)...")
        let analysis = ReportAnalysis(input)
        try OutputFile.write(Data(HTMLReport.render(input).utf8), to: out)
        if let saveInput { try OutputFile.write(Data((try Output.json(input) + "\n").utf8), to: saveInput) }
        let figures = Figures.all(analysis).charts.count
        let drawn = analysis.isSampled ? ", \(analysis.drawnIndices.count) drawn" : ""
        FileHandle.standardError.write(Data("report: wrote \(out) (\(figures) figures, \(input.runs.count) runs\(drawn))\n".utf8))
    }
}

/// Where a report's input comes from: a measurements file or a run store fitted now, or a saved `ReportInput`.
struct ReportSourceOptions: ParsableArguments {
    @Argument(help: "Measurements: a .csv or .jsonl file (omit with --input).")
    var file: String?

    @Option(help: "A saved report input (JSON from --save-input) instead of a measurements file.")
    var input: String?

    @Option(help: "A run store (SQLite) instead of a measurements file: its finished runs, with learning curves.")
    var store: String?

    @Option(name: .customLong("sweep"), help: "With --store: only this sweep's runs (repeatable; default: all).")
    var sweeps: [Int64] = []

    @Option(name: .customLong("held-out-sweep"),
            help: "With --store: hold this sweep's runs (the largest by compute) out of the back-test (repeatable).")
    var heldOutSweeps: [Int64] = []

    @OptionGroup var analysis: AnalysisArguments

    @Flag(name: .customLong("no-compare"), help: "Skip fitting every applicable law for the comparison table.")
    var noCompare = false

    @Option(help: "The date to record (default: now, ISO 8601 UTC).")
    var date: String?

    @Option(help: "The machine to record (default: OS, architecture and cores of this one).")
    var machine: String?

    @OptionGroup var columns: ColumnOptions

    @OptionGroup var rows: RowOptions

    func validate() throws {
        guard [file, input, store].compactMap({ $0 }).count == 1 else {
            throw ValidationError("give a measurements FILE or --input JSON or --store DB: exactly one of them")
        }
        if store == nil, !sweeps.isEmpty || !heldOutSweeps.isEmpty {
            throw ValidationError("--sweep and --held-out-sweep need --store")
        }
        if let k = analysis.holdoutLargest, !heldOutSweeps.isEmpty {
            throw ValidationError("--holdout-largest \(k) and --held-out-sweep both choose the held-out runs; give one")
        }
        if !rows.groupBy.isEmpty {
            throw ValidationError("a report draws one analysis; --group-by does not apply: make one report per group with "
                                  + "--where COL=VALUE, or compare the groups side by side with `scalelab fit FILE --group-by COL`")
        }
        if file == nil, !rows.conditions.isEmpty {
            throw ValidationError("--where selects rows of a measurements FILE; with --store choose sweeps with --sweep, "
                                  + "and a saved --input is drawn as it was saved")
        }
        if analysis.law?.lowercased() == "all" {
            throw ValidationError("a report fits one main law and compares every applicable law beside it; name one law, or leave --law out")
        }
    }

    /// The files this source reads, for `OutputFile.check`.
    var inputFiles: [OutputFile.Input] {
        [OutputFile.Input("FILE", file), OutputFile.Input("--input", input), OutputFile.Input("--store", store)]
    }

    /// The report's input; with `progress`, a line on stderr (`<progress>: fitting …`) before each long step.
    func reportInput(command: String, progress: String? = nil) throws -> ReportInput {
        if let input {
            guard let data = FileManager.default.contents(atPath: input) else { throw CommandFailure("cannot read \(input)") }
            do { return try Output.decodeJSON(ReportInput.self, from: data) } catch {
                throw CommandFailure("\(input) is not a report input written by --save-input: \(error)")
            }
        }
        var options = analysis.options
        options.compareLaws = !noCompare
        if let progress { options.progress = { Progress.line(progress, $0) } }
        let context = ReportContext(version: ScaleLabVersion.current, date: date ?? ReportContext.now,
                                    machine: machine ?? ReportContext.thisMachine, command: command)
        if let store {
            let opened = try RunStore.open(path: store, create: false, readOnly: true)
            let input = try StoreReport.input(store: opened, options: options, context: context,
                                              sweeps: sweeps.isEmpty ? nil : sweeps, heldOutSweeps: heldOutSweeps)
            // The store's warnings, found once by StoreReport for the page, go to stderr too.
            Warnings.print(input.fits.first?.warnings ?? [])
            return input
        }
        var reader = columns.reader
        reader.selection = try rows.selection
        let set = try reader.read(path: file!)
        Warnings.print(set.warnings)
        return try ReportBuilder.input(from: set, options: options, context: context)
    }
}
