import Analysis
import ArgumentParser
import Foundation
import Lab
import LawFitting
import ScalingLaws

/// `scalelab fit FILE`: fit one law (or all of them) to measurements, with honest uncertainty.
struct FitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit",
        abstract: "Fit a scaling law to measurements from a CSV or JSON Lines file.",
        discussion: """
        Laws: \(LawForms.identifiers.joined(separator: ", ")), or 'all' to compare every applicable law. With --store, also \
        critical-batch (Kaplan's B_crit(L) = B*/L^(1/alpha_B) on the gradient noise scales the runs measured with \
        --noise-scale-every) and kaplan-ns (that, then L(N, S_min) on the learning curves).
        Residuals are log L̂ − log L. Huber laws (chinchilla, chinchilla-tied, data-constrained, power-*) are \
        fitted by L-BFGS from a grid of starts in parallel; least-squares laws (kaplan-*, bnsl) by \
        Levenberg–Marquardt; --objective least-squares-loss fits L̂ − L by Levenberg–Marquardt. \
        Every fit has a bootstrap (--bootstrap) and a back-test on the largest-compute points \
        (--holdout-largest); with --store or --approaches, also Chinchilla's approaches 1 and 2 and the compute frontier. \
        Approach 2 groups runs into IsoFLOP budgets by C (--budget-tolerance) and finds each budget's minimum by \
        --vertex: a parabola over all sizes, a parabola over the --vertex-window sizes around the best run, or a \
        smoothing spline; the text says which budgets were used and how far a moves between the methods.
        """
    )

    @Argument(help: "Measurements: a .csv or .jsonl file with columns for N, D, C, U and loss.")
    var file: String?

    @Option(help: "Fit the finished runs of a run store instead of a file; also runs Chinchilla's approaches 1, 2 and 3 and saves the fits in the store.")
    var store: String?

    @Flag(help: "Also run Chinchilla's approaches 1, 2 and 3 on the file's rows, side by side (as --store does).")
    var approaches = false

    @Option(name: .customLong("budget-tolerance"), parsing: .unconditional,
            help: "Approach 2: runs whose C agree within this |ln C/C'| form one IsoFLOP budget (0.01: 1%).")
    var budgetTolerance = AnalysisOptions.defaultBudgetTolerance

    @Option(help: "Approach 2: how each budget's minimum is found: parabola (over every size), window (a parabola over the --vertex-window sizes around the best run) or spline (a smoothing spline).")
    var vertex = VertexMethod.default.description

    @Option(name: .customLong("vertex-window"), parsing: .unconditional,
            help: "Approach 2: sizes in the window of --vertex window.")
    var vertexWindow = VertexMethod.defaultWindow

    @OptionGroup var analysis: AnalysisArguments

    @OptionGroup var columns: ColumnOptions

    @OptionGroup var rows: RowOptions

    @Option(help: "Also write the JSON report to this file (input for `plan --fit` and `predict --fit`; with --group-by, every group's report, which those do not read).")
    var out: String?

    @Flag(help: "Print one JSON document instead of tables.")
    var json = false

    func validate() throws {
        guard (file == nil) != (store == nil) else {
            throw ValidationError("give either a measurements FILE or --store DB (not both, not neither)")
        }
        if fitsCriticalBatch { return try validateCriticalBatch() }
        if analysis.law?.lowercased() == "all", !rows.groupBy.isEmpty {
            throw ValidationError("--law all compares every law on one set of rows and --group-by fits one law per group; "
                                  + "choose the rows with --where, or name one law")
        }
        if approaches, !rows.groupBy.isEmpty {
            throw ValidationError("--approaches runs on one set of rows and --group-by fits one law per group; "
                                  + "choose one group with --where")
        }
        if approaches, analysis.law?.lowercased() == "all" {
            throw ValidationError("--approaches runs Chinchilla's approaches beside one law; --law all compares laws without them: drop one")
        }
        guard VertexMethod.named(vertex) != nil else {
            throw ValidationError("--vertex must be parabola, window or spline, got \(vertex)")
        }
        if store != nil, !rows.groupBy.isEmpty {
            for (name, given) in [("--budget-tolerance", budgetTolerance != AnalysisOptions.defaultBudgetTolerance),
                                  ("--vertex", vertex != VertexMethod.default.description),
                                  ("--vertex-window", vertexWindow != VertexMethod.defaultWindow)] where given {
                throw ValidationError("\(name) applies to Chinchilla's approach 2, which --group-by does not run (one law per group); "
                                      + "choose one sweep with --where sweep=NAME instead")
            }
        }
        if store == nil, !approaches {
            for (name, given) in [("--budget-tolerance", budgetTolerance != AnalysisOptions.defaultBudgetTolerance),
                                  ("--vertex", vertex != VertexMethod.default.description),
                                  ("--vertex-window", vertexWindow != VertexMethod.defaultWindow)] where given {
                throw ValidationError("\(name) applies to Chinchilla's approach 2: add --approaches (or fit a --store)")
            }
        }
        do { try options.check() } catch { throw ValidationError(error.description) }
    }

    /// The analysis options of the command line, with approach 2's.
    var options: AnalysisOptions {
        var o = analysis.options
        o.budgetTolerance = budgetTolerance
        o.vertexWindow = vertexWindow
        o.vertex = VertexMethod.named(vertex, window: vertexWindow) ?? .default
        return o
    }

    func run() throws {
        try OutputFile.check([("--out", out)], inputs: [OutputFile.Input("FILE", file), OutputFile.Input("--store", store)])
        let options = self.options
        let selection = try rows.selection
        if analysis.law?.lowercased() == "all" { return try compare(options, selection) }
        if fitsCriticalBatch, let store { return try runCriticalBatch(store) }
        if let store {
            if !selection.isEmpty { return try fitStoreRows(store, selection, options) }
            // Saving the approaches' fits needs a writable store; a read-only one (another user's,
            // a read-only mount) is still read and fitted, and says that nothing was saved.
            return try show(try StoreFit.run(try Self.openForFitting(store), options: options, version: ScaleLabVersion.current))
        }
        var reader = columns.reader
        reader.selection = selection
        if !selection.groupBy.isEmpty {
            let required = options.law.map { Set(LawForms.named($0, variable: options.variable)!.variables) } ?? []
            let sets = try reader.readGroups(path: file!, requiring: required)
            return try show(try GroupedFitReport.run(sets, file: file!, selection: selection, options: options,
                                                     version: ScaleLabVersion.current))
        }
        // With a named law the reader checks that every row has the law's variables; without one,
        // the data's own columns choose the law.
        let set = try options.law.map { name in
            try reader.read(path: file!, requiring: Set(LawForms.named(name, variable: options.variable)!.variables))
        } ?? reader.read(path: file!, requiring: [])
        if options.law == nil, !set.availableVariables.contains(.compute) {
            // Neither law chosen by default applies: let the reader say which column is missing.
            _ = try reader.read(path: file!, requiring: [.parameters, .tokens])
        }
        if approaches { return try show(try StoreFit.run(file: set, options: options, version: ScaleLabVersion.current)) }
        try show(try LawAnalysis.run(set, options: options, version: ScaleLabVersion.current).report)
    }

    /// Prints one fit (its warnings on stderr) and writes `--out`.
    private func show(_ report: FitReport) throws {
        Warnings.print(report.warnings ?? [])
        if let out { try Output.writeJSON(StoreFitOutput(report: report), to: out) }
        if json { return try Output.printJSON(StoreFitOutput(report: report)) }
        print(FitText.render(report))
    }

    /// Prints a store's fit with its approaches and back-tests (warnings on stderr) and writes `--out`.
    private func show(_ result: StoreFit) throws {
        Warnings.print(result.law.report.warnings ?? [])
        let output = StoreFitOutput(report: result.law.report, approaches: result.approaches, backtest: result.backtest)
        if let out { try Output.writeJSON(output, to: out) }
        if json { return try Output.printJSON(output) }
        print(FitText.render(result.law.report))
        print("\n" + ApproachesText.render(result.approaches))
        let lines = ForecastText.backtest(result.backtest, withWeight: true)
        if !lines.isEmpty { print(lines.joined(separator: "\n")) }
    }

    /// Prints the groups' fits side by side (warnings on stderr) and writes `--out`.
    private func show(_ grouped: GroupedFitReport) throws {
        Warnings.print(grouped.warnings)
        if let out { try Output.writeJSON(grouped, to: out) }
        if json { return try Output.printJSON(grouped) }
        print(GroupedFitText.render(grouped))
    }

    /// `fit --store DB --where … --group-by …`: the rows selected over the store's columns
    /// (`StoreAnalysis.selectionColumns`). One whole sweep selected gets the full store analysis
    /// of that sweep; other selections get the main law (per group with --group-by).
    private func fitStoreRows(_ path: String, _ selection: RowSelection, _ options: AnalysisOptions) throws {
        let store = try Self.openForFitting(path)
        let groups = try StoreAnalysis.select(store, selection)
        guard selection.groupBy.isEmpty else {
            return try show(try GroupedFitReport.run(groups.map(\.set), file: path, selection: selection, options: options,
                                                     version: ScaleLabVersion.current))
        }
        let (set, sweeps) = groups[0]
        if sweeps.count == 1, let id = sweeps[0].id, try store.measurements(sweep: id).count == set.count {
            return try show(try StoreFit.run(store, sweep: id, options: options, version: ScaleLabVersion.current))
        }
        FileHandle.standardError.write(Data(("note: the approaches and the ladder back-test need one whole sweep (or the whole store); "
            + "fitting the main law only to the \(set.count) selected runs\n").utf8))
        try show(try LawAnalysis.run(set, options: options, version: ScaleLabVersion.current).report)
    }

    /// The store read-write (the fits are saved in it) or, when the user cannot write it,
    /// read-only with a note that nothing is saved.
    static func openForFitting(_ path: String) throws -> RunStore {
        let readOnly = RunStore.notWritable(path) != nil && FileManager.default.fileExists(atPath: path)
        if readOnly {
            FileHandle.standardError.write(Data("note: \(path) is read-only; the fits are printed but not saved in it\n".utf8))
        }
        return try RunStore.open(path: path, create: false, readOnly: readOnly)
    }

    private func compare(_ options: AnalysisOptions, _ selection: RowSelection) throws {
        var reader = columns.reader
        reader.selection = selection
        let set = try store.map { path in
            let store = try RunStore.open(path: path, create: false, readOnly: true)
            return try selection.isEmpty ? StoreAnalysis.measurementSet(store, warn: true) : StoreAnalysis.select(store, selection)[0].set
        } ?? reader.read(path: file!, requiring: [])
        Warnings.print(set.warnings)
        let comparison = try LawAnalysis.compare(set, options: options)
        let report = ComparisonReport(file: set.source, points: set.count, hash: set.contentHash, holdout: comparison.holdout,
                                      laws: comparison.rows, dropped: comparison.dropped,
                                      warnings: set.warnings.isEmpty ? nil : set.warnings, scalelabVersion: ScaleLabVersion.current)
        if let out { try Output.writeJSON(report, to: out) }
        if json { try Output.printJSON(report); return }
        print("Laws fitted to \(set.source) (\(set.count) points), ranked by log RMSE on the \(comparison.holdout) largest-compute points held out:\n")
        print(Output.table(
            ["law", "k", "rmse_log", "holdout_rmse_log", "holdout_MARE", "AIC", "BIC", "status"],
            comparison.rows.map { r in
                [r.law, "\(r.parameterCount)", Output.number(r.rmseLog), r.holdoutRmseLog.map { Output.number($0) } ?? "-",
                 r.holdoutMeanAbsoluteRelativeError.map { Output.number($0 * 100, digits: 3) + "%" } ?? "-",
                 Output.number(r.aic, digits: 5), Output.number(r.bic, digits: 5), r.status]
            }))
        for d in comparison.dropped ?? [] { print("note: not fitted: \(d)") }
    }
}

