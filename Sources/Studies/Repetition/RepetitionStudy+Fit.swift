import Foundation
import Lab
import LawFitting
import ScalingLaws

extension RepetitionStudy {
    /// The data-constrained law fitted to runs, with its bootstrap: the study's one fit.
    public struct Fit: Sendable {
        /// The multi-start fit of the five free constants.
        public var law: LawFit
        /// The bootstrap refits; nil with no resamples.
        public var bootstrap: BootstrapResult?
        /// All seven constants of the fit (β = α, R_N* the fixed value).
        public var constants: DataConstrainedParameters
        /// The seven constants of each bootstrap refit.
        public var samples: [DataConstrainedParameters]
        /// Percentile intervals of the free constants (`E`, `A`, `B`, `alpha`, `R_D_star`).
        public var intervals: [String: [Double]]
    }

    /// The law the study fits: `DataConstrainedLaw` with tied exponents (α = β, as the published
    /// C4 fit) and R_N* held at `excessParameterDecay`; free: E, A, B, α, R_D*.
    public static func formula(excessParameterDecay: Double) -> FixedParameters {
        FixedParameters(DataConstrainedLaw(tiedExponents: true), fixed: ["R_N_star": excessParameterDecay])!
    }

    /// All seven constants from the free ones of `formula`.
    static func constants(_ formula: FixedParameters, free: [Double]) -> DataConstrainedParameters {
        DataConstrainedParameters(DataConstrainedLaw(tiedExponents: true).untied(formula.full(free)))
    }

    /// Fits the study's law to `observations` (N, D, U and the final loss of each run): the
    /// multi-start fit in log space with the summed Huber loss (δ = 1e-3), as Muennighoff et al.
    /// fit theirs, then `bootstrap` resamples of the runs for percentile intervals at `level`.
    public static func fit(_ observations: [Observation], excessParameterDecay: Double, bootstrap: Int, level: Double,
                           seed: UInt64) throws -> Fit {
        let formula = formula(excessParameterDecay: excessParameterDecay)
        guard observations.count > formula.parameters.count else {
            throw StudyError.unusable("the data-constrained fit has \(formula.parameters.count) free constants; it needs more "
                + "than that many done runs with N, D and U, got \(observations.count)")
        }
        let data = FitData(observations)
        let law = try LawFitter.fit(formula, to: data)
        var boot: BootstrapResult? = nil
        if bootstrap > 0 {
            boot = try Bootstrap.run(law, data: data, options: BootstrapOptions(samples: bootstrap, level: level, seed: seed))
        }
        let samples = boot?.samples.map { constants(formula, free: $0) } ?? []
        return Fit(law: law, bootstrap: boot, constants: constants(formula, free: law.parameters), samples: samples,
                   intervals: boot?.parameterIntervals ?? [:])
    }

    /// The done runs of `sweep` as observations: N (all parameters), D, U (the run's cap) and the
    /// final validation loss.
    static func observations(_ store: RunStore, sweep: Int64) throws -> [(run: StoredRun, observation: Observation)] {
        try store.runs(sweep: sweep).compactMap { run in
            guard run.status == .done, let D = run.tokens, let U = run.uniqueTokens, let L = run.finalValidationLoss else { return nil }
            return (run, Observation(parameters: run.parameters, tokens: D, uniqueTokens: U, loss: L))
        }
    }

    /// The fraction D'/D of its tokens a run of `epochs` passes is worth by the law with decay
    /// `R_D*`: `(1 + R_D*·(1 − e^(−(e−1)/R_D*)))/e` (1 for e ≤ 1).
    public static func effectiveFraction(epochs e: Double, decay: Double) -> Double {
        DataConstrainedLaw.effective(e, unique: 1, decay: decay).value / e
    }
}

extension RepetitionStudy {
    /// The forecast of the held-out model, made from the ladder alone.
    public struct Forecast: Sendable {
        /// The fit of the ladder.
        public var fit: Fit
        /// The held-out budget C and its unique tokens U.
        public var compute: Double, uniqueTokens: Double
        /// The fitted law's best N and D for C and U (`DataConstrainedParameters.optimalAllocation`).
        public var plan: DataConstrainedPlan
        /// Intervals of the plan's N, D and epochs over the bootstrap.
        public var planIntervals: [String: [Double]]
        /// The model the plan realizes (the shape rule's nearest size) and its tokens.
        public var parameters: Double, tokens: Double
        /// The fitted law's loss for that model, and its interval over the bootstrap.
        public var loss: Double, lossInterval: [Double]?
        /// The ladder runs fitted.
        public var ladderRuns: Int
        /// The bootstrap resamples and the level of the intervals.
        public var bootstrap: Int, level: Double

