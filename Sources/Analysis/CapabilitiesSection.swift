import Foundation
import Lab
import LawFitting
import Report
import ScalingLaws
import Trainer

/// The report's capabilities section: for each task evaluated in a store, its scores against
/// compute (exact match beside the smooth metrics), the sigmoid of loss fitted to every evaluated
/// step (step 2 of the two-step forecast), and the two-step forecast of a model ten times the
/// largest run's compute, with its interval (docs/science.md, §Task metrics).
public enum CapabilitiesSection {
    /// The metrics drawn against compute, with their labels.
    static let drawn: [(metric: String, label: String)] = [
        (TaskMetric.exactMatch, "exact match"), (TaskMetric.tokenProbability, "per-character probability p"),
        (TaskMetric.answerProbability, "answer probability"), (TaskMetric.partialCredit, "partial credit"),
    ]
    /// The metrics forecast two-step.
    static let forecast: [(metric: String, label: String)] = [
        (TaskMetric.exactMatch, "exact match"), (TaskMetric.tokenProbability, "p"),
    ]
    /// The forecast target's compute, as a multiple of the largest run's.
    public static let targetFactor = 10.0

    /// The section for the done runs of `store` (of `sweeps` only, when given) with task
    /// evaluations; nil when none has any.
    ///
    /// A forecast that cannot be made (too few runs, a fit that fails) becomes a sentence in the
    /// section, never an error: the report is drawn either way. Step 1 is Chinchilla's L(N, D)
    /// when the runs' tokens per parameter span at least a decade (an IsoFLOP ladder), else
    /// L(C) = E + A·C^(−α) (one run per budget moves along one axis, where Chinchilla's five
    /// parameters are not identified).
    ///
    /// - Throws: `StoreError` from the store.
    public static func section(store: RunStore, sweeps: [Int64]? = nil, options: AnalysisOptions) throws -> ReportSection? {
        let evaluated = try sweeps.map { try $0.flatMap { try store.evaluatedRuns(sweep: $0) } } ?? store.evaluatedRuns()
        // The loss by context position is stored as evaluations too, but it is no task's score.
        let tasks = Set(evaluated.flatMap { $0.evaluations.map(\.task) }).subtracting([ContextPositions.task]).sorted()
        guard !tasks.isEmpty else { return nil }
        var section = ReportSection(id: "capabilities", title: "Capabilities", paragraphs: [
            "What the models can do on the generated tasks they were evaluated on, beside their loss. Each run's scores are "
                + "its last evaluation on held-out problems. Exact match (greedy decoding) is the metric said to emerge; the "
                + "per-character probability p of the right answer and the answer's probability are the smooth metrics it is "
                + "set against. The two-step forecast goes from compute to validation loss (step 1) and from loss to the score "
                + "(step 2: Acc = a/(1 + e^(−k(L − L0))) + b fitted to every evaluated step of every run), with bootstrap "
                + "intervals over both steps, for a model of \(Int(targetFactor))× the largest run's compute.",
        ])
        for task in tasks {
            try add(task: task, evaluated: evaluated, store: store, sweeps: sweeps, options: options, to: &section)
        }
        return section
    }

