import Analysis
import ArgumentParser
import Foundation
import Lab
import LawFitting

/// `scalelab emergence FILE`: one task of a ladder, exact match predicted from the smooth metric
/// (p^length), set beside the measured exact match, with the curves' sharpness, break detection
/// and a back-test.
struct EmergenceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "emergence",
        abstract: "Exact match predicted from the per-character probability p (p^length), beside the measured one.",
        discussion: """
        FILE (CSV or JSON Lines) holds task metrics per run: columns for the run's compute (C, or N and D \
        for C = 6ND), optionally run, task and step, and either one row per metric (columns metric and \
        value) or one column per metric (exact_match, token_probability, answer_bits, …). The smooth law \
        -ln p = E + A*C^-alpha is fitted to token_probability (or answer_bits, as p = 2^(-bits/length)) \
        without reading exact match; exact match is predicted as p^length and then compared with the \
        measured one. Also printed: how sharply each curve rises (largest step between adjacent runs, \
        decades of compute from 10% to 90% of its range), break detection with a broken power law on \
        -ln p and on 1 - exact match, and a back-test that forecasts the largest runs from the smaller ones.
        With --store instead of FILE: the store's finished runs with task evaluations (`train --eval`, \
        `ladder plan --eval`, or a trainer's result file), each at its latest evaluated step, C its \
        training compute. --length defaults to the answer length of ScaleLab's own tasks (addition-K: K+1).
        """)

    @Argument(help: "A .csv or .jsonl file of task metrics per run (or use --store).")
    var file: String?

    @Option(help: "Read the task evaluations of this run store's finished runs instead of a file.")
    var store: String?

    @Option(help: "With --store: only this sweep's runs (default: all).")
    var sweep: Int64?

    @Option(help: "The task to analyse (default: the input's only task).")
    var task: String?

    @Option(help: "The answer length in characters: exact match is predicted as p^length (default for ScaleLab's tasks: theirs).")
    var length: Int?

    @Option(help: "The smooth metric: token_probability or answer_bits (default: the first the file has).")
    var metric: String?

    @Option(name: .customLong("n-column"), help: "Column of N (parameters).") var n: String?
    @Option(name: .customLong("d-column"), help: "Column of D (tokens).") var d: String?
    @Option(name: .customLong("c-column"), help: "Column of C (FLOPs).") var c: String?
    @Option(help: "Input format: csv or jsonl (default: from the file extension).") var format: String?

    @Option(parsing: .unconditional, help: "Bootstrap resamples for percentile intervals (0: none).")
    var bootstrap = AnalysisOptions.defaultBootstrap

    @Option(parsing: .unconditional, help: "Central mass of the bootstrap intervals.")
    var level = AnalysisOptions.defaultLevel

    @Option(help: "Seed of the bootstrap resampling.")
    var seed: UInt64 = 0

    @Option(help: BootstrapResampling.help)
    var resampling = BootstrapResampling.default

    @Option(name: .customLong("holdout-largest"), parsing: .unconditional,
            help: "Back-test: fit without the K largest-compute runs and forecast them.")
    var holdoutLargest = 1

    @Option(help: "Threads for the starts and refits (default: all cores).")
    var threads: Int?

    @Option(help: "Also write the JSON to this file.")
    var out: String?

    @Flag(help: "Print one JSON document instead of tables.")
    var json = false

    var options: AnalysisOptions {
        var o = AnalysisOptions()
        o.bootstrap = bootstrap
        o.level = level
        o.seed = seed
        o.resampling = resampling
        o.holdout = holdoutLargest
        if let threads { o.fit.threads = threads }
        return o
    }

    func validate() throws {
        guard (file == nil) != (store == nil) else { throw ValidationError("give a FILE of task metrics or --store DB (one of them)") }
        if sweep != nil, store == nil { throw ValidationError("--sweep needs --store") }
        if store != nil, n != nil || d != nil || c != nil || format != nil {
            throw ValidationError("--n-column, --d-column, --c-column and --format read a FILE; with --store, C is each run's training compute")
        }
        if let length, length < 1 { throw ValidationError("--length must be at least 1 character, got \(length)") }
        if let format, MeasurementFileFormat(rawValue: format.lowercased()) == nil {
            throw ValidationError("--format must be one of \(MeasurementFileFormat.allCases.map(\.rawValue).joined(separator: ", ")), got \(format)")
        }
        let smooth = EmergenceAnalysis.smoothMetrics
        if let metric, !smooth.contains(metric) {
            throw ValidationError("--metric must be \(smooth.joined(separator: " or ")), got \(metric)")
        }
        do { try options.check() } catch { throw ValidationError(error.description) }
    }

    func run() throws {
        try OutputFile.check([("--out", out)], inputs: [OutputFile.Input(file == nil ? "--store" : "FILE", file ?? store!)])
        let analysis: EmergenceAnalysis
        do {
            let (name, runs) = try readRuns()
            guard let length = length ?? EmergenceAnalysis.answerLength(task: name) else {
                throw CommandFailure("'\(name)' is not one of ScaleLab's tasks, so its answer length is unknown: give --length")
            }
            analysis = try EmergenceAnalysis.run(runs: runs, task: name, length: length, smoothMetric: metric, options: options)
        } catch let e as CommandFailure { throw e } catch { throw CommandFailure("\(error)") }
        if let out { try Output.writeJSON(analysis, to: out) }
        if json { return try Output.printJSON(analysis) }
        print(EmergenceText.render(analysis))
    }

    /// One task's runs, from the file or the store.
    private func readRuns() throws -> (task: String, runs: [TaskRunMetrics]) {
        if let store {
            let opened = try RunStore.open(path: store, create: false, readOnly: true)
            return try EmergenceAnalysis.runs(from: opened, sweep: sweep, task: task)
        }
        let reader = TaskMetricReader(metricNames: EmergenceAnalysis.metricColumns,
                                      mapping: ColumnMapping(parameters: n, tokens: d, compute: c),
                                      format: format.flatMap { MeasurementFileFormat(rawValue: $0.lowercased()) })
        let rows = try reader.read(path: file!)
        return try EmergenceAnalysis.runs(from: rows, task: task, source: file!)
    }
}