        /// The numbers stored before the held-out model trains.
        public var record: StudyRecord {
            let c = fit.constants
            var values: [String: Double] = [
                "fit.E": c.chinchilla.E, "fit.A": c.chinchilla.A, "fit.B": c.chinchilla.B, "fit.alpha": c.chinchilla.alpha,
                "fit.R_D_star": c.repeatedTokenDecay, "fit.R_N_star": c.excessParameterDecay, "fit.rmseLog": fit.law.rmseLog,
                "target.compute": compute, "target.uniqueTokens": uniqueTokens,
                "plan.parameters": plan.parameters, "plan.tokens": plan.tokens, "plan.epochs": plan.epochs, "plan.loss": plan.loss,
                "run.parameters": parameters, "run.tokens": tokens, "run.epochs": tokens / uniqueTokens,
                "loss.forecast": loss, "design.bootstrap": Double(bootstrap), "design.level": level,
            ]
            values = values.filter { $0.value.isFinite }
            var intervals: [String: [Double]] = [:]
            for (k, v) in fit.intervals where v.count == 2 && v.allSatisfy(\.isFinite) { intervals["fit." + k] = v }
            for (k, v) in planIntervals where v.count == 2 && v.allSatisfy(\.isFinite) { intervals["plan." + k] = v }
            if let i = lossInterval, i.count == 2, i.allSatisfy(\.isFinite) { intervals["loss.forecast"] = i }
            return StudyRecord(values: values, intervals: intervals, points: ladderRuns)
        }
    }

    /// Fits the ladder stage's runs and forecasts the held-out model: the fitted law's best N, D for
    /// the held-out budget and unique tokens, the model the shape rule makes of that N, and its loss.
    public func forecast(_ store: RunStore) throws -> Forecast {
        guard let sweep = try Self.sweep("ladder", in: store) else {
            throw StudyError.unusable("the store has no repetition ladder to forecast from; run the study from its start")
        }
        let runs = try Self.observations(store, sweep: sweep).map(\.observation)
        let fit = try Self.fit(runs, excessParameterDecay: design.excessParameterDecay, bootstrap: design.bootstrap,
                               level: design.level, seed: design.seed)
        let C = design.heldOutBudget, U = Double(try heldOutUniqueTokens())
        let plan: DataConstrainedPlan
        do { plan = try fit.constants.optimalAllocation(compute: C, uniqueTokens: U) } catch {
            throw StudyError.unusable("the fitted law cannot plan the held-out model: \(error)")
        }
        let run = try heldOut(parameters: plan.parameters).runs[0]
        let N = Double(run.parameters), D = Double(run.tokens)
        // Each refit's own plan, and its loss for the model the full-data plan realizes.
        let refits = fit.samples.map { s -> (N: Double, D: Double, epochs: Double, loss: Double) in
            let p = try? s.optimalAllocation(compute: C, uniqueTokens: U)
            return (p?.parameters ?? .nan, p?.tokens ?? .nan, p?.epochs ?? .nan, s.loss(parameters: N, tokens: D, uniqueTokens: U))
        }
        func interval(_ v: [Double]) -> [Double]? { BootstrapResult.percentileInterval(v, level: design.level) }
        var planIntervals: [String: [Double]] = [:]
        planIntervals["parameters"] = interval(refits.map(\.N))
        planIntervals["tokens"] = interval(refits.map(\.D))
        planIntervals["epochs"] = interval(refits.map(\.epochs))
        return Forecast(fit: fit, compute: C, uniqueTokens: U, plan: plan, planIntervals: planIntervals, parameters: N, tokens: D,
                        loss: fit.constants.loss(parameters: N, tokens: D, uniqueTokens: U),
                        lossInterval: interval(refits.map(\.loss)), ladderRuns: runs.count,
                        bootstrap: design.bootstrap, level: design.level)
    }
}
