import ScalingLaws

/// Which recipe fits the two steps.
public enum TaskFitSettings: String, Sendable, Codable, CaseIterable {
    /// ScaleLab's own: step 1 is the Chinchilla law fitted in log space by summed Huber from the
    /// 4,500-point grid (`LawFitter`), step 2 the sigmoid of loss from a grid of 36 starts.
    case `default`
    /// The OLMo ladder paper's (Bhagia et al. 2024, arXiv:2412.04403): step 1 in its bounded
    /// parametrization from its single p0 (`TaskLawFitter.fitBoundedChinchilla`), step 2 from
    /// p0 = (chance − 1, 0.9, 3, 1) with its bounds, and the chained forecast's step 2 refitted
    /// from a = −1, as its script does.
    case olmo
}

/// How to make a two-step task forecast.
public struct TaskForecastOptions: Sendable {
    /// The recipe of the two fits.
    public var settings = TaskFitSettings.default
    /// Bootstrap resamples of the ladder runs; 0 gives no intervals.
    public var bootstrap = 200
    /// The central mass of each interval (0.9: the 5th to 95th percentile).
    public var level = 0.9
    /// The bootstrap's seed.
    public var seed: UInt64 = 0
    /// The trailing moving average applied to each run's curve before step 2 (window in points).
    public var smoothingWindow = 5
    /// A point added to step 2's data: the OLMo ladder's (loss 0, accuracy 1). Nil adds none.
    public var anchor: TaskCurvePoint? = TaskCurvePoint(loss: 0, metric: 1)
    /// The task's chance level, for the OLMo recipe's p0; nil takes the paper's by task name
    /// (`TwoStepForecast.olmoChance(task:)`).
    public var chance: Double?
    /// Options of the default recipe's step-1 fit (its grid, threads).
    public var stepOneFit = FitOptions()
    /// Step 1's loss law under the default recipe: Chinchilla's L(N, D) by default. A ladder that
    /// moves along one axis only (one compute-optimal run per budget, N and D growing together)
    /// does not identify Chinchilla's five parameters; `SaturatingPowerLaw(variable: .compute)`,
    /// L(C) = E + A·C^−α, is the law for it. The OLMo recipe always uses its bounded Chinchilla fit.
    public var stepOneLaw: any LawFormula = ChinchillaLaw()
    /// Threads for the bootstrap.
    public var threads = defaultThreadCount

    /// The defaults above.
    public init() {}
}

/// A task metric forecast for one target run: step 1 (N, D → the task's loss), step 2 (loss →
/// metric), chained, and the direct fit of the metric against compute, with bootstrap intervals.
public struct TaskForecast: Sendable, Codable, Equatable {
    /// The task.
    public var task: String
    /// The recipe (`default` or `olmo`).
    public var settings: TaskFitSettings
    /// The target's N, D and C.
    public var parameters: Double
    /// The target's D.
    public var tokens: Double
    /// The target's C.
    public var compute: Double
    /// Step 1's law: E, A, B, alpha, beta.
    public var stepOneLaw: [String: Double]
    /// Step 2's sigmoid: a, L0, k, b.
    public var stepTwoLaw: [String: Double]
    /// The direct sigmoid of ln C: a, c0, k, b.
    public var directLaw: [String: Double]?
    /// Step 1's forecast of the target's loss, and its interval.
    public var loss: Double
    /// The interval of `loss`.
    public var lossInterval: [Double]?
    /// Step 2 alone: the metric at the target's measured loss (nil when it was not measured).
    public var metricAtActualLoss: Double?
    /// The chained forecast `Acc(L(N, D))`, and its interval (both steps refitted on each resample).
    public var chained: Double
    /// The interval of `chained`.
    public var chainedInterval: [Double]?
    /// The direct one-step forecast from compute, and its interval.
    public var direct: Double?
    /// The interval of `direct`.
    public var directInterval: [Double]?
    /// The target's measured loss and metric, when known.
    public var actualLoss: Double?
    /// The target's measured metric, when known.
    public var actualMetric: Double?
    /// The resamples whose refits all succeeded.
    public var bootstrapSamples: Int

    /// Whether the chained interval covers the measured metric (nil without both).
    public var chainedCovers: Bool? {
        guard let i = chainedInterval, let y = actualMetric else { return nil }
        return i[0] <= y && y <= i[1]
    }

    /// Whether the direct interval covers the measured metric (nil without both).
    public var directCovers: Bool? {
        guard let i = directInterval, let y = actualMetric else { return nil }
        return i[0] <= y && y <= i[1]
    }
}

/// The two-step forecast of a task metric (docs/science.md, §Task metrics): compute → loss →
/// metric, and the direct fit for comparison.
public enum TwoStepForecast {
    /// The OLMo ladder's chance level by task name: 0.5 for PIQA, 1/3 for Social IQa, 0.2 for
    /// CommonsenseQA, 0.25 otherwise (four-way multiple choice).
    public static func olmoChance(task: String) -> Double {
        let t = task.lowercased()
        if t.hasPrefix("piqa") { return 0.5 }
        if t.hasPrefix("socialiqa") { return 1.0 / 3 }
        if t.hasPrefix("csqa") { return 0.2 }
        return 0.25
    }

