import ScalingLaws

/// The JSON document of `scalelab fit --json`; its keys (the property names, camelCase like every
/// `--json` document) are a contract for scripts and tests.
public struct FitReport: Codable, Sendable, Equatable {
    public struct Summary: Codable, Sendable, Equatable {
        public var objective: Double
        public var objectiveKind: String
        public var rmseLog: Double
        public var points: Int
        public var starts: Int
        public var convergedStarts: Int
        public var status: String
        public var message: String
        public var seconds: Double
        public var evaluations: Int
        /// Over the best starts: each parameter's [min, max] (how much the answer depends on the start).
        public var spread: [String: [Double]]
        public var bestStartObjectives: [Double]
    }

    public struct Budget: Codable, Sendable, Equatable {
        public var compute: Double
        public var values: [String: Double]
        /// Bootstrap percentile intervals (the noise interval) of each value.
        public var intervals: [String: [Double]]?
        /// The loss's noise interval widened by the rolling back-tests' form error at this budget
        /// (`RollingBacktestResult.formInterval`); nil without a bootstrap or a back-test step.
        public var lossFormInterval: [Double]?
    }

    public struct BootstrapSummary: Codable, Sendable, Equatable {
        public var samples: Int
        public var failed: Int
        public var level: Double
        public var seed: UInt64
        public var seconds: Double
        /// Every refit's parameters, in `parameterOrder`: what `plan --fit` turns into intervals.
        public var parameters: [[Double]]
        /// How the resamples were drawn; nil in fit files written before it was recorded, whose
        /// bootstraps resampled cases (the default until 2026-12-03).
        public var resampling: BootstrapResampling?

        /// The resampling used, reading a file without it as the case bootstrap it ran.
        public var resamplingUsed: BootstrapResampling { resampling ?? .cases }
    }

    public struct Holdout: Codable, Sendable, Equatable {
        public var k: Int
        public var rmseLog: Double
        public var meanAbsoluteRelativeError: Double
        public var parameters: [String: Double]
        public var predictions: [BacktestResult.Prediction]
    }

    public var law: String
    public var formula: String
    /// The variable of a law fitted in one variable of several choices (a broken power law's N, D
    /// or C), by symbol; nil for every other law and in fit files written before it was recorded
    /// (a broken power law then reads D, its default).
    public var variable: String?
    public var parameterOrder: [String]
    public var parameters: [String: Double]
    /// Parameters held fixed during the fit.
    public var fixed: [String: Double]?
    public var intervals: [String: [Double]]?
    public var derived: [String: Double]
    public var derivedIntervals: [String: [Double]]?
    /// For `chinchilla-tied`: the same law in compute and tokens per parameter (Gadre et al. 2024,
    /// `OvertrainingParameters`), with bootstrap intervals; nil for other laws.
    public var overtrainingForm: OvertrainingForm?
    public var budgets: [Budget]
    public var fit: Summary
    public var bootstrap: BootstrapSummary?
    public var holdout: Holdout?
    /// The rolling back-tests of the law over the data's budgets (`RollingBacktest`): what
    /// `scalelab predict` widens a forecast's bootstrap interval by (`formInterval`). Nil when the
    /// data have too few budgets for a step, too many to be a ladder, or the file predates it.
    public var rollingBacktest: RollingBacktestResult?
    public var data: DataSummary?
    public var scalelabVersion: String
    /// Signs that the data are several sweeps or were read from a doubtful column (`DataWarnings`,
    /// and for a run store the mixing of imported sweeps); nil when there are none.
    public var warnings: [String]?

    public struct DataSummary: Codable, Sendable, Equatable {
        public var file: String
        public var points: Int
        public var hash: String
        /// The smallest and largest value of each variable fitted, by symbol (`FitData.ranges`):
        /// what `scalelab predict` calls an extrapolation. Nil in fit files written before it was recorded.
        public var ranges: [String: [Double]]?
        /// The column each quantity was read from, by symbol, or how it was derived
        /// (`MeasurementSet.provenance`); nil for data that did not come from a file.
        public var columns: [String: String]?
        /// How the file's C compares with 6ND, when it gave all three.
        public var computeCheck: ComputeCheck?

