import RealModule

/// The compute frontier through IsoFLOP minima: `L*(C) = (C_c/C)^α_C`, Kaplan et al.'s L(C_min)
/// form (arXiv:2001.08361, eq. 1.3), fitted by least squares of log L* on log C over the
/// bracketed parabola vertices of approach 2.
///
/// Unlike approach 3 it has no irreducible term, so it cannot saturate: where the Chinchilla fit's
/// E is poorly determined (a ladder far above the data's entropy) the two bracket the truth from
/// either side, and a forecast shows both (see the demo). Kaplan's published α_C is 0.050 with
/// C_c ≈ 3.1e8 PF-days (docs/science.md, §Kaplan); a CPU ladder on bytes measures its own.
public struct FrontierFit: Sendable, Codable, Equatable {
    /// α_C: the loss falls as C^(−α_C).
    public var exponent: Double
    /// C_c in FLOPs: the compute at which the fitted frontier reaches a loss of 1.
    public var criticalCompute: Double
    /// Bootstrap percentile interval `[low, high]` of α_C (nil without a bootstrap).
    public var exponentInterval: [Double]?
    /// The vertices the line was fitted to, by increasing C.
    public var points: [FrontierPoint]
    /// Bootstrap refits as `[α_C, log C_c]`, for intervals of a predicted loss; not encoded.
    public var samples: [[Double]]? = nil

    enum CodingKeys: String, CodingKey { case exponent, criticalCompute, exponentInterval, points }

    /// L*(C) = (C_c/C)^α_C.
    public func loss(compute C: Double) -> Double { Double.pow(criticalCompute / C, exponent) }

    /// The `level` percentile interval of L*(C) over the bootstrap refits; nil without them.
    public func lossInterval(compute C: Double, level: Double = 0.9) -> [Double]? {
        guard let samples, !samples.isEmpty else { return nil }
        return percentileInterval(samples.map { Double.exp($0[0] * ($0[1] - Double.log(C))) }, level: level)
    }

    /// Fits the line through `points`; nil with fewer than two distinct C or a non-positive loss.
    public init?(points: [FrontierPoint]) {
        guard points.allSatisfy({ $0.loss > 0 && $0.loss.isFinite && $0.compute > 0 && $0.compute.isFinite }),
              let (slope, intercept) = leastSquaresLine(points.map { Double.log($0.compute) }, points.map { Double.log($0.loss) })
        else { return nil }
        // log L = intercept + slope·log C = α_C·(log C_c − log C)  ⇒  α_C = −slope, log C_c = intercept/α_C.
        guard slope < 0 else { return nil }
        exponent = -slope
        criticalCompute = Double.exp(intercept / exponent)
        self.points = points.sorted { $0.compute < $1.compute }
    }
}

/// One vertex of the frontier: a budget and the lowest loss its IsoFLOP parabola reaches.
public struct FrontierPoint: Sendable, Codable, Equatable {
    public var compute: Double
    public var loss: Double

    public init(compute: Double, loss: Double) {
        self.compute = compute
        self.loss = loss
    }
}

extension IsoFLOPAnalysis {
    /// The frontier through the bracketed vertices of `parabolas` (nil with fewer than two, or no
    /// fall in loss); the demo's back-test passes the lower budgets' parabolas only.
    public static func frontier(_ parabolas: [IsoFLOPParabola]) -> FrontierFit? {
        FrontierFit(points: parabolas.filter(\.bracketed).compactMap { p in
            p.minimumLoss.map { FrontierPoint(compute: p.compute, loss: $0) }
        })
    }
}
