import Foundation
import ScalingLaws

/// Whether a curve needs a break: a one-break broken power law (Caballero et al. 2022,
/// arXiv:2210.14891) against the same law without a break, `y = a + b·x^(−c0)`, on one
/// positive curve `y(x)` such as a task's error rate `1 − exact match` or `−ln p` against compute.
///
/// Both laws are fitted by least squares on log residuals (the broken law's own objective), so
/// their residuals compare. The break is kept when it lowers the small-sample information
/// criterion AICc = `n·ln(RSS/n) + 2k + 2k(k+1)/(n−k−1)` (Hurvich and Tsai 1989) by more than
/// `threshold` (4 by default: Burnham and Anderson's "considerably less support" for the other
/// model) and its location `d1` lies inside the measured range of `x`; a break beyond the last
/// point is an extrapolation no data supports. When the best fit puts its break outside the data
/// (using it only to bend the curve gently across every point), the best of the fit's ten best
/// starts with a break inside is polished and taken instead, if it stays inside. The location's interval is the bootstrap
/// percentile interval of `d1` over refits on resampled points.
///
/// `x` is divided by its smallest value before fitting, so the law's start grids (made for
/// ladders of any scale) see values from 1 up, and the break's starts are spread over the
/// measured range; the results are given in the caller's units.
public struct BreakDetection: Sendable, Codable, Equatable {
    /// One of the two fitted laws.
    public struct Candidate: Sendable, Codable, Equatable {
        /// `bnsl` (one break) or `bnsl-0` (no break).
        public var law: String
        /// Natural parameters by name, `d1` in the caller's units of `x`.
        public var parameters: [String: Double]
        /// Root mean square of the log residuals.
        public var rmseLog: Double
        /// The small-sample Akaike criterion (lower is better).
        public var aicc: Double
        /// How the best start stopped.
        public var status: String
    }

    /// The variable of `x`, by symbol (`C`, `N`, `D`).
    public var variable: String
    /// How many points were fitted.
    public var points: Int
    /// The one-break law.
    public var broken: Candidate
    /// The law without a break.
    public var smooth: Candidate
    /// `AICc(no break) − AICc(break)`: how much the break improves the criterion.
    public var aiccGain: Double
    /// The gain a break must exceed to be kept.
    public var threshold: Double
    /// Whether the curve needs a break.
    public var found: Bool
    /// Where the break is (the broken law's `d1`, in units of `x`).
    public var location: Double
    /// The bootstrap percentile interval of the location; nil without refits.
    public var locationInterval: [Double]?
    /// The interval's central mass; nil without refits.
    public var level: Double?
    /// How many bootstrap refits gave the interval.
    public var refits: Int
    /// The answer in words: `a break at C ≈ 3.1e+14 [1.2e+14, 5e+14]` or `no break needed (…)`.
    public var verdict: String

    /// The AICc gain a break must exceed by default.
    public static let defaultThreshold = 4.0
    /// The least number of points: the broken law has 6 parameters and AICc needs `n > k + 1`.
    public static let minimumPoints = 8