        public init(file: String, points: Int, hash: String, ranges: [String: [Double]]? = nil,
                    columns: [String: String]? = nil, computeCheck: ComputeCheck? = nil) {
            self.file = file
            self.points = points
            self.hash = hash
            self.ranges = ranges
            self.columns = columns
            self.computeCheck = computeCheck
        }
    }

    /// `L(C, M) = E + (a·M^η + b·M^−η)·C^−η`: a tied Chinchilla law written as Gadre et al. 2024 do.
    public struct OvertrainingForm: Codable, Sendable, Equatable {
        /// The form as one line (`OvertrainingParameters.formula`).
        public var formula: String
        /// `E`, `a`, `b`, `eta`.
        public var parameters: [String: Double]
        /// Their percentile intervals over the bootstrap refits, when there are refits.
        public var intervals: [String: [Double]]?
    }
}

extension FitReport {
    /// Assemble the report of a fit, with optional bootstrap, budgets and back-test.
    public init(fit: LawFit, bootstrap: BootstrapResult? = nil, seed: UInt64 = 0, budgets: [Double] = [],
                holdout: BacktestResult? = nil, rollingBacktest: RollingBacktestResult? = nil, data: DataSummary? = nil,
                version: String) {
        let formula = fit.formula
        let names = formula.parameterNames
        let p = fit.parameters
        law = formula.identifier
        self.formula = formula.formula
        variable = formula.identifier.hasPrefix("bnsl") ? formula.variables.first?.symbol : nil
        parameterOrder = names
        parameters = Dictionary(uniqueKeysWithValues: zip(names, p))
        fixed = (formula as? FixedParameters)?.fixed
        derived = Derived.scalars(formula, p)
        overtrainingForm = Derived.overtraining(formula, p).map {
            OvertrainingForm(formula: OvertrainingParameters.formula, parameters: $0,
                             intervals: bootstrap?.intervals { Derived.overtraining(formula, $0) ?? [:] })
        }
        var spread: [String: [Double]] = [:]
        for (j, name) in names.enumerated() {
            let values = fit.bestStarts.map { $0.parameters[j] }
            spread[name] = [values.min() ?? .nan, values.max() ?? .nan]
        }
        self.fit = Summary(objective: fit.objective, objectiveKind: fit.objectiveKind.rawValue, rmseLog: fit.rmseLog,
                           points: fit.points, starts: fit.starts, convergedStarts: fit.convergedStarts,
                           status: fit.status.rawValue, message: fit.message, seconds: fit.seconds, evaluations: fit.evaluations,
                           spread: spread, bestStartObjectives: fit.bestStarts.map(\.objective))
        self.budgets = budgets.map { C in
            let intervals = bootstrap?.intervals { Derived.atBudget(formula, $0, compute: C) }
            return Budget(compute: C, values: Derived.atBudget(formula, p, compute: C), intervals: intervals,
                          lossFormInterval: intervals?["loss"].flatMap { rollingBacktest?.formInterval($0, compute: C) })
        }
        if let b = bootstrap {
            intervals = b.parameterIntervals
            derivedIntervals = b.intervals { Derived.scalars(formula, $0) }
            self.bootstrap = BootstrapSummary(samples: b.samples.count + b.failed, failed: b.failed, level: b.level,
                                              seed: seed, seconds: b.seconds, parameters: b.samples, resampling: b.resampling)
        }
        if let h = holdout {
            self.holdout = Holdout(k: h.predictions.count, rmseLog: h.rmseLog,
                                   meanAbsoluteRelativeError: h.meanAbsoluteRelativeError,
                                   parameters: Dictionary(uniqueKeysWithValues: zip(names, h.fit.parameters)),
                                   predictions: h.predictions)
        }
        self.rollingBacktest = rollingBacktest
        self.data = data
        scalelabVersion = version
    }
}

extension FitReport {
    /// The law this report names, with its recorded variable (`variable`): what every reader of a
    /// fit file rebuilds (nil for a law ScaleLab does not know).
    public var namedLaw: (any LawFormula)? {
        LawForms.named(law, variable: variable.flatMap(ScaleVariable.init(rawValue:)))
    }
}