    /// One task's plots, table and notes.
    static func add(task: String, evaluated: [EvaluatedRun], store: RunStore, sweeps: [Int64]?, options: AnalysisOptions,
                    to section: inout ReportSection) throws {
        // Each run's scores at its last evaluated step of this task, by compute.
        let finals: [(compute: Double, scores: [String: Double])] = evaluated.compactMap { e in
            let own = e.evaluations.filter { $0.task == task }
            guard let C = e.run.flops, let step = own.map(\.step).max() else { return nil }
            let last = own.filter { $0.step == step }
            return (C, Dictionary(last.map { ($0.metric, $0.value) }, uniquingKeysWith: { a, _ in a }))
        }.sorted { $0.compute < $1.compute }
        let xs = finals.map(\.compute)
        let series = drawn.compactMap { m -> ReportPlot.Series? in
            let ys = finals.map { $0.scores[m.metric] ?? .nan }
            return ys.contains(where: \.isFinite) ? .init(label: m.label, xs: xs, ys: ys) : nil
        }
        section.plots.append(ReportPlot(title: "\(task): scores against compute",
                                        caption: "Each run's last evaluation on held-out problems of \(task).",
                                        xLabel: "training compute C (FLOPs)", yLabel: "score", yLogarithmic: false, series: series))

        var lossSeries: [ReportPlot.Series] = [], rows: [[String]] = [], notes: [String] = []
        for m in forecast {
            let ladder = try TaskLadder.read(from: store, sweeps: sweeps, task: task, metric: m.metric)
            let points = ladder.curves.flatMap { $0 }
            guard !points.isEmpty else { continue }
            lossSeries.append(.init(label: "\(m.label), each evaluated step", xs: points.map(\.loss), ys: points.map(\.metric),
                                    style: m.metric == TaskMetric.exactMatch ? .points : .hollowPoints))
            guard let largest = ladder.runs.max(by: { $0.compute < $1.compute }) else { continue }
            let scale = targetFactor.squareRoot()
            do {
                var f = try TwoStepForecast.forecast(ladder, parameters: largest.parameters * scale, tokens: largest.tokens * scale,
                                                     compute: largest.compute * targetFactor, options: forecastOptions(ladder, options))
                // Exact match and p are probabilities; a sigmoid's free offset and scale can leave [0, 1].
                let clip = { (v: Double) in min(1, max(0, v)) }
                f.chained = clip(f.chained)
                f.chainedInterval = f.chainedInterval?.map(clip)
                f.direct = f.direct.map(clip)
                f.directInterval = f.directInterval?.map(clip)
                let law = SigmoidOfLoss(), names = law.parameterNames
                if let lo = points.map(\.loss).min(), let hi = points.map(\.loss).max(), hi > lo,
                   names.allSatisfy({ f.stepTwoLaw[$0] != nil }) {
                    let p = names.map { f.stepTwoLaw[$0]! }, from = min(lo, f.loss)
                    let grid = (0...60).map { from + (hi - from) * Double($0) / 60 }
                    lossSeries.append(.init(label: "\(m.label), fitted sigmoid of loss", xs: grid, ys: grid.map { law.value(p, at: $0) },
                                            style: .line))
                }
                lossSeries.append(.init(label: "\(m.label), forecast at \(sci(f.compute)) FLOPs", xs: [f.loss], ys: [f.chained],
                                        style: .hollowPoints, errorBars: f.chainedInterval.map { [$0] }))
                rows.append([task, m.label, sci(f.compute), num(f.loss) + interval(f.lossInterval), num(f.chained) + interval(f.chainedInterval),
                             f.direct.map { num($0) + interval(f.directInterval) } ?? "–",
                             names.map { "\($0) = \(f.stepTwoLaw[$0].map(num) ?? "–")" }.joined(separator: ", "), "\(ladder.runs.count)"])
            } catch {
                notes.append("No two-step forecast of \(task)'s \(m.label): \(error)")
            }
        }
        if !lossSeries.isEmpty {
            section.plots.append(ReportPlot(title: "\(task): score against validation loss",
                                            caption: "Every evaluated step of every run (validation loss at that step), the sigmoid of "
                                                + "loss fitted to them, and the forecast with its \(Int((options.level * 100).rounded()))% interval.",
                                            xLabel: "validation loss (nats per byte)", yLabel: "score", xLogarithmic: false,
                                            yLogarithmic: false, series: lossSeries))
        }
        if !rows.isEmpty {
            section.tables.append(ReportTable(
                caption: "\(task): the two-step forecast of a model of \(Int(targetFactor))× the largest run's compute "
                    + "(N and D each ×\(String(format: "%.2f", targetFactor.squareRoot()))), with \(Int((options.level * 100).rounded()))% intervals",
                header: ["task", "score", "C (FLOPs)", "loss (step 1)", "two-step", "direct (of ln C)", "step 2: sigmoid of loss", "runs"],
                rows: rows, numericColumns: [2, 7]))
        }
        section.paragraphs += notes
    }

    /// The two-step options for `ladder`: the analysis's bootstrap, level and seed, and step 1's
    /// law by the ladder's shape.
    static func forecastOptions(_ ladder: TaskLadder, _ options: AnalysisOptions) -> TaskForecastOptions {
        var o = TaskForecastOptions()
        o.bootstrap = options.bootstrap
        o.level = options.level
        o.seed = options.seed
        let ratios = ladder.runs.map { log10($0.tokens / $0.parameters) }
        if let lo = ratios.min(), let hi = ratios.max(), hi - lo < 1 { o.stepOneLaw = SaturatingPowerLaw(variable: .compute) }
        return o
    }

    static func num(_ v: Double) -> String { ReportTable.cell(v) }
    static func sci(_ v: Double) -> String { ReportTable.cell(v, digits: 3) }
    static func interval(_ i: [Double]?) -> String { i.map { " [\(num($0[0])), \(num($0[1]))]" } ?? "" }
}
