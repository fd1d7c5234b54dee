import ArgumentParser
import Foundation
import LawFitting
import ScalingLaws

/// `scalelab task-forecast FILE`: each task's metric at a target (N, D) by the two-step forecast
/// (N, D → the task's loss → the metric), with bootstrap intervals, beside the direct fit.
struct TaskForecastCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "task-forecast",
        abstract: "Forecast task metrics at a target (N, D): compute → task loss → metric, with intervals.",
        discussion: """
        FILE (CSV) has one row per ladder run and task: the run's N (--params-column), D \
        (--tokens-column), optionally its FLOPs (`flops`; else 6·N·D) and role (`role`: `target` rows \
        are not fitted, and score the forecast when they match the target), the task's name, its loss \
        or bits per byte and its metric. Step 1 fits the Chinchilla law L(N, D) to each task's \
        loss; step 2 the sigmoid Acc = a/(1 + exp(−k(L − L0))) + b to its (loss, metric) points, with \
        the point (0, 1) added; chained, the forecast is Acc(L(N, D)). With --curves FILE (run, task, \
        loss, metric per checkpoint) step 2 fits each run's curve after a trailing moving average of \
        5 points instead of its final point. The direct fit is a sigmoid of ln C. --settings olmo fits \
        as the OLMo ladder paper does (single starts, its bounds); default uses grid starts. Intervals: \
        the ladder runs resampled, both steps refitted on each resample.
        """)

    @Argument(help: "The task file (.csv).")
    var file: String

    @Option(name: .customLong("target-params"), help: "N of the target model.")
    var targetParams: PositiveNumber

    @Option(name: .customLong("target-tokens"), help: "D of the target model.")
    var targetTokens: PositiveNumber

    @Option(help: "Per-checkpoint curves (.csv: run, task, loss, metric) for step 2.")
    var curves: String?

    @Option(name: .customLong("task-column"), help: "The task's column.")
    var taskColumn = "task"

    @Option(name: .customLong("loss-column"), help: "The task loss's (or bits per byte's) column.")
    var lossColumn = "bpb"

    @Option(name: .customLong("metric-column"), help: "The task metric's column.")
    var metricColumn = "accuracy"

    @Option(name: .customLong("params-column"), help: "N's column.")
    var paramsColumn = "params"

    @Option(name: .customLong("tokens-column"), help: "D's column.")
    var tokensColumn = "tokens"

    @Option(help: "The fitting recipe: default (grid starts) or olmo (the OLMo ladder paper's).")
    var settings: TaskFitSettings = .default

    @Option(help: "Bootstrap resamples of the ladder runs (0: no intervals).")
    var bootstrap = 200

    @Option(parsing: .unconditional, help: "Central mass of the intervals.")
    var level = 0.9

    @Option(help: "Seed of the bootstrap.")
    var seed: UInt64 = 0

    @Flag(help: "Print one JSON document instead of a table.")
    var json = false

    func validate() throws {
        guard level > 0, level < 1 else { throw ValidationError("--level must be between 0 and 1 (e.g. 0.9), got \(level)") }
        guard bootstrap >= 0 else { throw ValidationError("--bootstrap must be 0 or more, got \(bootstrap)") }
    }

    func run() throws {
        var columns = TaskColumns()
        columns.task = taskColumn
        columns.loss = lossColumn
        columns.metric = metricColumn
        columns.parameters = paramsColumn
        columns.tokens = tokensColumn
        var options = TaskForecastOptions()
        options.settings = settings
        options.bootstrap = bootstrap
        options.level = level
        options.seed = seed
        let (N, D) = (targetParams.value, targetTokens.value)
        let forecasts: [TaskForecast]
        do {
            let ladders = try TaskLadderReader.read(file, curves: curves, columns: columns)
            forecasts = try ladders.map { ladder in
                // A target row at the same N and D scores the forecast.
                let actual = ladder.targets.first {
                    abs($0.parameters / N - 1) < 1e-9 && abs($0.tokens / D - 1) < 1e-9
                }
                return try TwoStepForecast.forecast(ladder, parameters: N, tokens: D, compute: actual?.compute,
                                                    actual: actual, options: options)
            }
        } catch { throw CommandFailure("\(error)") }
        if json { return try Output.printJSON(forecasts) }
        print(TaskForecastText.render(forecasts, level: level))
    }
}

extension TaskFitSettings: ExpressibleByArgument {}

/// The text form of task forecasts: one row per task.
enum TaskForecastText {
    static func render(_ forecasts: [TaskForecast], level: Double) -> String {
        guard let first = forecasts.first else { return "No tasks." }
        let pct = Int((level * 100).rounded())
        var lines = [String(format: "Target: N = %.4g, D = %.4g, C = %.4g; settings %@; %d%% intervals from %d bootstrap resamples",
                            first.parameters, first.tokens, first.compute, first.settings.rawValue, pct, first.bootstrapSamples), ""]
        func interval(_ i: [Double]?) -> String { i.map { String(format: "[%.4f, %.4f]", $0[0], $0[1]) } ?? "" }
        func number(_ v: Double?) -> String { v.map { String(format: "%.4f", $0) } ?? "—" }
        let header = ["task", "step-1 loss", "interval", "step-2 at actual loss", "chained", "interval", "direct", "interval", "actual", "covered"]
        var rows = [header]
        for f in forecasts {
            rows.append([f.task, number(f.loss), interval(f.lossInterval), number(f.metricAtActualLoss), number(f.chained),
                         interval(f.chainedInterval), number(f.direct), interval(f.directInterval), number(f.actualMetric),
                         f.chainedCovers.map { $0 ? "yes" : "no" } ?? "—"])
        }
        let widths = header.indices.map { c in rows.map { $0[c].count }.max() ?? 0 }
        for row in rows {
            lines.append(row.indices.map { c in
                c == 0 ? row[c].padding(toLength: widths[c], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[c] - row[c].count) + row[c]
            }.joined(separator: "  "))
        }
        return lines.joined(separator: "\n")
    }
}
