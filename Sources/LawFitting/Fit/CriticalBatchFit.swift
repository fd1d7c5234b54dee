import Foundation
import ScalingLaws

/// Fitting Kaplan et al. 2020's critical-batch law `B_crit(L) = B*/L^(1/α_B)` to gradient noise
/// scales measured along learning curves (`CriticalBatchLaw`), and their learning-curve law
/// `L(N, S_min) = (N_c/N)^α_N + (S_c/S_min)^α_S` (`KaplanStepsLaw`) given it.
///
/// The points of one run are a learning curve, correlated with each other, so every bootstrap
/// resamples whole runs (a cluster bootstrap), not points.
public enum CriticalBatchFit {
    /// One learning-curve point of a run.
    public struct Point: Sendable, Codable, Equatable {
        /// The run it belongs to (the bootstrap resamples runs).
        public var run: Int64
        /// N: non-embedding parameters (Kaplan's convention).
        public var parameters: Double
        /// S: optimizer steps done.
        public var steps: Double
        /// B: tokens per step.
        public var batch: Double
        /// Validation loss (nats per token).
        public var loss: Double
        /// B_simple (tokens) over the steps since the run's previous point; nil where not measured
        /// or not positive (`GradientNoise.simpleNoiseScale`).
        public var noiseScale: Double?

        public init(run: Int64, parameters: Double, steps: Double, batch: Double, loss: Double, noiseScale: Double? = nil) {
            self.run = run; self.parameters = parameters; self.steps = steps; self.batch = batch; self.loss = loss
            self.noiseScale = noiseScale
        }
    }

    /// `B_crit(L)` fitted to measured noise scales.
    public struct BatchResult: Sendable, Codable, Equatable {
        public var law: CriticalBatchLaw
        /// The fitted slope `s = d ln B_simple/d ln L = −1/α_B`, and its percentile interval.
        public var slope: Double
        public var slopeInterval: [Double]?
        /// Percentile intervals of B* and α_B (nil without enough resamples; α_B's is nil too when
        /// the slope's interval reaches 0, where α_B is unbounded).
        public var bStarInterval: [Double]?
        public var alphaBInterval: [Double]?
        /// Kaplan's law says B_crit depends on the loss alone. The exponent t of N in the fit
        /// `ln B = c + s·ln L + t·ln N` tests it (t = 0: no dependence on size), with its
        /// interval; nil when the runs have one size.
        public var sizeExponent: Double?
        public var sizeExponentInterval: [Double]?
        /// RMSE of ln B_simple about the fitted line.
        public var rmseLog: Double
        /// The loss range of the points: the law is measured there, extrapolated elsewhere.
        public var lossRange: [Double]
        public var points: Int, runs: Int, resamples: Int
    }

    /// Fits `ln B_simple = ln B* + s·ln L` (s = −1/α_B) by least squares to the points with a
    /// measured noise scale, then `bootstrap` resamples of the runs for percentile intervals at
    /// `level`. Needs 3 or more such points spanning more than one loss, and a falling noise
    /// scale (s < 0): a noise scale that does not grow as the loss falls has no such law.
    public static func fitCriticalBatch(_ points: [Point], bootstrap: Int = 200, level: Double = 0.9,
                                        seed: UInt64 = 0) throws -> BatchResult {
        guard bootstrap >= 0, level > 0, level < 1 else { throw FitError.badOption("bootstrap must be >= 0 and level in (0, 1)") }
        let measured = points.filter { p in
            p.loss.isFinite && p.loss > 0 && p.parameters.isFinite && p.parameters > 0 && (p.noiseScale.map { $0.isFinite && $0 > 0 } ?? false)
        }
        guard measured.count >= 3 else {
            throw FitError.badOption("the critical-batch law needs 3 or more learning-curve points with a measured gradient noise scale, got "
                + "\(measured.count); train the runs with --noise-scale-every (train, ladder plan), or give gradient_squared_norm and "
                + "gradient_noise_trace in a trainer's learning_curve")
        }
        guard let line = regression(measured, withSize: false) else {
            throw FitError.badOption("the measured noise scales all come at one loss; the critical-batch law needs a range of losses")
        }
        guard line[1] < 0 else {
            throw FitError.badOption("the measured noise scale does not grow as the loss falls (d ln B/d ln L = \(line[1]) ≥ 0 over "
                + "\(measured.count) points), so no B_crit(L) = B*/L^(1/α_B) describes it; measure more steps per window (a smaller "
                + "--noise-scale-every) or longer runs")
        }
        let sized = regression(measured, withSize: true)
        let rmse = (measured.map { p in
            let r = log(p.noiseScale!) - (line[0] + line[1] * log(p.loss))
            return r * r
        }.reduce(0, +) / Double(measured.count)).squareRoot()
        var slopes: [Double] = [], intercepts: [Double] = [], sizes: [Double] = []
        var rng = SplitMix64(seed: seed)
        for _ in 0..<bootstrap {
            let resample = resampleRuns(measured, using: &rng)
            if let l = regression(resample, withSize: false) { slopes.append(l[1]); intercepts.append(l[0]) }
            if sized != nil, let s = regression(resample, withSize: true) { sizes.append(s[2]) }
        }
        let enough = slopes.count >= 10
        let slopeInterval = enough ? BootstrapResult.percentileInterval(slopes, level: level) : nil
        let alphas = slopeInterval.flatMap { $0[1] < 0 ? [-1 / $0[0], -1 / $0[1]] : nil }
        let losses = measured.map(\.loss)
        return BatchResult(law: CriticalBatchLaw(bStar: exp(line[0]), alphaB: -1 / line[1]), slope: line[1], slopeInterval: slopeInterval,
                           bStarInterval: enough ? BootstrapResult.percentileInterval(intercepts.map(exp), level: level) : nil,
                           alphaBInterval: alphas, sizeExponent: sized?[2],
                           sizeExponentInterval: sizes.count >= 10 ? BootstrapResult.percentileInterval(sizes, level: level) : nil,
                           rmseLog: rmse, lossRange: [losses.min()!, losses.max()!], points: measured.count,
                           runs: Set(measured.map(\.run)).count, resamples: slopes.count)
    }