/// The JSON of `fit --law all`.
struct ComparisonReport: Codable {
    var file: String
    var points: Int
    var hash: String
    var holdout: Int
    var laws: [ComparisonRow]
    /// The laws whose fit failed, each with why.
    var dropped: [String]?
    /// Signs that the rows are several sweeps (`DataWarnings`).
    var warnings: [String]?
    var scalelabVersion: String
}

/// `--n-column` etc.: name the columns when the common names don't find them.
struct ColumnOptions: ParsableArguments {
    @Option(name: .customLong("n-column"), help: "Column of N (parameters).") var n: String?
    @Option(name: .customLong("d-column"), help: "Column of D (tokens).") var d: String?
    @Option(name: .customLong("c-column"), help: "Column of C (FLOPs).") var c: String?
    @Option(name: .customLong("u-column"), help: "Column of U (unique tokens).") var u: String?
    @Option(name: .customLong("loss-column"), help: "Column of the loss.") var loss: String?
    @Option(help: "Input format: csv or jsonl (default: from the file extension).") var format: String?

    func validate() throws {
        if let format, MeasurementFileFormat(rawValue: format.lowercased()) == nil {
            throw ValidationError("--format must be one of \(MeasurementFileFormat.allCases.map(\.rawValue).joined(separator: ", ")), got \(format)")
        }
    }