    /// Forecasts `ladder`'s metric for a run of `N` parameters on `D` tokens (C = 6·N·D unless
    /// given), scored against `actual` when it is known.
    ///
    /// - Parameters:
    ///   - ladder: the task's ladder runs and their curves.
    ///   - N: the target's parameters.
    ///   - D: the target's tokens.
    ///   - C: the target's FLOPs, or nil for 6·N·D.
    ///   - actual: the target's measurement, or nil.
    ///   - options: the recipe, the bootstrap and the smoothing.
    /// - Returns: the forecast with its intervals.
    /// - Throws: `FitError` when a fit cannot be attempted (too few runs, bad options).
    public static func forecast(_ ladder: TaskLadder, parameters N: Double, tokens D: Double, compute C: Double? = nil,
                                actual: TaskRun? = nil, options: TaskForecastOptions = TaskForecastOptions()) throws -> TaskForecast {
        guard N > 0, D > 0, N.isFinite, D.isFinite else {
            throw FitError.badOption("the target needs positive N and D, got N = \(N), D = \(D)")
        }
        guard options.bootstrap >= 0 else { throw FitError.badOption("--bootstrap must be 0 or more, got \(options.bootstrap)") }
        guard options.level > 0, options.level < 1 else {
            throw FitError.badOption("--level must be between 0 and 1 (e.g. 0.9), got \(options.level)")
        }
        let C = C ?? 6 * N * D
        let target = LawInput(N: N, D: D, C: C)
        let runs = ladder.runs
        let smoothed = ladder.smoothedCurves(window: options.smoothingWindow)
        let all = Array(runs.indices)
        let fitter = Fitter(options: options, task: ladder.task)

        let one = try fitter.stepOne(runs, all)
        let two = try fitter.stepTwo(smoothed, all, from: nil)
        let chainedTwo = try fitter.chainedStepTwo(smoothed, all, fitted: two)
        let direct = try? fitter.direct(runs, all, from: nil)
        let loss = one.law(target)
        var result = TaskForecast(
            task: ladder.task, settings: options.settings, parameters: N, tokens: D, compute: C,
            stepOneLaw: one.law.named, stepTwoLaw: two.named, directLaw: direct?.named,
            loss: loss, lossInterval: nil,
            metricAtActualLoss: actual.map { two.predict($0.loss) },
            chained: chainedTwo.predict(loss), chainedInterval: nil,
            direct: direct?.predict(_log(C)), directInterval: nil,
            actualLoss: actual?.loss, actualMetric: actual?.metric, bootstrapSamples: 0)
        guard options.bootstrap > 0 else { return result }

        let n = runs.count
        let draws: [[Double]?] = parallelMap(options.bootstrap, threads: options.threads) { b in
            var rng = SplitMix64(seed: options.seed, stream: UInt64(b))
            let sample = (0..<n).map { _ in Int.random(in: 0..<n, using: &rng) }
            guard let s1 = try? fitter.stepOne(runs, sample, near: one, rng: &rng),
                  let s2 = try? fitter.stepTwo(smoothed, sample, from: [two.parameters]) else { return nil }
            let L = s1.law(target)
            let d = direct.flatMap { try? fitter.direct(runs, sample, from: [$0.parameters]) }
            return [L, s2.predict(L), d?.predict(_log(C)) ?? .nan]
        }
        let good = draws.compactMap { $0 }
        result.bootstrapSamples = good.count
        result.lossInterval = BootstrapResult.percentileInterval(good.map { $0[0] }, level: options.level)
        result.chainedInterval = BootstrapResult.percentileInterval(good.map { $0[1] }, level: options.level)
        if direct != nil {
            result.directInterval = BootstrapResult.percentileInterval(good.map { $0[2] }, level: options.level)
        }
        return result
    }

    /// Forecasts every ladder's metric at its first target run (a file's targets in order), scored
    /// against that run's measurement. Ladders without a target are left out.
    ///
    /// - Parameters:
    ///   - ladders: the tasks' ladders.
    ///   - options: as for `forecast`.
    /// - Returns: one forecast per ladder with a target.
    /// - Throws: as `forecast`.
    public static func forecastTargets(_ ladders: [TaskLadder], options: TaskForecastOptions = TaskForecastOptions()) throws -> [TaskForecast] {
        try ladders.compactMap { l in
            try l.targets.first.map {
                try forecast(l, parameters: $0.parameters, tokens: $0.tokens, compute: $0.compute, actual: $0, options: options)
            }
        }
    }
}

/// The two steps' fits under one recipe, on a subset (with repetition) of a ladder's runs.
struct Fitter: Sendable {
    let options: TaskForecastOptions
    let task: String