    /// Fits both laws to the points `(x[i], y[i])` and decides whether the break is needed.
    ///
    /// - Parameters:
    ///   - x: The scale of each point (positive, finite), e.g. compute in FLOPs.
    ///   - y: The curve's value at each point (positive, finite), e.g. an error rate.
    ///   - variable: What `x` is; the verdict names it.
    ///   - threshold: The AICc gain a break must exceed.
    ///   - bootstrap: Resampling for the location's interval; nil or 0 samples gives none.
    ///   - options: The options of every fit.
    /// - Throws: `FitError.badOption` when the points are too few or not positive and finite;
    ///   `FitError.noConvergedStart` when a law cannot be fitted at all.
    public static func run(x: [Double], y: [Double], variable: ScaleVariable = .compute,
                           threshold: Double = defaultThreshold, bootstrap: BootstrapOptions? = nil,
                           options: FitOptions = FitOptions()) throws -> BreakDetection {
        try check(x: x, y: y, variable: variable)
        let reference = x.min()!
        let data = FitData(zip(x, y).map { Observation(compute: $0 / reference, loss: $1) })
        var fitOptions = options
        fitOptions.objective = .leastSquares
        let span = _log(x.max()! / reference)
        fitOptions.grid = ["log_d1": (0..<8).map { span * (Double($0) + 0.5) / 8 }]
        let form = BrokenPowerLaw(variable: .compute, breaks: 1)
        var brokenFit = try LawFitter.fit(form, to: data, options: fitOptions)
        // A best fit whose break lies outside the data uses the break only to bend the curve
        // gently across it; the question is whether a break *inside* the data is needed, so
        // polish the best start that has one, if any.
        let within = { (d: Double) in d >= 1 && d <= x.max()! / reference }
        if !within(brokenFit.parameters[4]), let other = brokenFit.bestStarts.first(where: { within($0.parameters[4]) }) {
            let theta = zip(form.parameters, other.parameters).map { $0.fitting($1) }
            let polished = try LawFitter.fit(form, to: data, starts: [theta], options: fitOptions)
            if within(polished.parameters[4]) { brokenFit = polished }
        }
        fitOptions.grid = [:]
        let smoothFit = try LawFitter.fit(BrokenPowerLaw(variable: .compute, breaks: 0), to: data, options: fitOptions)
        let broken = candidate(brokenFit, reference: reference), smooth = candidate(smoothFit, reference: reference)
        let location = broken.parameters["d1"]!
        var interval: [Double]? = nil, refits = 0
        if let bootstrap, bootstrap.samples > 0 {
            let result = try Bootstrap.run(brokenFit, data: data, options: bootstrap, fitOptions: fitOptions)
            refits = result.samples.count
            interval = result.parameterIntervals["d1"].map { $0.map { $0 * reference } }
        }
        let gain = smooth.aicc - broken.aicc
        let inside = location >= x.min()! && location <= x.max()!
        let found = gain > threshold && inside
        let symbol = variable.symbol
        let verdict: String
        if found {
            verdict = "a break at \(symbol) ≈ \(short(location))"
                + (interval.map { " [\(short($0[0])), \(short($0[1]))]" } ?? "")
                + " (AICc \(short(gain)) lower than without a break)"
        } else if gain > threshold {
            verdict = "no break inside the data: the best break lies at \(symbol) ≈ \(short(location)), outside "
                + "[\(short(x.min()!)), \(short(x.max()!))]"
        } else {
            verdict = "no break needed (a break lowers AICc by \(short(gain)), not more than \(short(threshold)))"
        }
        return BreakDetection(variable: symbol, points: x.count, broken: broken, smooth: smooth, aiccGain: gain,
                              threshold: threshold, found: found, location: location, locationInterval: interval,
                              level: refits > 0 ? bootstrap?.level : nil, refits: refits, verdict: verdict)
    }

    /// `AICc = n·ln(RSS/n) + 2k + 2k(k+1)/(n−k−1)` from a fit's log RMSE, for `n > k + 1`.
    public static func aicc(rmseLog: Double, points n: Int, parameters k: Int) -> Double {
        let (n, k) = (Double(n), Double(k))
        let rss = max(rmseLog * rmseLog * n, 1e-300)
        return n * _log(rss / n) + 2 * k + 2 * k * (k + 1) / (n - k - 1)
    }

    static func candidate(_ fit: LawFit, reference: Double) -> Candidate {
        var named = fit.law.named
        // y = a + b·(x/ref)^−c0·…: in the caller's units b becomes b·ref^c0 and d1 becomes d1·ref.
        named["b"] = named["b"]! * _exp(named["c0"]! * _log(reference))
        if let d = named["d1"] { named["d1"] = d * reference }
        return Candidate(law: fit.formula.identifier, parameters: named, rmseLog: fit.rmseLog,
                         aicc: aicc(rmseLog: fit.rmseLog, points: fit.points, parameters: fit.formula.parameters.count),
                         status: fit.status.rawValue)
    }

    static func check(x: [Double], y: [Double], variable: ScaleVariable) throws {
        guard x.count == y.count else {
            throw FitError.badOption("break detection needs one value per point: \(x.count) scales, \(y.count) values")
        }
        guard x.count >= minimumPoints else {
            throw FitError.badOption("break detection needs at least \(minimumPoints) points (a broken power law has 6 "
                + "parameters), got \(x.count); add runs to the ladder")
        }
        if let i = x.indices.first(where: { !(x[$0] > 0 && x[$0].isFinite) }) {
            throw FitError.badOption("break detection needs a positive, finite \(variable.symbol) on every point; point \(i + 1) has \(x[i])")
        }
        if let i = y.indices.first(where: { !(y[$0] > 0 && y[$0].isFinite) }) {
            throw FitError.badOption("break detection fits log values, so every value must be positive and finite; point \(i + 1) has \(y[i])")
        }
    }

    /// `3.1e+14`, `0.25`: three significant digits.
    static func short(_ v: Double) -> String { String(format: "%.3g", v) }
}