    var reader: MeasurementReader {
        MeasurementReader(mapping: ColumnMapping(parameters: n, tokens: d, compute: c, uniqueTokens: u, loss: loss),
                          format: format.flatMap { MeasurementFileFormat(rawValue: $0.lowercased()) })
    }
}

/// `fit --json`: the fit report; with `--store`, also the three approaches under `approaches` and
/// the back-tests on the largest budget under `backtest`.
struct StoreFitOutput: Encodable {
    var report: FitReport
    var approaches: StoreAnalysisResult? = nil
    var backtest: LadderBacktest? = nil

    func encode(to encoder: Encoder) throws {
        try report.encode(to: encoder)
        var c = encoder.container(keyedBy: PlanOutput.Key.self)
        try c.encodeIfPresent(approaches, forKey: PlanOutput.Key("approaches"))
        try c.encodeIfPresent(backtest, forKey: PlanOutput.Key("backtest"))
    }
}

/// The three approaches' allocation exponents side by side with the published ones.
enum ApproachesText {
    static func render(_ r: StoreAnalysisResult) -> String {
        func row(_ name: String, _ a: Double?, _ interval: [Double]?, _ published: String) -> [String] {
            [name, a.map { Output.number($0) } ?? "-", Output.interval(interval), r.published[published].map { Output.number($0) } ?? "-"]
        }
        let a3 = r.approach3?.a
        let approach3Resampling = r.approach3Resampling.map { "; approach 3: \($0.label)" } ?? ""
        var lines = ["N_opt ∝ C^a on \(r.runs) finished runs (90% bootstrap intervals\(approach3Resampling)):",
                     Output.table(["approach", "a", "interval", "published (Hoffmann 2022)"], [
                        row("1 envelope", r.approach1?.a, r.approach1?.aInterval, "approach-1"),
                        row("2 IsoFLOP", r.approach2?.a, r.approach2?.aInterval, "approach-2"),
                        row("3 parametric", a3, r.approach3Intervals?["a"], "approach-3"),
                     ])]
        if let f = r.frontier {
            lines.append("Compute frontier through the IsoFLOP minima: L*(C) = (C_c/C)^alpha_C, alpha_C = \(Output.number(f.exponent))"
                         + (f.exponentInterval.map { " \(Output.interval($0))" } ?? "")
                         + ", C_c = \(Output.sci(f.criticalCompute)) FLOPs (Kaplan 2020: alpha_C = "
                         + "\(Output.number(PublishedLaws.kaplanC.parameters[1])))")
        }
        if !r.budgets.isEmpty {
            lines.append("IsoFLOP budgets (approach 2, minimum by \(r.vertex)):")
            lines += r.budgets.map { "  " + budget($0) }
        }
        if r.vertexSensitivity.count >= 2, let spread = r.vertexSpread {
            let order = r.vertexSensitivity.keys.sorted { rank($0) < rank($1) }
            var line = "a by vertex method: " + order.map { "\($0) \(Output.number(r.vertexSensitivity[$0]!))" }.joined(separator: ", ")
                + "; a moves by \(Output.number(spread, digits: 2)) across methods"
            if let i = r.approach2?.aInterval, i.count == 2, i[1] > i[0] {
                line += ", \(Output.number(spread / (i[1] - i[0]), digits: 2)) of the \(Output.number(r.level * 100, digits: 3))% interval width"
            }
            lines.append(line)
        }
        lines += r.notes.map { "note: " + $0 }
        return lines.joined(separator: "\n")
    }

