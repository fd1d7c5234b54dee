import ScalingLaws

/// Bootstrap uncertainty for any fitted law (Efron & Tibshirani 1993): resample the data
/// (`BootstrapResampling`: by default the fit's deleted residuals on the same points; the points
/// themselves, as Epoch AI's Chinchilla replication does, arXiv:2404.10102, on request), refit
/// each resample from the full-data optimum plus a few perturbed starts, and report percentile
/// intervals for every parameter and every derived quantity.
public struct BootstrapOptions: Sendable {
    public var samples: Int
    /// Central interval mass: 0.9 gives the 5th and 95th percentiles.
    public var level = 0.9
    public var seed: UInt64 = 0
    /// Starts per refit besides the full-data optimum, each θ + N(0, σ²) with σ = `perturbation`.
    public var perturbedStarts = 4
    public var perturbation = 0.1
    /// How each resample is drawn: `BootstrapResampling.default` (deleted residuals) unless set.
    public var resampling = BootstrapResampling.default

    public init(samples: Int, level: Double = 0.9, seed: UInt64 = 0) {
        self.samples = samples
        self.level = level
        self.seed = seed
    }
}

/// The refitted parameter vectors (natural scale), one per successful resample.
public struct BootstrapResult: Sendable {
    public let parameterNames: [String]
    public let samples: [[Double]]
    public let failed: Int
    public let level: Double
    /// How the resamples were drawn.
    public let resampling: BootstrapResampling
    public let seconds: Double

    /// Percentile intervals `[low, high]` of named statistics computed from each sample's parameters
    /// (non-finite values are left out).
    public func intervals(_ statistics: ([Double]) -> [String: Double]) -> [String: [Double]] {
        let perSample = samples.map(statistics)
        var out: [String: [Double]] = [:]
        for key in Set(perSample.flatMap(\.keys)) {
            out[key] = Self.percentileInterval(perSample.compactMap { $0[key] }, level: level)
        }
        return out
    }

    /// The central `level` percentile interval `[low, high]` of `values` (non-finite values left
    /// out); nil when none is finite.
    public static func percentileInterval(_ values: [Double], level: Double) -> [Double]? {
        let sorted = values.filter(\.isFinite).sorted()
        guard !sorted.isEmpty else { return nil }
        let tail = (1 - level) / 2
        return [quantile(sorted: sorted, tail), quantile(sorted: sorted, 1 - tail)]
    }

    /// Percentile intervals of every parameter, by name.
    public var parameterIntervals: [String: [Double]] {
        intervals { Dictionary(uniqueKeysWithValues: zip(parameterNames, $0)) }
    }
}

/// How a bootstrap draws its resamples (Davison & Hinkley 1997, *Bootstrap Methods and their
/// Application*, §6.2–6.3).
public enum BootstrapResampling: String, Sendable, Codable, CaseIterable {
    /// Case (pairs) resampling: n points drawn from the n with replacement. A resample of a small
    /// designed ladder often lacks most of one budget, and its intervals run wide.
    case cases
    /// Residual resampling for a fixed design: every point keeps its inputs, and its log loss is
    /// the fit's prediction plus a residual drawn with replacement from the points' deleted
    /// residuals, centred: `log L_i − log L̂_(−i)(x_i)`, with `L̂_(−i)` the law refitted without
    /// point i (from the full fit's optimum). A fitted residual is too small: a Huber fit with a
    /// small δ passes through about as many points as it has parameters, leaving their residuals
    /// near zero; a deleted residual is the error of a prediction, as the noise is (Davison &
    /// Hinkley 1997, §6.3, whose modified residuals approximate it for least squares). Beyond
    /// `Bootstrap.maxDeletedResidualPoints` points, where n refits would cost n fits and leaving
    /// one point out barely moves the law, the fitted residuals scaled by `sqrt(n/(n − p))` stand in.
    case residuals

    /// The resampling of every bootstrap unless one is asked for: deleted residuals. On 200
    /// simulated ladders like the demo's (4 budgets, 5 sizes each, two noise levels), their
    /// nominal 90% intervals held the truth in 92–94.5% of sets, the case bootstrap's in
    /// 94.5–98% (docs/forecasting.md, §Calibration). The price is n leave-one-out refits before
    /// the resamples (none beyond `Bootstrap.maxDeletedResidualPoints` points), each from the full
    /// fit's optimum; benchmarks/README.md measures it.
    public static let `default` = BootstrapResampling.residuals

