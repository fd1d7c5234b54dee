import RealModule
import ScalingLaws

/// One run's learning curve as approach 1 reads it.
public struct LearningCurve: Sendable, Codable, Equatable {
    /// One point: validation loss after `tokens` training tokens.
    public struct Point: Sendable, Codable, Equatable {
        /// Training tokens seen so far.
        public var tokens: Double
        /// Validation loss at that point (nats per token).
        public var loss: Double

        public init(tokens: Double, loss: Double) {
            self.tokens = tokens
            self.loss = loss
        }
    }

    /// N: the run's parameters.
    public var parameters: Double
    /// Training FLOPs per token: 6·N in Chinchilla's approximation, or the exact count.
    public var flopsPerToken: Double
    /// Learning-rate warm-up length in tokens; points at or before it are dropped.
    public var warmupTokens: Double
    public var points: [Point]

    public init(parameters: Double, flopsPerToken: Double? = nil, warmupTokens: Double = 0, points: [Point]) {
        self.parameters = parameters
        self.flopsPerToken = flopsPerToken ?? 6 * parameters
        self.warmupTokens = warmupTokens
        self.points = points
    }

    /// The points approach 1 uses, by increasing tokens: after warm-up (docs/science.md, §Chinchilla approaches: points inside
    /// warm-up are noise), with a positive, finite loss.
    public var pointsAfterWarmup: [Point] {
        points.filter { $0.tokens > max(warmupTokens, 0) && $0.loss > 0 && $0.loss.isFinite }.sorted { $0.tokens < $1.tokens }
    }
}

/// Chinchilla's approach 1: the envelope of the learning curves and the power laws through it.
public struct EnvelopeAnalysis: Sendable, Codable, Equatable {
    /// FLOP counts, log-spaced over the curves' range.
    public var compute: [Double]
    /// The least loss of any run at each FLOP count.
    public var loss: [Double]
    /// N of the run achieving it.
    public var optimalParameters: [Double]
    /// Its tokens at that FLOP count: C / its FLOPs per token.
    public var optimalTokens: [Double]
    /// `N_opt = k_N·C^a`, `D_opt = k_D·C^b` through the envelope; nil unless 2+ sizes are on it.
    public var allocation: AllocationFit?

    /// a of N_opt ∝ C^a, if fitted.
    public var exponent: Double? { allocation?.a }
    /// k_N of N_opt = k_N·C^a, if fitted.
    public var coefficient: Double? { allocation?.nCoefficient }
    /// N_opt at C from the power law.
    public func optimalParameters(compute C: Double) -> Double? { allocation?.optimalParameters(compute: C) }
}

extension Approaches {
    /// Chinchilla's approach 1 (Hoffmann et al. 2022, arXiv:2203.15556, §3.1): from the learning
    /// curves of many sizes, the least loss over all runs at each FLOP count; the run on this
    /// envelope gives N_opt(C). Then `N_opt = k·C^a` (and D_opt) are fitted across the FLOP counts.
    ///
    /// Each point is placed at `C = flopsPerToken · tokens`, after dropping warm-up points. At
    /// `count` FLOP values log-spaced from the smallest to the largest C of any curve, the runs whose
    /// curve spans that C compete (loss interpolated linearly in log C between their points); a run
    /// that has not started or has already ended there does not. 40 values resolve an IsoFLOP
    /// ladder's sizes without the envelope jumping between neighbours on every value.
    ///
    /// With `bootstrap` resamples, the curves are drawn with replacement (a run drawn twice is one
    /// run on the envelope, so a resample is a random subset of the ladder), the envelope and its
    /// power laws are refitted, and `level` percentile intervals of a and b are set (resample s uses
    /// stream s of `seed`; a resample with fewer than two sizes on its envelope is skipped; fewer
    /// than 10 good ones give no interval).
    ///
    /// Nil unless two runs of different sizes have two or more points each.
    public static func envelope(_ curves: [LearningCurve], count: Int = 40,
                                bootstrap: Int = 0, level: Double = 0.9, seed: UInt64 = 0) -> EnvelopeAnalysis? {
        precondition(count >= 2 && bootstrap >= 0 && level > 0 && level < 1,
                     "envelope: count \(count) (at least 2), bootstrap \(bootstrap), level \(level)")
        guard var result = envelopeFit(curves, count: count) else { return nil }
        guard bootstrap > 0, result.allocation != nil else { return result }
        var a: [Double] = [], b: [Double] = []
        for s in 0..<bootstrap {
            var rng = SplitMix64(seed: seed, stream: UInt64(s))
            let resample = (0..<curves.count).map { _ in curves[Int.random(in: 0..<curves.count, using: &rng)] }
            guard let f = envelopeFit(resample, count: count)?.allocation else { continue }
            a.append(f.a)
            if let fb = f.b { b.append(fb) }
        }
        result.allocation!.aInterval = percentileInterval(a, level: level)
        result.allocation!.bInterval = result.allocation!.b == nil ? nil : percentileInterval(b, level: level)
        return result
    }

    /// The envelope and its power laws, without intervals.
    static func envelopeFit(_ curves: [LearningCurve], count: Int) -> EnvelopeAnalysis? {
        let runs = curves.compactMap { c -> (N: Double, fpt: Double, logC: [Double], loss: [Double])? in
            let pts = c.pointsAfterWarmup
            guard c.parameters > 0, c.flopsPerToken > 0, pts.count >= 2 else { return nil }
            return (c.parameters, c.flopsPerToken, pts.map { Double.log10(c.flopsPerToken * $0.tokens) }, pts.map(\.loss))
        }
        guard Set(runs.map(\.N)).count >= 2 else { return nil }
        let lo = runs.map { $0.logC.first! }.min()!, hi = runs.map { $0.logC.last! }.max()!
        guard hi > lo else { return nil }
        var C: [Double] = [], L: [Double] = [], N: [Double] = [], D: [Double] = []
        for k in 0..<count {
            let u = lo + (hi - lo) * Double(k) / Double(count - 1)
            var best: (loss: Double, N: Double, fpt: Double)? = nil
            for r in runs where u >= r.logC.first! - 1e-12 && u <= r.logC.last! + 1e-12 {
                let j = max(1, r.logC.firstIndex { $0 >= u } ?? r.logC.count - 1)
                let (u0, u1) = (r.logC[j - 1], r.logC[j])
                let f = u1 > u0 ? (u - u0) / (u1 - u0) : 0
                let loss = r.loss[j - 1] + f * (r.loss[j] - r.loss[j - 1])
                if best == nil || loss < best!.loss { best = (loss, r.N, r.fpt) }
            }
            if let best {
                let c = Double.pow(10, u)
                C.append(c); L.append(best.loss); N.append(best.N); D.append(c / best.fpt)
            }
        }
        let points = zip(zip(C, N), D).map { AllocationPoint(compute: $0.0, parameters: $0.1, tokens: $1) }
        return EnvelopeAnalysis(compute: C, loss: L, optimalParameters: N, optimalTokens: D, allocation: AllocationFit(points: points))
    }
}