    /// `parabola` before `window(k)` before `spline`.
    private static func rank(_ method: String) -> Int {
        method == "parabola" ? 0 : method == "spline" ? 2 : 1
    }

    /// One budget's line: `budget 1.0e18 FLOPs: 5 sizes, vertex N=3.1e7 outside 4.0e7–6.4e8: not used`.
    static func budget(_ b: IsoFLOPBudget) -> String {
        let sizes = "\(b.sizes) size\(b.sizes == 1 ? "" : "s")", range = "\(short(b.smallest))–\(short(b.largest))"
        let head = "budget \(short(b.compute)) FLOPs: \(sizes)"
        switch b.status {
        case .used: return head + ", minimum N=\(b.vertex.map(short) ?? "?") within \(range): used"
        case .tooFewSizes: return head + ", fewer than 4: not used"
        case .opensDownwards: return head + ", parabola opens downwards (no minimum): not used"
        case .vertexOutside: return head + ", vertex N=\(b.vertex.map(short) ?? "?") outside \(range): not used"
        case .minimumAtEdge: return head + ", spline minimum at the edge N=\(b.vertex.map(short) ?? "?") of \(range): not used"
        case .noFit: return head + ", no curve could be fitted through them: not used"
        }
    }

    /// `3.1e+07` as `3.1e7`.
    private static func short(_ x: Double) -> String {
        let s = String(format: "%.1e", x)
        guard let e = s.firstIndex(of: "e") else { return s }
        let exponent = Int(s[s.index(after: e)...]) ?? 0
        return s[..<e] + "e\(exponent)"
    }
}
