import Foundation
import Lab
import LawFitting
import ScalingLaws
import Trainer

/// The three Chinchilla approaches on a store's finished runs (Hoffmann et al. 2022, arXiv:2203.15556, §3).
public struct StoreAnalysisResult: Sendable, Codable, Equatable {
    public var runs: Int
    /// `MeasurementSet.contentHash` of the measurements approach 3 used.
    public var dataHash: String
    /// Approach 1: the envelope of the learning curves.
    public var approach1: AllocationFit?
    /// Approach 2: IsoFLOP parabolas, then power laws through their vertices.
    public var approach2: AllocationFit?
    public var parabolas: [IsoFLOPParabola]
    /// How approach 2 found each budget's minimum (`VertexMethod.description`: `parabola`,
    /// `window(5)`, `spline`).
    public var vertex: String = VertexMethod.default.description
    /// Every IsoFLOP budget, used in approach 2's power law or not, and why not.
    public var budgets: [IsoFLOPBudget] = []
    /// Approach 2's a under each vertex method, by `VertexMethod.description` (a method whose
    /// power law could not be fitted is absent): how much the choice moves the exponent.
    public var vertexSensitivity: [String: Double] = [:]
    /// Approach 2's compute frontier `L*(C) = (C_c/C)^α_C` through the parabolas' minima (Kaplan's
    /// L(C_min) form): a second forecast with no irreducible term, beside approach 3's.
    public var frontier: FrontierFit?
    /// Approach 3: `L = E + A/N^α + B/D^β` fitted to final losses; a = β/(α+β), b = α/(α+β).
    public var approach3: ChinchillaParameters?
    public var approach3Intervals: [String: [Double]]?
    /// Approach 3's bootstrap refits (parameter vectors in `ChinchillaLaw` order), kept in memory
    /// for intervals of derived numbers (`approach3LossInterval`); not encoded.
    public var approach3Bootstrap: [[Double]]? = nil
    /// How approach 3's bootstrap resampled the runs (nil without a bootstrap).
    public var approach3Resampling: BootstrapResampling? = nil
    /// Approach 3's rolling back-tests over the budgets (`LawAnalysis.rollingBacktest`): the
    /// model-form error that widens its forecasts' intervals (`approach3FormInterval`). Nil
    /// without approach 3, or for runs of more than `RollingBacktest.maxBudgets` budgets.
    public var approach3Rolling: RollingBacktestResult? = nil
    /// The published N_opt exponents a by approach (Hoffmann et al. 2022, Table 2) and Epoch AI's re-fit.
    public var published: [String: Double]
    /// Why an approach was skipped.
    public var notes: [String]
    /// Central mass of every interval of this analysis (not encoded: the intervals carry it).
    public var level = AnalysisOptions.defaultLevel

    enum CodingKeys: String, CodingKey {
        case runs, dataHash, approach1, approach2, parabolas, vertex, budgets, vertexSensitivity, frontier, approach3,
             approach3Intervals, approach3Resampling, approach3Rolling, published, notes
    }

    /// How far approach 2's a moves across the vertex methods (largest minus smallest); nil with
    /// fewer than two methods fitted.
    public var vertexSpread: Double? {
        let a = vertexSensitivity.values
        return a.count >= 2 ? a.max()! - a.min()! : nil
    }

    /// The percentile interval (`level`, default the analysis's own, e.g. 90%) of approach 3's
    /// predicted loss at (N, D) over the analysis's bootstrap refits: a forecast's honest
    /// uncertainty. Nil without resamples.
    public func approach3LossInterval(parameters: Double, tokens: Double, level: Double? = nil) -> [Double]? {
        guard let samples = approach3Bootstrap, !samples.isEmpty else { return nil }
        return BootstrapResult.percentileInterval(samples.map { ChinchillaParameters($0).loss(parameters: parameters, tokens: tokens) },
                                                  level: level ?? self.level)
    }
}

