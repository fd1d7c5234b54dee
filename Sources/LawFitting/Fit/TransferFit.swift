import Foundation
import ScalingLaws

/// Measuring and fitting transfer (Hernandez et al. 2021, `TransferLaw`): the effective data a
/// fine-tuned model is worth, read off the from-scratch curve of its size, and the fit of
/// `D_T = k·D_F^α·N^β` to such measurements.
public enum TransferFit {
    /// Where a fine-tuned loss falls on a from-scratch curve.
    public struct EffectiveData: Sendable, Codable, Equatable {
        /// How `tokens` bounds the effective data D_E.
        public enum Bound: String, Sendable, Codable {
            /// D_E = tokens, interpolated between two from-scratch runs.
            case equal
            /// D_E ≤ tokens: the smallest from-scratch run already reached the loss.
            case atMost = "at-most"
            /// D_E > tokens: no from-scratch run reached the loss (the largest's tokens).
            case moreThan = "more-than"
        }

        /// The tokens that give or bound D_E.
        public var tokens: Double
        /// How they bound it.
        public var bound: Bound
    }

    /// The effective data D_E of a model of loss `loss`: the tokens a from-scratch model of the
    /// same size needs to reach it, read off `scratch` (its final losses after training on each
    /// number of tokens, each run with its own schedule).
    ///
    /// The curve is first made monotone (a from-scratch run that did no better than one on fewer
    /// tokens is passed over), then interpolated linearly in log D and log L between the two runs
    /// that bracket `loss`. Outside the measured range it
    /// is not extrapolated: the result is a bound (`atMost` the smallest D, `moreThan` the largest).
    public static func effectiveData(loss: Double, scratch: [(tokens: Double, loss: Double)]) throws -> EffectiveData {
        let curve = scratch.filter { $0.tokens.isFinite && $0.tokens > 0 && $0.loss.isFinite && $0.loss > 0 }.sorted { $0.tokens < $1.tokens }
        guard !curve.isEmpty else {
            throw FitError.badOption("the from-scratch curve has no run with positive, finite tokens and loss; train the from-scratch runs first")
        }
        guard loss.isFinite, loss > 0 else { throw FitError.badOption("a fine-tuned loss must be positive and finite, got \(loss)") }
        // The runs that did better than every run on fewer tokens: a model of this size reached
        // each of their losses with that many tokens (a run that did no better is passed over).
        var kept: [(tokens: Double, loss: Double)] = []
        for p in curve where p.loss < (kept.last?.loss ?? .infinity) { kept.append(p) }
        guard let i = kept.firstIndex(where: { $0.loss <= loss }) else { return EffectiveData(tokens: curve.last!.tokens, bound: .moreThan) }
        if i == 0 { return EffectiveData(tokens: kept[0].tokens, bound: .atMost) }
        // kept[i − 1].loss > loss ≥ kept[i].loss: interpolate in log–log.
        let (l0, l1) = (log(kept[i - 1].loss), log(kept[i].loss))
        let t = (l0 - log(loss)) / (l0 - l1)
        let (d0, d1) = (log(kept[i - 1].tokens), log(kept[i].tokens))
        return EffectiveData(tokens: exp(d0 + t * (d1 - d0)), bound: .equal)
    }

    /// One measurement of transfer: a model of `parameters` N (non-embedding) fine-tuned on
    /// `fineTuningTokens` D_F, worth `transferred` D_T = D_E − D_F tokens more.
    public struct Point: Sendable, Codable, Equatable {
        public var fineTuningTokens: Double, parameters: Double, transferred: Double
        public init(fineTuningTokens: Double, parameters: Double, transferred: Double) {
            self.fineTuningTokens = fineTuningTokens
            self.parameters = parameters
            self.transferred = transferred
        }
    }

