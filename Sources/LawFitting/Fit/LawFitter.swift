import Foundation
import ScalingLaws

/// A fitted law: parameters, how well and how reliably they were found.
public struct LawFit: Sendable {
    public let formula: any LawFormula
    public let objectiveKind: FitObjectiveKind
    /// Best parameters in fitting space.
    public let theta: [Double]
    /// `Σ Huber_δ(r_i)` or `Σ r_i²` (log residuals, or residuals on the loss for
    /// `least-squares-loss`), summed over points.
    public let objective: Double
    /// `sqrt(mean r_i²)` with `r_i = log L̂_i − log L_i`.
    public let rmseLog: Double
    public let points: Int
    public let starts: Int
    public let convergedStarts: Int
    /// Starts dropped by early rejection before they converged (`FitOptions.screeningIterations`).
    public let rejectedStarts: Int
    /// How the best start stopped.
    public let status: OptimizerStatus
    /// The best starts, best first: objective and natural parameters.
    public let bestStarts: [(objective: Double, parameters: [Double])]
    /// Objective evaluations over all starts (the cost of the fit).
    public let evaluations: Int
    public let seconds: Double

    /// Natural parameters (E, A, … rather than log E, log A).
    public var parameters: [Double] { zip(formula.parameters, theta).map { $0.natural($1) } }
    public var law: Law { Law(formula, parameters: parameters) }

    /// A sentence on how the fit ended.
    public var message: String {
        "\(status.message); \(convergedStarts) of \(starts) starts converged"
            + (rejectedStarts > 0 ? " (\(rejectedStarts) more dropped early as hopeless)" : "")
    }
}

/// Multi-start fitting of any law in log space.
public enum LawFitter {
    /// Fits `formula` to `data` from every start of `options.startPoints(for:)`, in parallel,
    /// and keeps the best. Throws only when the fit cannot be attempted.
    public static func fit(_ formula: any LawFormula, to data: FitData, options: FitOptions = FitOptions()) throws -> LawFit {
        try check(formula, data)
        let starts = try options.startPoints(for: formula)
        return try fit(formula, to: data, starts: starts, options: options)
    }

    /// Fits from the given starts (fitting space).
    public static func fit(_ formula: any LawFormula, to data: FitData, starts: [[Double]],
                           options: FitOptions) throws -> LawFit {
        try check(formula, data)
        let clock = ContinuousClock.now
        let kind = options.objective ?? formula.defaultObjective
        let screening = options.screening(starts: starts.count)
        let screened = options.screeningData(data, starts: starts.count)
        var results = parallelMap(starts.count, threads: options.threads) { i in
            minimize(formula, screened, from: starts[i], kind: kind, options: screening)
        }
        let rejected = rejectEarly(&results, formula, screened, kind: kind, options: options)
        let screenedConverged = results.filter { $0.status.isConverged && $0.value.isFinite }.count
        var finite = results.indices.filter { results[$0].value.isFinite }
            .sorted { results[$0].value < results[$1].value }
        if options.screens(starts: starts.count, kind: kind) || screened.count != data.count {
            // Polish the best starts on every point to the strict tolerance, from where screening left them.
            let polish = Array(finite.prefix(options.spreadCount))
            // A least-squares start that converged while screening on every point already met the
            // strict tolerances (screening only limits its iterations): polishing it would repeat it.
            let done = kind != .huber && screened.count == data.count
            let unpolished = polish.filter { !(done && results[$0].status.isConverged) }
            // From a sample's optimum the polish has far to go along the law's flat valleys, where
            // the default relative tolerance (2.2e-9) stops it early (on 100,000 points: 0.02%
            // above the optimum, A and B 3% off); 1e-12 reaches the optimum of every point.
            let polishing: FitOptions = {
                var o = options
                if screened.count != data.count { o.lbfgs.functionTolerance = min(o.lbfgs.functionTolerance, 1e-12) }
                return o
            }()
            resume(unpolished, &results, formula, data, kind: kind, options: polishing)
            // Objectives on the sample and on every point are not comparable: rank the polished only.
            let candidates = screened.count == data.count ? Array(results.indices) : polish
            finite = candidates.filter { results[$0].value.isFinite }.sorted { results[$0].value < results[$1].value }
        }
        guard let best = finite.first else { throw FitError.noConvergedStart(law: formula.identifier) }
        let specs = formula.parameters
        let top = finite.prefix(options.spreadCount).map { i in
            (objective: reported(results[i].value, kind), parameters: zip(specs, results[i].x).map { $0.natural($1) })
        }
        let theta = results[best].x
        return LawFit(
            formula: formula, objectiveKind: kind, theta: theta,
            objective: reported(results[best].value, kind),
            rmseLog: rmseLog(formula, theta: theta, data: data),
            points: data.count, starts: starts.count,
            convergedStarts: screenedConverged, rejectedStarts: rejected,
            status: results[best].status, bestStarts: top,
            evaluations: results.map(\.evaluations).reduce(0, +),
            seconds: secondsSince(clock))
    }

