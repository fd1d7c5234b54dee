import ArgumentParser
import Foundation
import Report

extension FigureKind: ExpressibleByArgument {}

/// `scalelab plot KIND FILE --out FIG.svg`: one figure of the report as a standalone SVG.
struct PlotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot",
        abstract: "Write one figure as a standalone SVG file.",
        discussion: "KIND: \(FigureKind.allCases.map(\.rawValue).joined(separator: ", ")).")

    @Argument(help: "The figure: \(FigureKind.allCases.map(\.rawValue).joined(separator: ", ")).")
    var kind: FigureKind

    @OptionGroup var source: ReportSourceOptions

    @Option(help: "The SVG file to write.")
    var out: String

    func run() throws {
        try OutputFile.check([("--out", out)], inputs: source.inputFiles)
        let input = try source.reportInput(command: "scalelab plot " + CommandLine.arguments.dropFirst(2).joined(separator: " "),
                                           progress: "plot")
        let chart: Chart
        do { chart = try Figures.chart(kind, ReportAnalysis(input)) } catch { throw CommandFailure(error.description) }
        try OutputFile.write(Data(ChartRenderer.svg(chart).utf8), to: out)
    }
}
