import Foundation

/// Chinchilla's approach 1 (Hoffmann et al. 2022, arXiv:2203.15556, §3.1): from the learning
/// curves of many sizes, the least loss over all runs at each FLOP count; the run on this
/// envelope gives N_opt(C). Then `N_opt = k·C^a` is fitted across the FLOP counts.
///
/// Each curve point is placed at `C = 6·N·D_seen`; a run's loss between its points is
/// interpolated linearly in log C. The store drops warm-up points before they get here.
public struct EnvelopeAnalysis: Sendable, Codable, Equatable {
    /// FLOP counts (log-spaced over the curves' range).
    public var compute: [Double]
    /// The least loss of any run at each FLOP count.
    public var loss: [Double]
    /// N of the run achieving it.
    public var optimalParameters: [Double]
    public var exponent: Double?
    public var coefficient: Double?

    public func optimalParameters(compute C: Double) -> Double? {
        guard let a = exponent, let k = coefficient else { return nil }
        return k * pow(C, a)
    }

    /// Nil with fewer than two runs of different sizes having curves of two or more points.
    public init?(curves: [(parameters: Double, points: [ReportRun.CurvePoint])], bins: Int = 40) {
        let runs = curves.compactMap { c -> (N: Double, logC: [Double], loss: [Double])? in
            let pts = c.points.filter { $0.tokens > 0 && $0.loss > 0 && $0.loss.isFinite }.sorted { $0.tokens < $1.tokens }
            guard c.parameters > 0, pts.count >= 2 else { return nil }
            return (c.parameters, pts.map { log10(6 * c.parameters * $0.tokens) }, pts.map(\.loss))
        }
        guard Set(runs.map(\.N)).count >= 2 else { return nil }
        let lo = runs.map { $0.logC.first! }.min()!, hi = runs.map { $0.logC.last! }.max()!
        guard hi > lo else { return nil }
        var C: [Double] = [], L: [Double] = [], N: [Double] = []
        for k in 0..<bins {
            let u = lo + (hi - lo) * Double(k) / Double(bins - 1)
            var best: (loss: Double, N: Double)? = nil
            for r in runs where u >= r.logC.first! - 1e-12 && u <= r.logC.last! + 1e-12 {
                let j = max(1, r.logC.firstIndex { $0 >= u } ?? r.logC.count - 1)
                let (u0, u1) = (r.logC[j - 1], r.logC[j])
                let f = u1 > u0 ? (u - u0) / (u1 - u0) : 0
                let loss = r.loss[j - 1] + f * (r.loss[j] - r.loss[j - 1])
                if best == nil || loss < best!.loss { best = (loss, r.N) }
            }
            if let best { C.append(pow(10, u)); L.append(best.loss); N.append(best.N) }
        }
        compute = C
        loss = L
        optimalParameters = N
        if Set(N).count >= 2, let (slope, intercept) = IsoFLOPAnalysis.line(C.map(log10), N.map(log10)) {
            exponent = slope
            coefficient = pow(10, intercept)
        }
    }
}