extension StoreAnalysisResult {
    /// Approach 3's noise interval at (N, D) (`approach3LossInterval`) widened by the form error of
    /// its rolling back-tests at budget `compute` (`RollingBacktestResult.formInterval`); nil
    /// without a bootstrap or without a back-test step (`approach3Rolling?.missingFormReason`).
    public func approach3FormInterval(parameters: Double, tokens: Double, compute: Double, level: Double? = nil) -> [Double]? {
        approach3LossInterval(parameters: parameters, tokens: tokens, level: level)
            .flatMap { approach3Rolling?.formInterval($0, compute: compute) }
    }
}

/// Analysis from the store: approach 3 on finished runs, approach 2 from IsoFLOP sweeps,
/// approach 1 from learning curves; returns a Codable result and can save the fits.
public enum StoreAnalysis {
    /// Runs all three approaches on the done runs of `store` (optionally one sweep), with
    /// `options.bootstrap` resamples for percentile intervals at `options.level`, seeded by
    /// `options.seed`, and `options.fit` for every fit. `approach3` is the main-law analysis the
    /// caller already made of these runs' measurements with the same options (`fit --store`): when
    /// its law is plain Chinchilla its fit (and its bootstrap, when it has the resamples asked
    /// for) is approach 3, so the multi-start fit runs once.
    public static func analyze(_ store: RunStore, sweep: Int64? = nil, options: AnalysisOptions = AnalysisOptions(),
                               approach3 given: LawAnalysis? = nil) throws -> StoreAnalysisResult {
        let runs = try store.runs(sweep: sweep).filter { $0.status == .done && $0.finalValidationLoss != nil }
        // Approach 2: runs grouped by their planned budget (the FLOPs trained differ from it by the
        // shape rule's rounding), or by their FLOPs within the tolerance for imported runs, which
        // have no budget; D_opt from the runs' tokens.
        let isoflop = runs.compactMap { r -> IsoFLOPRun? in
            guard let C = r.budget ?? r.flops, let loss = r.finalValidationLoss else { return nil }
            return IsoFLOPRun(parameters: r.parameters, tokens: r.tokens, compute: C, loss: loss)
        }
        // Approach 1: learning curves at the FLOPs actually spent, warm-up dropped.
        let stored = try store.curves()
        let curves = runs.compactMap { r -> LearningCurve? in
            guard let id = r.id, let config = r.trainingConfig, let points = stored[id] else { return nil }
            return LearningCurve(parameters: r.parameters, flopsPerToken: config.shape.trainingFLOPsPerToken,
                                 warmupTokens: Double(config.hyperparameters.warmupTokens),
                                 points: points.map { LearningCurve.Point(tokens: $0.tokens, loss: $0.validationLoss) })
        }
        return try analyze(runs: runs.count, isoFLOP: isoflop, curves: curves, measurements: try store.measurements(sweep: sweep),
                           options: options, approach3: given)
    }

    /// The three approaches on the rows of a measurements file (`fit FILE --approaches`), by the
    /// same code as a store's: approach 3 on the rows with N and D; approach 2 on the rows with N
    /// and C (from the file, or 6·N·D), grouped into budgets by C within `options.budgetTolerance`;
    /// approach 1 on the rows grouped by N, each size's rows read as its curve of loss against
    /// tokens (with final losses only, a coarse envelope: each size contributes one point per run
    /// rather than a learning curve). `approach3` as for a store.
    public static func analyze(_ set: MeasurementSet, options: AnalysisOptions = AnalysisOptions(),
                               approach3 given: LawAnalysis? = nil) throws -> StoreAnalysisResult {
        let rows = set.measurements.filter { $0.loss > 0 && $0.loss.isFinite }
        let isoflop = rows.compactMap { m -> IsoFLOPRun? in
            guard let N = m.parameters, let C = m.compute ?? m.tokens.map({ 6 * N * $0 }) else { return nil }
            return IsoFLOPRun(parameters: N, tokens: m.tokens ?? C / (6 * N), compute: C, loss: m.loss)
        }
        var bySize: [Double: [(tokens: Double, loss: Double, flopsPerToken: Double)]] = [:]
        for m in rows {
            guard let N = m.parameters, N > 0, let D = m.tokens ?? m.compute.map({ $0 / (6 * N) }), D > 0 else { continue }
            bySize[N, default: []].append((D, m.loss, m.compute.map { $0 / D } ?? 6 * N))
        }
        let curves = bySize.keys.sorted().map { N -> LearningCurve in
            let points = bySize[N]!
            // One FLOPs-per-token for the size: the geometric mean over its rows (6·N without C).
            let fpt = Double.exp(points.map { Double.log($0.flopsPerToken) }.reduce(0, +) / Double(points.count))
            return LearningCurve(parameters: N, flopsPerToken: fpt, points: points.map { LearningCurve.Point(tokens: $0.tokens, loss: $0.loss) })
        }
        return try analyze(runs: set.count, isoFLOP: isoflop, curves: curves,
                           measurements: set.measurements.filter { $0.parameters != nil && $0.tokens != nil },
                           options: options, approach3: given)
    }