    /// The fitted law with its bootstrap.
    public struct Result: Sendable, Codable, Equatable {
        /// The least-squares constants.
        public var law: TransferLaw
        /// Percentile intervals `[low, high]` of k, α and β over the bootstrap (nil without one,
        /// or with fewer than 10 usable resamples).
        public var kInterval: [Double]?, alphaInterval: [Double]?, betaInterval: [Double]?
        /// The RMSE of log D_T (natural log).
        public var rmseLog: Double
        /// Points fitted, and resamples that gave a fit (a resample of one size or one D_F cannot).
        public var points: Int, resamples: Int
    }

    /// Fits `log D_T = log k + α log D_F + β log N` to `points` by least squares (the law is a
    /// plane in logs), then `bootstrap` case resamples of the points for percentile intervals at
    /// `level`. Needs at least 4 points with positive D_T, two or more D_F and two or more N.
    public static func fit(_ points: [Point], bootstrap: Int, level: Double, seed: UInt64) throws -> Result {
        guard points.allSatisfy({ [$0.fineTuningTokens, $0.parameters, $0.transferred].allSatisfy { $0.isFinite && $0 > 0 } }) else {
            throw FitError.badOption("every transfer measurement needs positive, finite D_F, N and D_T (no transfer cannot be fitted in logs)")
        }
        guard points.count >= 4, Set(points.map(\.fineTuningTokens)).count >= 2, Set(points.map(\.parameters)).count >= 2 else {
            throw FitError.tooFewPoints(law: "D_T = k·D_F^α·N^β (with 2 or more D_F and 2 or more N)", parameters: 3, points: points.count)
        }
        guard bootstrap >= 0, level > 0, level < 1 else { throw FitError.badOption("bootstrap must be >= 0 and level in (0, 1)") }
        guard let c = plane(points) else {
            throw FitError.badOption("the transfer measurements do not determine k, α and β (D_F and N vary together); vary them apart")
        }
        let rmse = (points.map { p in
            let r = log(p.transferred) - (c[0] + c[1] * log(p.fineTuningTokens) + c[2] * log(p.parameters))
            return r * r
        }.reduce(0, +) / Double(points.count)).squareRoot()
        var samples: [[Double]] = []
        var rng = SplitMix64(seed: seed)
        for _ in 0..<bootstrap {
            let resample = (0..<points.count).map { _ in points[Int(rng.next() % UInt64(points.count))] }
            if let s = plane(resample) { samples.append(s) }
        }
        let interval = { (values: [Double]) in samples.count >= 10 ? BootstrapResult.percentileInterval(values, level: level) : nil }
        return Result(law: TransferLaw(k: exp(c[0]), alpha: c[1], beta: c[2]),
                      kInterval: interval(samples.map { exp($0[0]) }), alphaInterval: interval(samples.map { $0[1] }),
                      betaInterval: interval(samples.map { $0[2] }), rmseLog: rmse, points: points.count, resamples: samples.count)
    }

    /// The least-squares plane `[log k, α, β]` through the points in logs, solved from the normal
    /// equations in centred variables; nil when they do not determine it.
    static func plane(_ points: [Point]) -> [Double]? {
        let x = points.map { log($0.fineTuningTokens) }, n = points.map { log($0.parameters) }, y = points.map { log($0.transferred) }
        let m = Double(points.count)
        let (mx, mn, my) = (x.reduce(0, +) / m, n.reduce(0, +) / m, y.reduce(0, +) / m)
        var sxx = 0.0, snn = 0.0, sxn = 0.0, sxy = 0.0, sny = 0.0
        for i in points.indices {
            let (a, b, c) = (x[i] - mx, n[i] - mn, y[i] - my)
            sxx += a * a; snn += b * b; sxn += a * b; sxy += a * c; sny += b * c
        }
        let det = sxx * snn - sxn * sxn
        guard det > 1e-12 * max(1, sxx * snn) else { return nil }
        let alpha = (sxy * snn - sny * sxn) / det
        let beta = (sny * sxx - sxy * sxn) / det
        return [my - alpha * mx - beta * mn, alpha, beta]
    }
}