    /// Step 1's fitted law, with the parameters it was fitted in (log space for the default
    /// recipe, the bounded parametrization for the OLMo one).
    struct StepOne: Sendable {
        let law: Law
        let theta: [Double]
    }

    private static let olmoStart: [Double] = [3, 6, 0.1, 0.2, 1]

    func stepOne(_ runs: [TaskRun], _ sample: [Int]) throws -> StepOne {
        let points = sample.map { runs[$0].observation }
        switch options.settings {
        case .default:
            let fit = try LawFitter.fit(options.stepOneLaw, to: FitData(points), options: options.stepOneFit)
            return StepOne(law: fit.law, theta: fit.theta)
        case .olmo:
            let fit = try TaskLawFitter.fitBoundedChinchilla(points, start: Self.olmoStart)
            return StepOne(law: fit.law, theta: fit.theta)
        }
    }

    /// A resample's step 1, refitted from the full-data optimum (plus four perturbed starts for
    /// the default recipe, plus the paper's p0 for the OLMo one); the best objective wins.
    func stepOne(_ runs: [TaskRun], _ sample: [Int], near full: StepOne, rng: inout SplitMix64) throws -> StepOne {
        let data = FitData(sample.map { runs[$0].observation })
        var best: OptimizerResult? = nil
        switch options.settings {
        case .default:
            let law = options.stepOneLaw
            var starts = [full.theta]
            for _ in 0..<4 { starts.append(full.theta.map { $0 + 0.1 * rng.nextGaussian() }) }
            for s in starts {
                let r = LawFitter.minimize(law, data, from: s, kind: .huber, options: options.stepOneFit)
                if r.value.isFinite, best == nil || r.value < best!.value { best = r }
            }
            guard let best else { throw FitError.noConvergedStart(law: law.identifier) }
            return StepOne(law: Law(law, parameters: zip(law.parameters, best.x).map { $0.natural($1) }), theta: best.x)
        case .olmo:
            for s in [full.theta, Self.olmoStart] {
                let r = TaskLawFitter.minimizeBoundedChinchilla(data, from: s, delta: 1e-3, optimizer: BoundedLBFGS())
                if r.value.isFinite, best == nil || r.value < best!.value { best = r }
            }
            guard let best else { throw FitError.noConvergedStart(law: "chinchilla") }
            return StepOne(law: TaskLawFitter.boundedChinchillaLaw(best.x), theta: best.x)
        }
    }

    /// Step 2's points: the smoothed curves of the sampled runs, pooled, and the anchor.
    func stepTwoPoints(_ smoothed: [[TaskCurvePoint]], _ sample: [Int]) -> (x: [Double], y: [Double]) {
        var points = sample.flatMap { smoothed[$0] }
        if let anchor = options.anchor { points.append(anchor) }
        return (points.map(\.loss), points.map(\.metric))
    }

    private var olmoLower: [Double] { [-1, 0, 0, 0] }
    private var olmoUpper: [Double] { [0, .infinity, .infinity, 1] }

    /// Step 2 on the sampled runs, from `starts` (nil: the recipe's own starts).
    func stepTwo(_ smoothed: [[TaskCurvePoint]], _ sample: [Int], from starts: [[Double]]?) throws -> TaskCurveFit {
        let (x, y) = stepTwoPoints(smoothed, sample)
        switch options.settings {
        case .default:
            return try TaskLawFitter.fit(SigmoidOfLoss(), x: x, y: y, starts: starts)
        case .olmo:
            let chance = options.chance ?? TwoStepForecast.olmoChance(task: task)
            let p0 = [chance - 1, 0.9, 3, 1]
            return try TaskLawFitter.fit(SigmoidOfLoss(), x: x, y: y, starts: (starts ?? []) + [p0],
                                         lower: olmoLower, upper: olmoUpper)
        }
    }

    /// The step 2 the chained forecast uses: the same fit, except under the OLMo recipe, whose
    /// script refits it from a = −1 (its `_min` argument receives `False`, so chance is 0).
    func chainedStepTwo(_ smoothed: [[TaskCurvePoint]], _ sample: [Int], fitted: TaskCurveFit) throws -> TaskCurveFit {
        guard options.settings == .olmo else { return fitted }
        let (x, y) = stepTwoPoints(smoothed, sample)
        return try TaskLawFitter.fit(SigmoidOfLoss(), x: x, y: y, starts: [[-1, 0.9, 3, 1]], lower: olmoLower, upper: olmoUpper)
    }

    /// The direct sigmoid of ln C on the sampled runs' final points.
    func direct(_ runs: [TaskRun], _ sample: [Int], from starts: [[Double]]?) throws -> TaskCurveFit {
        try TaskLawFitter.fit(SigmoidOfLogCompute(), x: sample.map { _log(runs[$0].compute) },
                              y: sample.map { runs[$0].metric }, starts: starts)
    }
}