    /// `L(N, S_min)` fitted to learning curves.
    public struct StepsResult: Sendable, Codable, Equatable {
        public var law: KaplanStepsLaw
        /// Percentile intervals by parameter name (`KaplanStepsLaw.parameterNames`); empty without
        /// enough resamples.
        public var intervals: [String: [Double]]
        /// The critical-batch law that turned steps into S_min.
        public var batchLaw: CriticalBatchLaw
        /// RMSE of ln L.
        public var rmseLog: Double
        /// Points with S below this fraction of their run's last step were left out (the initial
        /// transient the law does not describe).
        public var fromFraction: Double
        public var points: Int, runs: Int, resamples: Int
    }

    /// Fits `L(N, S_min)` by Levenberg–Marquardt on `ln L̂ − ln L` in (ln N_c, α_N, ln S_c, α_S)
    /// from a grid of starts, to the points at or past `fromFraction` of their run's last step,
    /// with `S_min = batchLaw.minimumSteps(S, B, L)`; then `bootstrap` resamples of the runs,
    /// each refitted from the best fit. Needs 2 or more sizes and more than 4 points.
    public static func fitSteps(_ points: [Point], batchLaw: CriticalBatchLaw, fromFraction: Double = 0.1,
                                bootstrap: Int = 200, level: Double = 0.9, seed: UInt64 = 0) throws -> StepsResult {
        guard bootstrap >= 0, level > 0, level < 1 else { throw FitError.badOption("bootstrap must be >= 0 and level in (0, 1)") }
        guard (0.0..<1).contains(fromFraction) else { throw FitError.badOption("the first fraction of each run left out must be in [0, 1), got \(fromFraction)") }
        let lastStep = Dictionary(points.map { ($0.run, $0.steps) }, uniquingKeysWith: max)
        let kept = points.filter { p in
            [p.parameters, p.steps, p.batch, p.loss].allSatisfy { $0.isFinite && $0 > 0 } && p.steps >= fromFraction * lastStep[p.run]!
        }
        guard kept.count > 4 else {
            throw FitError.tooFewPoints(law: "L(N, S_min) = (Nc/N)^alpha_N + (Sc/S_min)^alpha_S", parameters: 4, points: kept.count)
        }
        guard Set(kept.map(\.parameters)).count >= 2 else {
            throw FitError.badOption("L(N, S_min) needs runs of 2 or more sizes to separate N_c from S_c; got one size (\(kept[0].parameters))")
        }
        let x = kept.map { (n: $0.parameters, s: batchLaw.minimumSteps(steps: $0.steps, batch: $0.batch, loss: $0.loss), l: $0.loss) }
        var starts: [[Double]] = []
        for nc in [1e5, 1e8, 1e12, 1e16] { for an in [0.05, 0.1, 0.3] { for sc in [1e1, 1e2, 1e3, 1e4] { for a in [0.3, 0.7, 1.2] {
            starts.append([log(nc), an, log(sc), a])
        } } } }
        guard let best = bestFit(x, starts: starts) else {
            throw FitError.noConvergedStart(law: "L(N, S_min)")
        }
        let rmse = (2 * best.cost / Double(x.count)).squareRoot()
        var samples: [[Double]] = []
        var rng = SplitMix64(seed: seed)
        let runs = Array(Set(kept.map(\.run))).sorted()
        for _ in 0..<bootstrap {
            let chosen = (0..<runs.count).map { _ in runs[Int(rng.next() % UInt64(runs.count))] }
            let resample = chosen.flatMap { r in x.indices.filter { kept[$0].run == r }.map { x[$0] } }
            guard Set(resample.map(\.n)).count >= 2, let f = bestFit(resample, starts: [best.theta]) else { continue }
            samples.append(natural(f.theta))
        }
        var intervals: [String: [Double]] = [:]
        if samples.count >= 10 {
            for (j, name) in KaplanStepsLaw.parameterNames.enumerated() {
                intervals[name] = BootstrapResult.percentileInterval(samples.map { $0[j] }, level: level)
            }
        }
        return StepsResult(law: KaplanStepsLaw(values: natural(best.theta)), intervals: intervals, batchLaw: batchLaw, rmseLog: rmse,
                           fromFraction: fromFraction, points: x.count, runs: runs.count, resamples: samples.count)
    }

