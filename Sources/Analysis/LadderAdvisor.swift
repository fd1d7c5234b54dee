import Foundation
import Lab
import LawFitting
import ScalingLaws

/// Which run to train next: the (N, D) that most shrinks the forecast interval at a target budget
/// per FLOP it costs, from a Chinchilla fit and its bootstrap (`scalelab ladder suggest`).
///
/// The forecast is the compute-optimal loss at the target budget C, `L(N_opt(C), D_opt(C))` with
/// C = 6·N·D; its interval is the percentile interval over the bootstrap refits. How much a new
/// run narrows it comes from the ladder's design: with φ = (E, ln A, ln B, α, β), j_i the gradient
/// of ln L at run i in φ and g the forecast's, the runs' information is M = Σ j_i·j_iᵀ/σ² and the
/// forecast's variance gᵀM⁻¹g. A run at x = (N, D), as noisy as the others (σ of ln L), adds
/// j·jᵀ/σ²; by the Sherman–Morrison identity
///
///     Var' = gᵀM⁻¹g − (gᵀM⁻¹j)² / (σ² + jᵀM⁻¹j),
///
/// and σ² cancels from Var'/Var. The width's expected ratio √(Var'/Var) is averaged over the fit
/// and every refit (where the design is read depends on the constants, which the refits spread),
/// and the interval's width is scaled by it. A linear, Gaussian approximation (the simulation
/// test measures how good): the bootstrap's own spread, wider than the linear one where the law is
/// weakly determined, gives the width, the design only the ratio.
public struct LadderSuggestion: Sendable, Codable, Equatable {
    /// One candidate run.
    public struct Candidate: Sendable, Codable, Equatable {
        /// Its parameters N, tokens D and cost C = 6·N·D.
        public var parameters: Double, tokens: Double, compute: Double
        /// The expected fraction by which the forecast interval narrows, `1 − √(Var'/Var)`.
        public var shrinkage: Double
        /// The interval's expected width after the run (same units as the loss).
        public var widthAfter: Double
        /// `shrinkage` per 1e15 FLOPs of the run: the ranking.
        public var shrinkagePerPetaFLOP: Double
        /// The fitted law's loss for the run, what it is expected to measure.
        public var expectedLoss: Double
    }

    /// The target budget C and the forecast there: the compute-optimal N, D and loss.
    public var budget: Double, parameters: Double, tokens: Double, forecast: Double
    /// The forecast's percentile interval over the refits, its width, and its level.
    public var interval: [Double], width: Double, level: Double
    /// The residual standard deviation of ln L the fit leaves, the noise a new run is assumed to have.
    public var residualSigma: Double
    /// How many refits the covariance was estimated from, and how many runs were fitted.
    public var refits: Int, runs: Int
    /// Every candidate, best first (most shrinkage per FLOP).
    public var candidates: [Candidate]
    /// The candidate that shrinks the interval most in absolute terms, whatever it costs.
    public var largestShrinkage: Candidate
    /// What the numbers assume.
    public var notes: [String]

    /// The best candidate per FLOP.
    public var best: Candidate { candidates[0] }
}

/// Why no suggestion could be made: each says what to do.
public enum LadderAdvisorError: Error, Equatable, CustomStringConvertible, LocalizedError {
    case unusable(String)
    public var description: String { switch self { case .unusable(let s): return s } }
    public var errorDescription: String? { description }
}

/// Suggests the next run of a ladder (`LadderSuggestion`): `scalelab ladder suggest`.
public enum LadderAdvisor {
    /// Fits Chinchilla's law to the finished runs of `store` (optionally one sweep) with
    /// `options` (its fit options, `options.bootstrap` refits at `options.level`, seeded by
    /// `options.seed`: approach 3 as `fit --store` makes it), then suggests the next run for a
    /// forecast at `budget`.
    public static func suggest(_ store: RunStore, sweep: Int64? = nil, budget: Double, options: AnalysisOptions) throws -> LadderSuggestion {
        let measurements = try store.measurements(sweep: sweep).filter { $0.parameters != nil && $0.tokens != nil }
        guard measurements.count >= 6 else {
            throw LadderAdvisorError.unusable("a suggestion needs a Chinchilla fit to at least 6 finished runs with N and D; "
                + "\(store.path) has \(measurements.count)\(sweep.map { " in sweep \($0)" } ?? "")")
        }
        let data = FitData(measurements)
        let fitOptions = options.fitOptions(for: ChinchillaLaw())
        let fit = try LawFitter.fit(ChinchillaLaw(), to: data, options: fitOptions)
        let refits = try Bootstrap.run(fit, data: data, options: options.bootstrapOptions, fitOptions: fitOptions)
        return try suggest(fit: ChinchillaParameters(fit.parameters), refits: refits.samples, measurements: measurements,
                           budget: budget, level: options.level)
    }

