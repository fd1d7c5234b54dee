import LawFitting
import ScalingLaws

/// Everything a report shows, as one Codable value: the runs, the fits, the approaches, the
/// budgets asked for, and where it all came from.
///
/// Anything that can fill this in can be reported: the analysis layer (`ReportBuilder` and
/// `StoreReport` in the Analysis target) does it from a measurements file or a run store. The
/// report fits nothing: it draws and tabulates this value (evaluating the fitted laws it holds
/// at the points it draws), so the same input always gives the same bytes.
public struct ReportInput: Sendable, Codable, Equatable {
    /// The page heading, e.g. `Scaling laws for chinchilla_240.csv`.
    public var title: String
    public var runs: [ReportRun]
    /// The fitted laws, the main one first: the frontier, residuals and back-test use it.
    /// A `FitReport` with `bootstrap` gives bands and intervals; with `holdout`, the back-test.
    public var fits: [FitReport]
    /// Every applicable law fitted and back-tested on the same data (`Comparison.run`).
    public var comparison: LawComparison?
    /// Chinchilla's approaches 2 (IsoFLOP parabolas and the frontier through their minima) and
    /// 1 (the envelope of the learning curves) on these runs; nil: no such curves or tables.
    public var approaches: ReportApproaches?
    /// Compute budgets (FLOPs) to plan for and to extrapolate the figures to.
    public var budgets: [Double]
    /// Forecasts made before a run was trained, with the loss it then reached (the demo's
    /// held-out run); nil or empty: no such section.
    public var forecasts: [ReportForecast]?
    /// Sections a caller composes (a study's findings), drawn after the forecasts; nil or
    /// empty: none.
    public var sections: [ReportSection]?
    public var provenance: Provenance

    public init(title: String, runs: [ReportRun], fits: [FitReport] = [], comparison: LawComparison? = nil,
                approaches: ReportApproaches? = nil, budgets: [Double] = [], forecasts: [ReportForecast]? = nil,
                sections: [ReportSection]? = nil, provenance: Provenance) {
        self.title = title
        self.runs = runs
        self.fits = fits
        self.comparison = comparison
        self.approaches = approaches
        self.budgets = budgets
        self.forecasts = forecasts
        self.sections = sections
        self.provenance = provenance
    }
}

/// Approaches 2 and 1 of Hoffmann et al. 2022 on a report's runs, as the analysis made them.
public struct ReportApproaches: Sendable, Codable, Equatable {
    /// IsoFLOP parabolas (budgets with 4 or more sizes) and, with 2 or more bracketed minima, the
    /// allocation and compute frontier through them; nil when no budget has a parabola.
    public var isoflop: IsoFLOPAnalysis?
    /// The envelope of the learning curves; nil without curves of 2 or more sizes.
    public var envelope: EnvelopeAnalysis?

    public init(isoflop: IsoFLOPAnalysis? = nil, envelope: EnvelopeAnalysis? = nil) {
        self.isoflop = isoflop
        self.envelope = envelope
    }
}

/// One forecast of a run's loss, made before it was trained: which law, at what compute, the
/// forecast and its intervals, and the loss measured afterwards (nil if not trained yet).
public struct ReportForecast: Sendable, Codable, Equatable {
    public var method: String
    public var compute: Double
    public var loss: Double
    /// The noise interval: the bootstrap percentile interval of the forecast.
    public var interval: [Double]?
    /// The form interval: the noise interval widened by the law's errors in rolling back-tests
    /// (`RollingBacktestResult.formInterval`); nil where none was measured.
    public var formInterval: [Double]?
    public var measured: Double?

    public init(method: String, compute: Double, loss: Double, interval: [Double]? = nil, formInterval: [Double]? = nil,
                measured: Double? = nil) {
        self.method = method
        self.compute = compute
        self.loss = loss
        self.interval = interval
        self.formInterval = formInterval
        self.measured = measured
    }

    /// `(loss − measured)/measured`, nil before the run is trained.
    public var relativeError: Double? { measured.map { (loss - $0) / $0 } }
}

/// One training run: its scale, its final loss, and (from the store) its learning curve.
public struct ReportRun: Sendable, Codable, Equatable {
    /// A name to show in tooltips, e.g. the store's run id; nil for rows of a file.
    public var name: String?
    /// N: parameters, in the convention of the fits.
    public var parameters: Double?
    /// D: training tokens.
    public var tokens: Double?
    /// C: training FLOPs.
    public var compute: Double?
    /// The IsoFLOP budget the run was planned for (the store's ladders); the IsoFLOP figure groups
    /// runs by it instead of by C, which whole optimizer steps round away from the budget.
    public var budget: Double?
    /// U: unique training tokens.
    public var uniqueTokens: Double?
    /// Final held-out loss (nats per token).
    public var loss: Double
    /// Validation loss along training, in order of tokens; warm-up points already dropped.
    public var learningCurve: [CurvePoint]?

    public init(name: String? = nil, parameters: Double? = nil, tokens: Double? = nil, compute: Double? = nil,
                uniqueTokens: Double? = nil, loss: Double, learningCurve: [CurvePoint]? = nil, budget: Double? = nil) {
        self.name = name
        self.parameters = parameters
        self.tokens = tokens
        self.compute = compute
        self.budget = budget
        self.uniqueTokens = uniqueTokens
        self.loss = loss
        self.learningCurve = learningCurve
    }

    /// A run from a measurement read from a file.
    public init(_ m: Observation, name: String? = nil) {
        self.init(name: name, parameters: m.parameters, tokens: m.tokens, compute: m.compute,
                  uniqueTokens: m.uniqueTokens, loss: m.loss)
    }

    /// The run as a law's input (missing quantities NaN).
    public var input: LawInput {
        LawInput(N: parameters ?? .nan, D: tokens ?? .nan, C: compute ?? .nan, U: uniqueTokens ?? .nan)
    }

    /// C when given, else 6·N·D, else nil.
    public var effectiveCompute: Double? {
        if let compute { return compute }
        if let N = parameters, let D = tokens { return 6 * N * D }
        return nil
    }

    /// One point of a learning curve: training tokens seen so far and the validation loss there.
    public typealias CurvePoint = LearningCurve.Point
}

/// Where a report came from: enough to reproduce it. The date and machine are inputs (not read
/// from the clock or the host here), so tests can pin them and the bytes are reproducible.
public struct Provenance: Sendable, Codable, Equatable {
    /// The file or store the runs were read from.
    public var source: String
    /// `MeasurementSet.contentHash` of the runs (FNV-1a 64 of the numbers).
    public var dataHash: String
    public var scalelabVersion: String
    /// Seed of the bootstrap resampling.
    public var seed: UInt64
    public var bootstrapSamples: Int
    /// How the bootstrap resampled the runs; nil in inputs written before it was recorded.
    public var resampling: BootstrapResampling?
    /// When the report was made, as the caller wants it written (ISO 8601 recommended).
    public var date: String
    /// The machine it was made on, e.g. `Linux x86_64, 2 cores`.
    public var machine: String
    /// The command line that made it, if any.
    public var command: String?

    public init(source: String, dataHash: String, scalelabVersion: String, seed: UInt64, bootstrapSamples: Int,
                resampling: BootstrapResampling = .default, date: String, machine: String, command: String? = nil) {
        self.source = source
        self.dataHash = dataHash
        self.scalelabVersion = scalelabVersion
        self.seed = seed
        self.bootstrapSamples = bootstrapSamples
        self.resampling = resampling
        self.date = date
        self.machine = machine
        self.command = command
    }
}