    /// The one code path of both: approach 2 on `isoFLOP` (by `options.vertex`, with the a of every
    /// vertex method beside it), approach 1 on `curves`, approach 3 on `measurements` (or the fit
    /// `given`), each with `options.bootstrap` resamples.
    static func analyze(runs: Int, isoFLOP runs2: [IsoFLOPRun], curves: [LearningCurve], measurements: [Observation],
                        options: AnalysisOptions, approach3 given: LawAnalysis?) throws -> StoreAnalysisResult {
        let bootstrap = options.bootstrap, seed = options.seed, level = options.level
        let fitOptions = options.fitOptions(for: ChinchillaLaw())
        let approach3Fit = given.flatMap { ($0.fit.formula as? ChinchillaLaw)?.tiedExponents == false ? $0.fit : nil }
        let approach3Bootstrap = approach3Fit == nil ? nil : given?.bootstrap
        var notes: [String] = []
        let isoflop = Approaches.isoFLOP(runs2, tolerance: options.budgetTolerance, vertex: options.vertex,
                                         bootstrap: bootstrap, level: level, seed: seed)
        var sensitivity: [String: Double] = [:]
        var window = options.vertexWindow
        if case let .window(k) = options.vertex { window = k }
        for method in [VertexMethod.parabola, .window(window), .spline] {
            let a = method == options.vertex ? isoflop.exponent
                : Approaches.isoFLOP(runs2, tolerance: options.budgetTolerance, vertex: method).exponent
            if let a { sensitivity[method.description] = a }
        }
        if isoflop.allocation == nil {
            let vertices = isoflop.parabolas.filter(\.bracketed).count
            notes.append("approach 2 needs IsoFLOP budgets with at least 4 sizes each and a minimum inside the sizes "
                         + "at 2 or more budgets; found \(vertices)")
        }
        let approach1 = Approaches.envelope(curves, bootstrap: bootstrap, level: level, seed: seed)?.allocation
        if approach1 == nil { notes.append("approach 1 needs learning curves of at least 2 model sizes on the envelope") }
        var approach3: ChinchillaParameters? = nil, intervals: [String: [Double]]? = nil, samples: [[Double]]? = nil
        var resampling: BootstrapResampling? = nil, rolling: RollingBacktestResult? = nil
        if measurements.count > 5 {
            let data = FitData(measurements)
            let reusable = approach3Fit.flatMap { f in f.points == data.count ? f : nil }
            let fit = try reusable ?? LawFitter.fit(ChinchillaLaw(), to: data, options: fitOptions)
            approach3 = ChinchillaParameters(fit.parameters)
            if bootstrap > 0 {
                let handed = approach3Bootstrap.flatMap { b in
                    reusable != nil && b.samples.count + b.failed == bootstrap && b.level == level
                        && b.resampling == options.resampling ? b : nil
                }
                let boot = try handed ?? Bootstrap.run(fit, data: data, options: options.bootstrapOptions, fitOptions: fitOptions)
                resampling = boot.resampling
                intervals = boot.parameterIntervals.merging(boot.intervals { p in
                    let c = ChinchillaParameters(p)
                    return ["a": c.a, "b": c.b]
                }) { x, _ in x }
                samples = boot.samples
            }
            let handedRolling = reusable == nil ? nil : given?.report.rollingBacktest
            rolling = try handedRolling ?? LawAnalysis.rollingBacktest(ChinchillaLaw(), data: data, options: options)
        } else {
            notes.append("approach 3 needs more than 5 finished runs with N and D (5 parameters); found \(measurements.count)")
        }
        return StoreAnalysisResult(runs: runs, dataHash: MeasurementSet.contentHash(of: measurements),
                                   approach1: approach1, approach2: isoflop.allocation, parabolas: isoflop.parabolas,
                                   vertex: options.vertex.description, budgets: isoflop.budgets,
                                   vertexSensitivity: sensitivity, frontier: isoflop.frontier,
                                   approach3: approach3, approach3Intervals: intervals, approach3Bootstrap: samples,
                                   approach3Resampling: resampling, approach3Rolling: rolling,
                                   published: PublishedLaws.hoffmann2022ApproachExponents
                                       .merging(["epoch2024": PublishedLaws.epoch2024.a]) { x, _ in x },
                                   notes: notes, level: level)
    }