    /// Suggests the next run for a forecast at `budget` from `fit` (Chinchilla's constants), its
    /// bootstrap `refits` (parameter vectors in `ChinchillaLaw` order), and the `measurements` it
    /// was fitted to. Candidates: `budgetsPerDecade` budgets per decade from the smallest measured
    /// run's compute to 10× the largest, at each the compute-optimal N times 10^(−1, −0.5, 0, 0.5, 1),
    /// D = c/(6N); none above `budget`, and none with N or D below half the smallest measured (a
    /// run smaller than the ladder's in either is not a rung of it).
    public static func suggest(fit: ChinchillaParameters, refits: [[Double]], measurements: [Observation], budget C: Double,
                               level: Double = AnalysisOptions.defaultLevel, budgetsPerDecade: Int = 3) throws -> LadderSuggestion {
        guard C.isFinite, C > 0 else { throw LadderAdvisorError.unusable("--budget must be a positive number of FLOPs, got \(C)") }
        let points = measurements.compactMap { m -> (N: Double, D: Double, L: Double)? in
            guard let N = m.parameters, let D = m.tokens, N > 0, D > 0, m.loss > 0, m.loss.isFinite else { return nil }
            return (N, D, m.loss)
        }
        guard points.count >= 6 else {
            throw LadderAdvisorError.unusable("a suggestion needs a Chinchilla fit to at least 6 finished runs with N and D; the store has \(points.count)")
        }
        let phis = refits.filter { $0.count >= 5 && $0[1] > 0 && $0[2] > 0 && $0.allSatisfy(\.isFinite) }.map(phi)
        guard phis.count >= 20 else {
            throw LadderAdvisorError.unusable("a suggestion needs at least 20 bootstrap refits of the fit (give --bootstrap 100 or more); got \(phis.count)")
        }
        let center = phi(fit.vector)
        let sigma = covariance(phis)
        let forecast = { (p: [Double]) -> Double in
            let c = ChinchillaParameters(unphi(p))
            let N = c.optimalParameters(compute: C)
            return c.loss(parameters: N, tokens: C / (6 * N))
        }
        let g = gradient(forecast, at: center, scale: sigma)
        let variance = quadratic(g, sigma, g)
        guard variance.isFinite, variance.squareRoot() > 1e-9 * abs(forecast(center)) else {
            throw LadderAdvisorError.unusable("the refits do not move the forecast at \(C) FLOPs: its interval has no width to shrink")
        }
        let samples = phis.map(forecast)
        guard let interval = BootstrapResult.percentileInterval(samples, level: level), interval.count == 2 else {
            throw LadderAdvisorError.unusable("the refits give no interval of the forecast")
        }
        let width = interval[1] - interval[0]
        // The residual variance of ln L, with the fit's 5 parameters taken off the degrees of freedom.
        let squares = points.map { p -> Double in let r = log(p.L) - log(fit.loss(parameters: p.N, tokens: p.D)); return r * r }
        let s2 = squares.reduce(0, +) / Double(max(1, points.count - 5))
        // The ladder's information about φ, at the fit and at every refit: M = Σ j·jᵀ over the
        // runs (in units of 1/σ², which cancel: a new run is as noisy as the fitted ones).
        let lnLoss = { (N: Double, D: Double) in { (p: [Double]) in log(ChinchillaParameters(unphi(p)).loss(parameters: N, tokens: D)) } }
        let designs: [Design] = ([center] + phis).compactMap { p in
            var m = [[Double]](repeating: [Double](repeating: 0, count: 5), count: 5)
            for run in points {
                let j = gradient(lnLoss(run.N, run.D), at: p, scale: sigma)
                for a in 0..<5 { for b in 0..<5 { m[a][b] += j[a] * j[b] } }
            }
            guard let inverse = invert(m) else { return nil }
            let g = gradient(forecast, at: p, scale: sigma)
            let v = quadratic(g, inverse, g)
            return v > 0 && v.isFinite ? Design(at: p, g: g, inverse: inverse, variance: v) : nil
        }
        guard designs.count >= 10 else {
            throw LadderAdvisorError.unusable("the ladder's runs do not determine the law's 5 constants at most refits; add runs of other sizes and budgets")
        }
        let computes = points.map { 6 * $0.N * $0.D }
        let low = computes.min()!, high = min(10 * computes.max()!, C)
        let decades = max(0, log10(high / low))
        let budgets = logSpaced(from: low, to: high, count: max(1, Int((decades * Double(budgetsPerDecade)).rounded())) + 1)
        var candidates: [LadderSuggestion.Candidate] = []
        let smallestN = points.map(\.N).min()!, smallestD = points.map(\.D).min()!
        for c in budgets {
            let optimal = fit.optimalParameters(compute: c)
            for e in [-1.0, -0.5, 0, 0.5, 1] {
                let N = optimal * pow(10, e), D = c / (6 * N)
                guard N >= smallestN / 2, D >= smallestD / 2 else { continue }
                // The width's expected ratio after the run, averaged over the fit and its refits.
                let ratios = designs.map { d -> Double in
                    let j = gradient(lnLoss(N, D), at: d.at, scale: sigma)
                    let gj = quadratic(d.g, d.inverse, j), jj = quadratic(j, d.inverse, j)
                    return (max(0, d.variance - gj * gj / (1 + jj)) / d.variance).squareRoot()
                }
                let shrink = 1 - ratios.reduce(0, +) / Double(ratios.count)
                candidates.append(.init(parameters: N, tokens: D, compute: c, shrinkage: shrink, widthAfter: width * (1 - shrink),
                                        shrinkagePerPetaFLOP: shrink / (c / 1e15), expectedLoss: fit.loss(parameters: N, tokens: D)))
            }
        }
        guard !candidates.isEmpty else {
            throw LadderAdvisorError.unusable("no candidate run between the ladder's smallest budget and \(C) FLOPs is as large as its "
                + "smallest run in both N and D; give a larger --budget")
        }
        candidates.sort { $0.shrinkagePerPetaFLOP > $1.shrinkagePerPetaFLOP }
        let largest = candidates.max { $0.shrinkage < $1.shrinkage }!
        let N = fit.optimalParameters(compute: C)
        return LadderSuggestion(
            budget: C, parameters: N, tokens: C / (6 * N), forecast: fit.loss(parameters: N, tokens: C / (6 * N)), interval: interval,
            width: width, level: level, residualSigma: s2.squareRoot(), refits: phis.count, runs: points.count,
            candidates: candidates, largestShrinkage: largest,
            notes: ["The shrinkage is a linear, Gaussian approximation, averaged over the fit and its refits: it assumes the "
                        + "law's form is right and the new run is as noisy as the fitted ones (σ of ln L \(String(format: "%.3g", s2.squareRoot()))).",
                    "Costs are C = 6·N·D; the trainer's exact FLOPs per token are higher for small models (attention, logits)."])
    }

