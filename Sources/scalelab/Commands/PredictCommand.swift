import Analysis
import ArgumentParser
import Foundation
import LawFitting
import ScalingLaws

/// `scalelab predict --fit FIT.json`: a fitted law's loss at given points, with bootstrap intervals,
/// scored against measured losses when the points have them.
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "A fitted law's loss at given (N, D, …) points, with bootstrap intervals.",
        discussion: """
        Points come from --params/--tokens/--compute/--unique-tokens (several values per option give \
        several points; an option given once applies to every point) or from --points FILE (CSV or JSON \
        Lines, read like `fit` reads measurements; a loss column is optional). Give the variables the \
        law reads (chinchilla: N and D; power-c: C). With a measured loss (--loss, or the file's loss \
        column) each point is scored: relative error and whether each interval covers it. The noise \
        interval is a bootstrap percentile interval: the noise of the fit, not the error of the law's \
        form. The form interval widens it by the law's errors in rolling back-tests over the fitted \
        budgets, in proportion to the distance beyond the largest (absent when the fit had too few \
        budgets for a back-test). Points outside the fitted data's range are flagged as extrapolation.
        """)

    @Option(help: "A fit report written by `scalelab fit --out FILE.json`.")
    var fit: String

    @Option(name: .customLong("params"), parsing: .upToNextOption, help: "N: model parameters, one value per point.")
    var parameters: [PositiveNumber] = []

    @Option(name: .customLong("tokens"), parsing: .upToNextOption, help: "D: training tokens, one value per point.")
    var tokens: [PositiveNumber] = []

    @Option(name: .customLong("compute"), parsing: .upToNextOption, help: "C: training FLOPs, one value per point.")
    var compute: [PositiveNumber] = []

    @Option(name: .customLong("unique-tokens"), parsing: .upToNextOption, help: "U: unique training tokens, one value per point.")
    var uniqueTokens: [PositiveNumber] = []

    @Option(name: .customLong("loss"), parsing: .upToNextOption, help: "Measured losses to score the law on, one per point.")
    var loss: [PositiveNumber] = []

    @Option(help: "Points from a .csv or .jsonl file with columns for N, D, C, U and, optionally, the loss.")
    var points: String?

    @OptionGroup var columns: ColumnOptions

    @Option(parsing: .unconditional, help: "Central mass of the intervals (default: the fit's level).")
    var level: Double?

    @Option(help: "Also write the JSON to this file.")
    var out: String?

    @Flag(help: "Print one JSON document instead of a table.")
    var json = false

    /// The point options by variable, with their option names.
    private var given: [(variable: ScaleVariable, option: String, values: [Double])] {
        [(.parameters, "--params", parameters.map(\.value)), (.tokens, "--tokens", tokens.map(\.value)),
         (.compute, "--compute", compute.map(\.value)), (.uniqueTokens, "--unique-tokens", uniqueTokens.map(\.value))]
            .filter { !$0.values.isEmpty }
    }

    func validate() throws {
        if let level, !(level > 0 && level < 1) { throw ValidationError("--level must be between 0 and 1 (e.g. 0.9), got \(level)") }
        let options = given.map { ($0.option, $0.values.count) } + (loss.isEmpty ? [] : [("--loss", loss.count)])
        if points != nil {
            guard options.isEmpty else {
                throw ValidationError("give the points either with --points FILE or with \(options.map(\.0).joined(separator: ", ")), not both")
            }
            return
        }
        guard !given.isEmpty else {
            throw ValidationError("give the points to predict: --params N --tokens D (the variables the law reads) or --points FILE")
        }
        let counts = Set(options.map(\.1)).subtracting([1])
        guard counts.count <= 1 else {
            throw ValidationError("the point options give different numbers of values ("
                + options.map { "\($0.0): \($0.1)" }.joined(separator: ", ")
                + "); give each the same number of values, or one value to use for every point")
        }
    }

    func run() throws {
        try OutputFile.check([("--out", out)], inputs: [OutputFile.Input("--fit", fit), OutputFile.Input("--points", points)])
        let report: FitReport
        do { report = try FitReport.read(path: fit) } catch { throw CommandFailure(error.description) }
        let variables = Set(report.namedLaw?.variables ?? [])
        let scalePoints = try points.map { try columns.reader.readPoints(path: $0, requiring: variables) } ?? optionPoints(reads: variables, law: report.law)
        let prediction: Prediction
        do { prediction = try Prediction.run(report: report, source: fit, points: scalePoints, level: level) } catch {
            throw CommandFailure("\(error)")
        }
        if let out { try Output.writeJSON(prediction, to: out) }
        if json { return try Output.printJSON(prediction) }
        print(PredictionText.render(prediction))
    }

    /// The points the options give: value k of each option, or its one value for every point.
    private func optionPoints(reads variables: Set<ScaleVariable>, law: String) throws -> [ScalePoint] {
        for g in given where !variables.contains(g.variable) {
            throw CommandFailure("law \(law) does not read \(g.variable.symbol) (it reads "
                + "\(variables.map(\.symbol).sorted().joined(separator: ", "))); leave out \(g.option)")
        }
        for v in variables.sorted(by: { $0.symbol < $1.symbol }) where !given.contains(where: { $0.variable == v }) {
            let option = ["N": "--params", "D": "--tokens", "C": "--compute", "U": "--unique-tokens"][v.symbol]!
            throw CommandFailure("law \(law) reads \(v.symbol); give it with \(option)")
        }
        let count = (given.map(\.values.count) + [loss.count]).max() ?? 0
        func at(_ values: [Double], _ k: Int) -> Double? { values.isEmpty ? nil : values.count == 1 ? values[0] : values[k] }
        return (0..<count).map { k in
            let value = { (v: ScaleVariable) in given.first { $0.variable == v }.flatMap { at($0.values, k) } }
            return ScalePoint(parameters: value(.parameters), tokens: value(.tokens), compute: value(.compute),
                              uniqueTokens: value(.uniqueTokens), loss: at(loss.map(\.value), k))
        }
    }
}