    // MARK: - Internal

    /// Whole runs drawn with replacement, as many as there are runs.
    static func resampleRuns(_ points: [Point], using rng: inout SplitMix64) -> [Point] {
        let runs = Array(Set(points.map(\.run))).sorted()
        let byRun = Dictionary(grouping: points, by: \.run)
        return (0..<runs.count).flatMap { _ in byRun[runs[Int(rng.next() % UInt64(runs.count))]]! }
    }

    /// Least squares of ln B_simple on [1, ln L] (and ln N with `withSize`), from the normal
    /// equations; the coefficients, nil when the points do not determine them.
    static func regression(_ points: [Point], withSize: Bool) -> [Double]? {
        let rows = points.map { p in [1, log(p.loss)] + (withSize ? [log(p.parameters)] : []) }
        let y = points.map { log($0.noiseScale!) }
        return leastSquares(rows, y)
    }

    /// The least-squares solution of `rows·c = y` by Gaussian elimination with partial pivoting
    /// on the normal equations (2 or 3 unknowns); nil when they are singular.
    static func leastSquares(_ rows: [[Double]], _ y: [Double]) -> [Double]? {
        guard let k = rows.first?.count, rows.count > k else { return nil }
        var a = [[Double]](repeating: [Double](repeating: 0, count: k + 1), count: k)
        for (r, yi) in zip(rows, y) {
            for i in 0..<k {
                for j in 0..<k { a[i][j] += r[i] * r[j] }
                a[i][k] += r[i] * yi
            }
        }
        let scale = (0..<k).map { a[$0][$0] }.max() ?? 0
        for c in 0..<k {
            let p = (c..<k).max { abs(a[$0][c]) < abs(a[$1][c]) }!
            guard abs(a[p][c]) > 1e-12 * max(scale, 1e-300) else { return nil }
            a.swapAt(c, p)
            for r in 0..<k where r != c {
                let f = a[r][c] / a[c][c]
                for j in c...k { a[r][j] -= f * a[c][j] }
            }
        }
        return (0..<k).map { a[$0][k] / a[$0][$0] }
    }

    /// θ = (ln N_c, α_N, ln S_c, α_S) → the law's natural parameters.
    static func natural(_ t: [Double]) -> [Double] { [exp(t[0]), t[1], exp(t[2]), t[3]] }

    /// The best Levenberg–Marquardt fit over `starts` of ln L̂ − ln L, among those ending with
    /// finite cost and positive exponents.
    static func bestFit(_ x: [(n: Double, s: Double, l: Double)], starts: [[Double]]) -> (theta: [Double], cost: Double)? {
        let lm = LevenbergMarquardt()
        var best: (theta: [Double], cost: Double)?
        var g = [Double](repeating: 0, count: 4)
        for start in starts {
            let r = lm.minimize(from: start, residuals: x.count) { t, res, J in
                let law = KaplanStepsLaw(values: natural(t))
                for (i, p) in x.enumerated() {
                    let L = law.loss(parameters: p.n, minimumSteps: p.s, gradient: &g)
                    res[i] = log(L) - log(p.l)
                    // ∂ln L/∂θ: the logarithmic parameters carry their own factor (dp/dθ = p).
                    J[4 * i] = g[0] * law.nc / L
                    J[4 * i + 1] = g[1] / L
                    J[4 * i + 2] = g[2] * law.sc / L
                    J[4 * i + 3] = g[3] / L
                }
            }
            guard r.value.isFinite, r.x.allSatisfy(\.isFinite), r.x[1] > 0, r.x[3] > 0 else { continue }
            if best == nil || r.value < best!.cost { best = (r.x, r.value) }
        }
        return best
    }
}