    /// The ladder's design at one parameter vector φ: the forecast's gradient, the inverse of the
    /// runs' information, and the forecast's variance (both in units of σ²).
    struct Design {
        var at: [Double], g: [Double], inverse: [[Double]], variance: Double
    }

    /// The inverse of a symmetric matrix by Gauss–Jordan elimination with partial pivoting; nil
    /// when it is singular to working precision.
    static func invert(_ m: [[Double]]) -> [[Double]]? {
        let n = m.count
        var a = m.enumerated().map { i, row in row + (0..<n).map { $0 == i ? 1.0 : 0 } }
        let scale = (0..<n).map { abs(m[$0][$0]) }.max() ?? 0
        guard scale > 0, scale.isFinite else { return nil }
        for col in 0..<n {
            let pivot = (col..<n).max { abs(a[$0][col]) < abs(a[$1][col]) }!
            guard abs(a[pivot][col]) > 1e-13 * scale else { return nil }
            a.swapAt(col, pivot)
            let p = a[col][col]
            for c in 0..<(2 * n) { a[col][c] /= p }
            for r in 0..<n where r != col {
                let f = a[r][col]
                if f != 0 { for c in 0..<(2 * n) { a[r][c] -= f * a[col][c] } }
            }
        }
        return a.map { Array($0[n...]) }
    }

    /// φ = (E, ln A, ln B, α, β) of a `ChinchillaLaw` vector.
    static func phi(_ p: [Double]) -> [Double] { [p[0], log(p[1]), log(p[2]), p[3], p[4]] }
    static func unphi(_ f: [Double]) -> [Double] { [f[0], exp(f[1]), exp(f[2]), f[3], f[4]] }

    /// The sample covariance of `xs` (rows of equal length).
    static func covariance(_ xs: [[Double]]) -> [[Double]] {
        let n = Double(xs.count), d = xs[0].count
        let mean = (0..<d).map { i in xs.map { $0[i] }.reduce(0, +) / n }
        return (0..<d).map { a in (0..<d).map { b in xs.map { ($0[a] - mean[a]) * ($0[b] - mean[b]) }.reduce(0, +) / (n - 1) } }
    }

    /// `aᵀ·M·b`.
    static func quadratic(_ a: [Double], _ m: [[Double]], _ b: [Double]) -> Double {
        var s = 0.0
        for i in a.indices { for k in b.indices { s += a[i] * m[i][k] * b[k] } }
        return s
    }

    /// The central-difference gradient of `f` at `x`, each step 1e-3 of the coordinate's spread
    /// over the refits (`scale`'s diagonal), or 1e-6 where it has none.
    static func gradient(_ f: ([Double]) -> Double, at x: [Double], scale: [[Double]]) -> [Double] {
        x.indices.map { i in
            let h = max(1e-3 * scale[i][i].squareRoot(), 1e-9)
            var up = x, down = x
            up[i] += h
            down[i] -= h
            return (f(up) - f(down)) / (2 * h)
        }
    }
}