/// The text form of a prediction.
enum PredictionText {
    static func render(_ p: Prediction) -> String {
        var lines = ["Law: \(p.law)    \(p.formula)", "Fit: \(p.fitFile)" + (p.fittedData.map { " (fitted to \($0))" } ?? ""), ""]
        let names = ScaleVariable.allCases.map(\.symbol).filter { s in p.points.contains { $0.input[s] != nil } }
        let scored = p.points.contains { $0.loss != nil }
        let flagged = p.points.contains { !($0.extrapolated ?? []).isEmpty }
        let pct = p.level.map { "\(Int(($0 * 100).rounded()))% " } ?? ""
        let form = p.points.contains { $0.formInterval != nil }
        var header = ["#"] + names + ["predicted", pct + "noise interval"] + (form ? [pct + "form interval"] : [])
        if scored { header += ["loss", "error", "in noise"] + (form ? ["in form"] : []) }
        if flagged { header.append("extrapolated") }
        lines.append(Output.table(header, p.points.enumerated().map { k, q in
            var row = ["\(k + 1)"] + names.map { Output.number(q.input[$0] ?? .nan) }
            row += [Output.number(q.predicted, digits: 5), Output.interval(q.noiseInterval)]
            if form { row.append(q.formInterval.map { Output.interval($0) } ?? "-") }
            let yes = { (b: Bool?) in b.map { $0 ? "yes" : "no" } ?? "-" }
            if scored {
                row += [q.loss.map { Output.number($0, digits: 5) } ?? "-",
                        q.relativeError.map { Output.percent($0) } ?? "-", yes(q.covered)] + (form ? [yes(q.formCovered)] : [])
            }
            if flagged { row.append((q.extrapolated ?? []).isEmpty ? "no" : "yes") }
            return row
        }))
        for (k, q) in p.points.enumerated() where !(q.extrapolated ?? []).isEmpty {
            lines.append("#\(k + 1)\(q.line.map { " (line \($0))" } ?? ""): extrapolation: \(q.extrapolated!.joined(separator: "; "))")
        }
        if let s = p.summary {
            lines.append("")
            lines.append("Scored on \(s.scored) point\(s.scored == 1 ? "" : "s") with a loss: mean |relative error| "
                         + "\(Output.number(s.meanAbsoluteRelativeError * 100, digits: 3))%"
                         + (s.covered.map { ", noise interval covers \($0) of \(s.withInterval)" } ?? "")
                         + (s.formCovered.map { ", form interval \($0) of \(s.withFormInterval)" } ?? ""))
        }
        lines.append("")
        if p.level == nil {
            lines.append("No intervals.")
        } else {
            lines.append("Intervals: \(p.intervalKind) (\(p.refits) refits, \(p.resampling?.label ?? "case resampling")).")
            if let kind = p.formIntervalKind { lines.append("Form: \(kind).") }
        }
        lines += p.notes.map { "Note: \($0)" }
        return lines.joined(separator: "\n")
    }
}