    /// `residual resampling`, `case resampling`: the words every interval header uses.
    public var label: String {
        switch self {
        case .cases: "case resampling"
        case .residuals: "residual resampling"
        }
    }
}

public enum Bootstrap {
    /// Refits `fit.formula` on `options.samples` resamples of `data`. Deterministic given the seed,
    /// whatever the thread count: sample b draws from its own generator stream b.
    public static func run(_ fit: LawFit, data: FitData, options: BootstrapOptions,
                           fitOptions: FitOptions = FitOptions()) throws -> BootstrapResult {
        guard options.samples > 0 else { throw FitError.badOption("--bootstrap needs at least 1 sample, got \(options.samples)") }
        guard options.level > 0, options.level < 1 else {
            throw FitError.badOption("--level must be between 0 and 1 (e.g. 0.9), got \(options.level)")
        }
        let clock = ContinuousClock.now
        let formula = fit.formula
        let kind = fit.objectiveKind
        let inner = fitOptions
        let n = data.count
        let (fitted, residuals) = options.resampling == .residuals ? deletedResiduals(fit, data: data, options: fitOptions) : ([], [])
        let refits: [OptimizerResult?] = parallelMap(options.samples, threads: fitOptions.threads) { b in
            var rng = SplitMix64(seed: options.seed, stream: UInt64(b))
            let resample: FitData
            switch options.resampling {
            case .cases:
                resample = data.subset((0..<n).map { _ in Int.random(in: 0..<n, using: &rng) })
            case .residuals:
                resample = data.withLogLoss((0..<n).map { i in fitted[i] + residuals[Int.random(in: 0..<n, using: &rng)] })
            }
            var starts = [fit.theta]
            for _ in 0..<options.perturbedStarts {
                starts.append(fit.theta.map { $0 + options.perturbation * rng.nextGaussian() })
            }
            var best: OptimizerResult? = nil
            for start in starts {
                let r = LawFitter.minimize(formula, resample, from: start, kind: kind, options: inner)
                if r.value.isFinite, best == nil || r.value < best!.value { best = r }
            }
            return best
        }
        let specs = formula.parameters
        let good = refits.compactMap { $0 }.map { r in zip(specs, r.x).map { $0.natural($1) } }
            .filter { $0.allSatisfy(\.isFinite) }
        return BootstrapResult(parameterNames: formula.parameterNames, samples: good,
                               failed: options.samples - good.count, level: options.level,
                               resampling: options.resampling, seconds: secondsSince(clock))
    }

    /// The most points whose deleted residuals are computed one refit each (1,000: beyond it the
    /// average leverage p/n of a five-parameter law is under 0.5%, so a deleted residual differs
    /// from the fitted one by about that much).
    public static let maxDeletedResidualPoints = 1_000

    /// The fit's log predictions at every point, and each point's deleted log residual (the law
    /// refitted without the point, from the full fit's optimum), centred; beyond
    /// `maxDeletedResidualPoints` points, the fitted residuals scaled by `sqrt(n/(n − p))`, centred.
    static func deletedResiduals(_ fit: LawFit, data: FitData, options: FitOptions) -> (fitted: [Double], residuals: [Double]) {
        let formula = fit.formula, p = fit.parameters, n = data.count
        let fitted = data.inputs.map { _log(formula.value(p, at: $0)) }
        guard n <= maxDeletedResidualPoints else {
            let raw = zip(data.logLoss, fitted).map { $0 - $1 }
            let mean = raw.reduce(0, +) / Double(n), scale = (Double(n) / Double(max(n - p.count, 1))).squareRoot()
            return (fitted, raw.map { ($0 - mean) * scale })
        }
        let deleted: [Double] = parallelMap(n, threads: options.threads) { i in
            let others = data.subset((0..<n).filter { $0 != i })
            let r = LawFitter.minimize(formula, others, from: fit.theta, kind: fit.objectiveKind, options: options)
            guard r.value.isFinite else { return data.logLoss[i] - fitted[i] }
            let q = zip(formula.parameters, r.x).map { $0.natural($1) }
            return data.logLoss[i] - _log(formula.value(q, at: data.inputs[i]))
        }
        let mean = deleted.reduce(0, +) / Double(max(n, 1))
        return (fitted, deleted.map { $0 - mean })
    }
}
