import ArgumentParser
import Foundation
import LawFitting
import Report
import ScalingLaws

/// `scalelab report FILE`: one self-contained HTML page with the figures and tables.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a self-contained HTML report (inline SVG figures, no scripts) for measurements.",
        discussion: """
        Fits the main law (chinchilla when runs have N and D, else power-c) with a bootstrap and a back-test, \
        compares every applicable law, draws loss against compute, IsoFLOP curves, N_opt and D_opt against the \
        published laws, residuals and the back-test, and tabulates parameters, the plan and provenance.
        """)

    @OptionGroup var source: ReportSourceOptions

    @Option(help: "The HTML file to write.")
    var out = "report.html"

    @Option(help: "Also write the report's input (runs, fits, provenance) as JSON, for `scalelab plot --input`.")
    var saveInput: String?

    func run() throws {
        let input = try source.reportInput(command: "scalelab report " + CommandLine.arguments.dropFirst(2).joined(separator: " "))
        try Data(HTMLReport.render(input).utf8).write(to: URL(fileURLWithPath: out), options: .atomic)
        if let saveInput { try Output.writeJSON(input, to: saveInput) }
        let figures = Figures.all(ReportAnalysis(input)).charts.count
        FileHandle.standardError.write(Data("report: wrote \(out) (\(figures) figures, \(input.runs.count) runs)\n".utf8))
    }
}

/// Where a report's input comes from: a measurements file fitted now, or a saved `ReportInput`.
struct ReportSourceOptions: ParsableArguments {
    @Argument(help: "Measurements: a .csv or .jsonl file (omit with --input).")
    var file: String?

    @Option(help: "A saved report input (JSON from --save-input) instead of a measurements file.")
    var input: String?

    @Option(name: .customLong("budget"), parsing: .upToNextOption, help: "Compute budgets (FLOPs) to plan for and extrapolate to.")
    var budgets: [PositiveNumber] = []

    @Option(parsing: .unconditional, help: "Bootstrap resamples of the main fit (0: no bands or intervals).")
    var bootstrap = 100

    @Option(help: "Seed of the bootstrap resampling.")
    var seed: UInt64 = 0

    @Option(help: "The main law (default: chinchilla when runs have N and D, else power-c).")
    var law: String?

    @Option(name: .customLong("holdout-largest"), parsing: .unconditional, help: "Runs held out in the back-tests (default: a tenth).")
    var holdoutLargest: Int?

    @Flag(name: .customLong("no-compare"), help: "Skip fitting every applicable law for the comparison table.")
    var noCompare = false

    @Option(name: .customLong("grid"), help: "Start values of a fitting parameter of any law, e.g. --grid alpha=0.3,0.5.")
    var grid: [NamedValues] = []

    @Option(help: "Threads for the fits (default: all cores).")
    var threads: Int?

    @Option(help: "The date to record (default: now, ISO 8601 UTC).")
    var date: String?

    @Option(help: "The machine to record (default: OS, architecture and cores of this one).")
    var machine: String?

    @OptionGroup var columns: ColumnOptions

    func validate() throws {
        guard (file == nil) != (input == nil) else { throw ValidationError("give a measurements FILE or --input JSON, not both or neither") }
        guard bootstrap >= 0 else { throw ValidationError("--bootstrap must be 0 or more, got \(bootstrap)") }
        if let k = holdoutLargest, k < 1 { throw ValidationError("--holdout-largest must be at least 1, got \(k)") }
        if let t = threads, t < 1 { throw ValidationError("--threads must be at least 1, got \(t)") }
        if let law, LawForms.named(law) == nil {
            throw ValidationError("unknown law '\(law)'; known laws: \(LawForms.identifiers.joined(separator: ", "))")
        }
    }

    func reportInput(command: String) throws -> ReportInput {
        if let input {
            guard let data = FileManager.default.contents(atPath: input) else { throw CommandFailure("cannot read \(input)") }
            let decoder = JSONDecoder()
            decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            do { return try decoder.decode(ReportInput.self, from: data) } catch {
                throw CommandFailure("\(input) is not a report input written by --save-input: \(error)")
            }
        }
        let set = try columns.reader.read(path: file!)
        var options = ReportOptions(version: ScaleLabVersion.current, date: date ?? Self.now, machine: machine ?? Self.thisMachine)
        options.law = law
        options.budgets = budgets.map(\.value)
        options.bootstrapSamples = bootstrap
        options.seed = seed
        options.holdout = holdoutLargest
        options.compareLaws = !noCompare
        options.command = command
        for g in grid { options.grid[g.name] = g.values }
        if let threads { options.fitOptions.threads = threads }
        do { return try ReportBuilder.input(from: set, options: options) } catch { throw CommandFailure(error.description) }
    }

    static var now: String {
        let f = ISO8601DateFormatter()
        f.timeZone = TimeZone(identifier: "UTC")
        return f.string(from: Date())
    }

    static var thisMachine: String {
        var u = utsname()
        uname(&u)
        func text<T>(_ field: T) -> String {
            withUnsafeBytes(of: field) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        }
        return "\(text(u.sysname)) \(text(u.machine)), \(ProcessInfo.processInfo.activeProcessorCount) cores"
    }
}