    /// Saves each approach's fit in the store (law, method, data hash, parameters, intervals).
    public static func save(_ r: StoreAnalysisResult, to store: RunStore, version: String) throws(StoreError) {
        let points = r.runs
        for (method, fit) in [("approach-1", r.approach1), ("approach-2", r.approach2)] {
            guard let f = fit else { continue }
            var intervals: [String: [Double]] = [:]
            if let a = f.aInterval { intervals["a"] = a }
            if let b = f.bInterval { intervals["b"] = b }
            var parameters = ["a": f.a, "k_N": f.nCoefficient]
            parameters["b"] = f.b
            parameters["k_D"] = f.dCoefficient
            try store.save(StoredFit(law: "allocation", method: method, dataHash: r.dataHash, points: points,
                                     parameters: parameters,
                                     intervals: intervals.isEmpty ? nil : intervals, scalelabVersion: version))
        }
        if let f = r.frontier {
            try store.save(StoredFit(law: "frontier", method: "approach-2", dataHash: r.dataHash, points: points,
                                     parameters: ["alpha_C": f.exponent, "C_c": f.criticalCompute],
                                     intervals: f.exponentInterval.map { ["alpha_C": $0] }, scalelabVersion: version))
        }
        if let c = r.approach3 {
            try store.save(StoredFit(law: "chinchilla", method: "approach-3", dataHash: r.dataHash, points: points,
                                     parameters: ["E": c.E, "A": c.A, "B": c.B, "alpha": c.alpha, "beta": c.beta, "a": c.a, "b": c.b],
                                     intervals: r.approach3Intervals, scalelabVersion: version))
        }
    }
}

/// `scalelab fit --store`: the main law on a store's finished runs, the three approaches (approach
/// 3 is the main fit itself when that is plain Chinchilla), and both forecasting laws back-tested
/// on the largest budget.
public struct StoreFit: Sendable {
    public var law: LawAnalysis
    public var approaches: StoreAnalysisResult
    public var backtest: LadderBacktest?

    /// Analyses the done runs of `store` (of `sweep`, when given) and saves the approaches' fits in
    /// it, unless the store was opened read-only (`RunStore.isReadOnly`): then it only reads.
    public static func run(_ store: RunStore, sweep: Int64? = nil, options: AnalysisOptions, version: String) throws -> StoreFit {
        let set = try StoreAnalysis.measurementSet(store, sweep: sweep, warn: true)
        let law = try LawAnalysis.run(set, options: options, version: version)
        let approaches = try StoreAnalysis.analyze(store, sweep: sweep, options: options, approach3: law)
        if !store.isReadOnly { try StoreAnalysis.save(approaches, to: store, version: version) }
        let backtest = try LadderBacktest.run(store: store, sweep: sweep, analysis: approaches, options: options)
        return StoreFit(law: law, approaches: approaches, backtest: backtest)
    }

    /// `scalelab fit FILE --approaches`: the main law on the file's rows and the three approaches
    /// on the same rows (`StoreAnalysis.analyze(_:options:approach3:)`); no ladder back-test, which
    /// needs a store's planned budgets.
    public static func run(file set: MeasurementSet, options: AnalysisOptions, version: String) throws -> StoreFit {
        let law = try LawAnalysis.run(set, options: options, version: version)
        options.report("Chinchilla's approaches 1 and 2 on \(LawAnalysis.points(set.count))...")
        let approaches = try StoreAnalysis.analyze(set, options: options, approach3: law)
        return StoreFit(law: law, approaches: approaches, backtest: nil)
    }
}