    /// The rounds of early rejection (`FitOptions.screeningIterations`; the Levenberg–Marquardt
    /// objectives only):
    /// the best `1/screeningReduction` of the starts that are still moving continue for another
    /// round of iterations, until `spreadCount` are left for the polish. Returns how many starts
    /// were dropped before converging.
    static func rejectEarly(_ results: inout [OptimizerResult], _ formula: any LawFormula, _ data: FitData,
                            kind: FitObjectiveKind, options: FitOptions) -> Int {
        guard kind != .huber, options.screens(starts: results.count, kind: kind) else { return 0 }
        let round = options.screening(starts: results.count)
        let reduction = max(options.screeningReduction, 2)
        var alive = results.indices.filter { results[$0].value.isFinite }.sorted { results[$0].value < results[$1].value }
        var dropped = Set<Int>()
        while alive.count > options.spreadCount {
            let keep = max(options.spreadCount, (alive.count + reduction - 1) / reduction)
            for i in alive[keep...] where results[i].status == .maxIterations { dropped.insert(i) }
            alive = Array(alive.prefix(keep))
            guard keep > options.spreadCount else { break }
            resume(alive.filter { results[$0].status == .maxIterations }, &results, formula, data, kind: kind, options: round)
            alive.sort { results[$0].value < results[$1].value }
        }
        return dropped.count
    }

    /// Runs the starts `indices` of `results` on from where they stopped, in parallel, with
    /// `options`; each keeps the count of every evaluation it has made.
    static func resume(_ indices: [Int], _ results: inout [OptimizerResult], _ formula: any LawFormula, _ data: FitData,
                       kind: FitObjectiveKind, options: FitOptions) {
        let from = indices.map { results[$0].x }
        let next = parallelMap(indices.count, threads: options.threads) { k in
            minimize(formula, data, from: from[k], kind: kind, options: options)
        }
        for (k, i) in indices.enumerated() {
            let evaluations = results[i].evaluations + next[k].evaluations
            results[i] = next[k]
            results[i].evaluations = evaluations
        }
    }

    /// One local minimization from one start.
    static func minimize(_ formula: any LawFormula, _ data: FitData, from start: [Double],
                         kind: FitObjectiveKind, options: FitOptions) -> OptimizerResult {
        switch kind {
        case .huber:
            if let chinchilla = formula as? ChinchillaLaw {
                let kernel = ChinchillaHuberKernel(data: data, delta: options.huberDelta, tiedExponents: chinchilla.tiedExponents)
                return options.lbfgs.minimize(from: start) { kernel.objective($0, gradient: &$1) }
            }
            var objective = LogSpaceObjective(formula: formula, data: data, delta: options.huberDelta)
            return options.lbfgs.minimize(from: start) { objective.huberObjective($0, gradient: &$1) }
        case .leastSquares:
            var objective = LogSpaceObjective(formula: formula, data: data, delta: options.huberDelta)
            return options.levenbergMarquardt.minimize(from: start, residuals: data.count) {
                objective.residuals($0, &$1, &$2)
            }
        case .leastSquaresLoss:
            var objective = LogSpaceObjective(formula: formula, data: data, delta: options.huberDelta)
            return options.levenbergMarquardt.minimize(from: start, residuals: data.count) {
                objective.lossResiduals($0, &$1, &$2)
            }
        }
    }

    /// LM reports ½·Σr²; we report Σr².
    private static func reported(_ value: Double, _ kind: FitObjectiveKind) -> Double {
        kind == .huber ? value : 2 * value
    }

    static func check(_ formula: any LawFormula, _ data: FitData) throws {
        let k = formula.parameters.count
        guard data.count > k else {
            throw FitError.tooFewPoints(law: formula.identifier, parameters: k, points: data.count)
        }
        for (row, x) in data.inputs.enumerated() {
            for v in formula.variables where !x[v].isFinite {
                throw FitError.missingVariable(law: formula.identifier, variable: v, row: row)
            }
        }
    }

    /// Root mean square of log residuals of the law at `theta` on `data`.
    public static func rmseLog(_ formula: any LawFormula, theta: [Double], data: FitData) -> Double {
        let p = zip(formula.parameters, theta).map { $0.natural($1) }
        var sum = 0.0
        for i in 0..<data.count {
            let r = _log(formula.value(p, at: data.inputs[i])) - data.logLoss[i]
            sum += r * r
        }
        return (sum / Double(max(data.count, 1))).squareRoot()
    }
}