extension StoreAnalysis {
    /// The finished runs of `store` (of `sweep`, when given) as measurements named by the store's
    /// path; with `warn`, carrying the warnings of `warnings(for:sweeps:)`.
    public static func measurementSet(_ store: RunStore, sweep: Int64? = nil, warn: Bool = false) throws -> MeasurementSet {
        let runs = try store.measurements(sweep: sweep)
        guard !runs.isEmpty else { throw AnalysisError.noRuns(source: store.path) }
        var set = MeasurementSet(measurements: runs, source: store.path, format: .csv)
        if warn {
            let ids = Set(try finishedRuns(store, sweep: sweep).map(\.sweepID))
            set.warnings = try warnings(for: runs, sweeps: try store.sweeps().filter { ids.contains($0.id ?? -1) })
        }
        return set
    }

    /// The columns `--where` and `--group-by` can name on a run store: the sweep's name, id and
    /// kind, and the run's architecture and seed.
    public static let selectionColumns = ["sweep", "sweep_id", "kind", "arch", "seed"]

    /// The finished runs of `store` selected and grouped by `selection` over `selectionColumns`,
    /// each group with the sweeps its runs come from and its warnings (`warnings(for:sweeps:)`).
    public static func select(_ store: RunStore, _ selection: RowSelection) throws -> [(set: MeasurementSet, sweeps: [Sweep])] {
        let measurements = try store.measurements()
        let runs = try finishedRuns(store)
        guard !measurements.isEmpty else { throw AnalysisError.noRuns(source: store.path) }
        guard runs.count == measurements.count else {
            throw AnalysisError.fit("\(store.path): \(runs.count) finished runs but \(measurements.count) measurements; check the store with `scalelab status`")
        }
        let sweeps = Dictionary(try store.sweeps().map { ($0.id ?? -1, $0) }, uniquingKeysWith: { a, _ in a })
        let labels: [(column: String, values: [String?])] = [
            ("sweep", runs.map { sweeps[$0.sweepID]?.name }), ("sweep_id", runs.map { "\($0.sweepID)" }),
            ("kind", runs.map { sweeps[$0.sweepID]?.kind }), ("arch", runs.map(\.arch)), ("seed", runs.map { $0.seed.map { "\($0)" } }),
        ]
        return try selection.apply(to: measurements, labels: labels, source: store.path).map { set, indices in
            let ids = Set(indices.map { runs[$0].sweepID })
            let used = ids.sorted().compactMap { sweeps[$0] }
            var s = set
            // A store's runs have no file columns to record, and their FLOPs are the trainer's exact
            // count, not a file's C to check against 6ND: as for a whole store's fit.
            s.columns = ColumnMapping()
            s.computeCheck = nil
            s.warnings = try warnings(for: s.measurements, sweeps: used)
            return (s, used)
        }
    }

    /// The warnings about a store's runs fitted as one law: repeated points whose losses disagree
    /// (`DataWarnings.repeatedPoints`), and runs from several sweeps of which at least one is an
    /// import (runs trained elsewhere, often with other settings).
    public static func warnings(for measurements: [Observation], sweeps: [Sweep]) throws -> [String] {
        var out = [DataWarnings.repeatedPoints(measurements, hint: "fit one sweep with --where sweep=NAME or each with --group-by sweep")]
            .compactMap { $0 }
        if sweeps.count > 1, sweeps.contains(where: { $0.kind == "import" }) {
            let listed = sweeps.map { "\($0.id ?? 0) '\(MeasurementInputError.quote($0.name))' (\($0.kind))" }.joined(separator: ", ")
            out.append("the runs come from \(sweeps.count) sweeps (\(listed)), fitted as one law; imported runs are often other "
                       + "settings or other people's runs: fit one with --where sweep=NAME or each with --group-by sweep")
        }
        return out
    }

    /// The done runs with a final loss, by id: the runs `RunStore.measurements` reads.
    static func finishedRuns(_ store: RunStore, sweep: Int64? = nil) throws -> [StoredRun] {
        try store.runs(sweep: sweep).filter { $0.status == .done && $0.finalValidationLoss != nil }
    }
}
