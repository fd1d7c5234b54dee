import RealModule
import ScalingLaws

/// One finished run as approach 2 reads it.
public struct IsoFLOPRun: Sendable, Codable, Equatable {
    /// N: parameters.
    public var parameters: Double
    /// D: training tokens; gives D_opt at each vertex (nil: no D_opt).
    public var tokens: Double?
    /// C: the compute budget the run belongs to (a ladder's planned budget, or the run's FLOPs).
    public var compute: Double
    /// Final held-out loss.
    public var loss: Double

    public init(parameters: Double, tokens: Double? = nil, compute: Double, loss: Double) {
        self.parameters = parameters
        self.tokens = tokens
        self.compute = compute
        self.loss = loss
    }
}

/// One compute budget: its runs and the parabola `loss ≈ c0 + c1·u + c2·u²`, u = log10 N.
public struct IsoFLOPParabola: Sendable, Codable, Equatable {
    /// The budget: the geometric mean of its runs' C.
    public var compute: Double
    /// The runs' N and loss, in order of increasing (C, N).
    public var parameters: [Double]
    public var losses: [Double]
    /// `[c0, c1, c2]` in u = log10 N: the parabola over every run (`VertexMethod.parabola` and
    /// `.spline`, for which it is only drawn) or over the window's runs (`.window`).
    public var coefficients: [Double]
    /// N at the minimum: the vertex `10^(−c1/(2·c2))` of an upward-opening parabola, or the
    /// spline's least point; nil when the parabola opens downwards.
    public var optimalParameters: Double?
    /// D at the vertex: log10 D regressed linearly on log10 N over the budget's runs, which is exact
    /// along an IsoFLOP under any FLOP accounting linear in D (nil when a run has no D).
    public var optimalTokens: Double?
    /// The parabola's (or spline's) value at the minimum.
    public var minimumLoss: Double?
    /// Whether the minimum lies within the sizes trained (for the spline: strictly inside them,
    /// not at an end); an extrapolated vertex is biased and is left out of the power law.
    public var bracketed: Bool

    /// The parabola at N.
    public func loss(at N: Double) -> Double {
        let u = Double.log10(N)
        return coefficients[0] + coefficients[1] * u + coefficients[2] * u * u
    }
}

/// One IsoFLOP budget as the analysis saw it: whether its minimum entered the power law, and why not.
public struct IsoFLOPBudget: Sendable, Codable, Equatable {
    /// Why a budget was or was not used.
    public enum Status: String, Sendable, Codable, Equatable {
        /// Its minimum is one of the power law's points.
        case used
        /// Fewer distinct sizes than `minimumSizes`: no parabola was fitted.
        case tooFewSizes
        /// The parabola opens downwards (or is flat): it has no minimum.
        case opensDownwards
        /// The vertex lies outside the sizes trained (extrapolated, so biased).
        case vertexOutside
        /// The spline's least value is at the smallest or largest size: the minimum was not bracketed.
        case minimumAtEdge
        /// Enough sizes, but no curve could be fitted through them (a singular least-squares system).
        case noFit
    }

    /// The budget: the geometric mean of its runs' C.
    public var compute: Double
    /// Its distinct sizes.
    public var sizes: Int
    /// The smallest N trained at it.
    public var smallest: Double
    /// The largest N trained at it.
    public var largest: Double
    /// N at the minimum found, if any (outside `smallest…largest` for `vertexOutside`).
    public var vertex: Double?
    public var status: Status

    /// Whether the budget's minimum entered the power law.
    public var used: Bool { status == .used }
}

/// Chinchilla's approach 2: the parabolas and the power laws through their bracketed vertices.
public struct IsoFLOPAnalysis: Sendable, Codable, Equatable {
    /// How each budget's minimum was found.
    public var vertex: VertexMethod = .default
    /// Every budget with at least `minimumSizes` sizes, by increasing C.
    public var parabolas: [IsoFLOPParabola]
    /// Every budget found, by increasing C, used or not and why (those with too few sizes too).
    public var budgets: [IsoFLOPBudget] = []
    /// `N_opt = k_N·C^a` (and `D_opt = k_D·C^b`) over the bracketed vertices; nil with fewer than 2.
    public var allocation: AllocationFit?
    /// The compute frontier `L*(C) = (C_c/C)^α_C` through the same bracketed vertices; nil with fewer than 2.
    public var frontier: FrontierFit?

    /// a of N_opt ∝ C^a, if fitted.
    public var exponent: Double? { allocation?.a }
    /// k_N of N_opt = k_N·C^a, if fitted.
    public var coefficient: Double? { allocation?.nCoefficient }
    /// N_opt at C from the power law.
    public func optimalParameters(compute C: Double) -> Double? { allocation?.optimalParameters(compute: C) }

    /// An analysis with these parts.
    public init(vertex: VertexMethod = .default, parabolas: [IsoFLOPParabola], budgets: [IsoFLOPBudget] = [],
                allocation: AllocationFit?, frontier: FrontierFit?) {
        self.vertex = vertex
        self.parabolas = parabolas
        self.budgets = budgets
        self.allocation = allocation
        self.frontier = frontier
    }

    enum CodingKeys: String, CodingKey { case vertex, parabolas, budgets, allocation, frontier }

    /// Decodes an analysis; one written before the vertex methods (no `vertex`, no `budgets`)
    /// reads as a parabola analysis with no budget list.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        vertex = try c.decodeIfPresent(VertexMethod.self, forKey: .vertex) ?? .parabola
        parabolas = try c.decode([IsoFLOPParabola].self, forKey: .parabolas)
        budgets = try c.decodeIfPresent([IsoFLOPBudget].self, forKey: .budgets) ?? []
        allocation = try c.decodeIfPresent(AllocationFit.self, forKey: .allocation)
        frontier = try c.decodeIfPresent(FrontierFit.self, forKey: .frontier)
    }
}

extension Approaches {
    /// Chinchilla's approach 2 (Hoffmann et al. 2022, arXiv:2203.15556, §3.2): at each compute
    /// budget fit a parabola of loss against log N; its vertex is N_opt(C); then fit
    /// `log N_opt = log k + a·log C` across budgets.
    ///
    /// Runs whose C agrees within `tolerance` (|ln C/C₀| against the smallest C of the group) form
    /// one budget; a budget needs `minimumSizes` distinct N (4 by default: three points always lie on
    /// a parabola, so a fourth is the first that can disagree). Biased when a budget's sizes are not
    /// centred on its optimum (docs/science.md, §Chinchilla approaches): a vertex outside the sizes trained is kept but not
    /// `bracketed`, and left out of the power law. Runs with a non-positive or non-finite N, C or
    /// loss are skipped. `vertex` chooses how each budget's minimum is found (`VertexMethod`);
    /// `budgets` of the result says which budgets were used and why the others were not.
    ///
    /// With `bootstrap` resamples, runs are drawn with replacement within each budget, everything is
    /// refitted, and `level` percentile intervals of a and b are set (resample b uses stream b of
    /// `seed`; a resampled budget needs only the 3 distinct sizes of a parabola; a resample without
    /// two bracketed vertices is skipped; fewer than 10 good ones give no interval).
    public static func isoFLOP(_ runs: [IsoFLOPRun], tolerance: Double = 0.01, minimumSizes: Int = 4,
                               vertex: VertexMethod = .default,
                               bootstrap: Int = 0, level: Double = 0.9, seed: UInt64 = 0) -> IsoFLOPAnalysis {
        precondition(minimumSizes >= 3, "a parabola needs at least 3 sizes, got minimumSizes = \(minimumSizes)")
        precondition(tolerance >= 0 && bootstrap >= 0 && level > 0 && level < 1,
                     "isoFLOP: tolerance \(tolerance), bootstrap \(bootstrap), level \(level)")
        if case let .window(k) = vertex { precondition(k >= 3, "a window needs at least 3 sizes, got \(k)") }
        let all = budgets(runs, tolerance: tolerance)
        let groups = all.filter { Set($0.map(\.parameters)).count >= minimumSizes }
        var result = fit(groups, vertex: vertex)
        result.budgets = all.map { g in
            let sizes = Set(g.map(\.parameters))
            let C = Double.exp(g.map { Double.log($0.compute) }.reduce(0, +) / Double(g.count))
            var b = IsoFLOPBudget(compute: C, sizes: sizes.count, smallest: sizes.min()!, largest: sizes.max()!,
                                  vertex: nil, status: .tooFewSizes)
            guard sizes.count >= minimumSizes else { return b }
            guard let p = result.parabolas.first(where: { $0.parameters == g.map(\.parameters) && $0.compute == C }) else {
                b.status = .noFit
                return b
            }
            b.vertex = p.optimalParameters
            b.status = p.bracketed ? .used : p.optimalParameters == nil ? .opensDownwards
                : vertex == .spline ? .minimumAtEdge : .vertexOutside
            return b
        }
        guard bootstrap > 0, result.allocation != nil else { return result }
        var a: [Double] = [], b: [Double] = [], frontier: [[Double]] = []
        for s in 0..<bootstrap {
            var rng = SplitMix64(seed: seed, stream: UInt64(s))
            let resample = groups.map { g in (0..<g.count).map { _ in g[Int.random(in: 0..<g.count, using: &rng)] } }
            let refit = fit(resample, vertex: vertex)
            guard let f = refit.allocation else { continue }
            a.append(f.a)
            if let fb = f.b { b.append(fb) }
            if let fr = refit.frontier { frontier.append([fr.exponent, Double.log(fr.criticalCompute)]) }
        }
        result.allocation!.aInterval = percentileInterval(a, level: level)
        result.allocation!.bInterval = result.allocation!.b == nil ? nil : percentileInterval(b, level: level)
        result.frontier?.exponentInterval = percentileInterval(frontier.map { $0[0] }, level: level)
        result.frontier?.samples = frontier
        return result
    }

    /// Usable runs sorted by (C, N), grouped by C within `tolerance`.
    static func budgets(_ runs: [IsoFLOPRun], tolerance: Double) -> [[IsoFLOPRun]] {
        let usable = runs.filter { r in
            [r.parameters, r.compute, r.loss].allSatisfy { $0 > 0 && $0.isFinite }
        }.sorted { ($0.compute, $0.parameters) < ($1.compute, $1.parameters) }
        var groups: [[IsoFLOPRun]] = []
        for r in usable {
            if let first = groups.last?.first, abs(Double.log(r.compute / first.compute)) <= tolerance {
                groups[groups.count - 1].append(r)
            } else {
                groups.append([r])
            }
        }
        return groups
    }

    /// A parabola per group (a resampled group may have too few distinct sizes: no parabola) and
    /// the power laws through the bracketed vertices.
    static func fit(_ groups: [[IsoFLOPRun]], vertex: VertexMethod) -> IsoFLOPAnalysis {
        let parabolas = groups.compactMap { parabola($0, vertex: vertex) }
        let points = parabolas.filter(\.bracketed).map {
            AllocationPoint(compute: $0.compute, parameters: $0.optimalParameters!, tokens: $0.optimalTokens)
        }
        return IsoFLOPAnalysis(vertex: vertex, parabolas: parabolas, allocation: points.count >= 2 ? AllocationFit(points: points) : nil,
                               frontier: IsoFLOPAnalysis.frontier(parabolas))
    }

    /// One budget's minimum by `vertex`; nil with fewer than 3 distinct sizes (a resampled budget).
    static func parabola(_ g: [IsoFLOPRun], vertex: VertexMethod = .parabola) -> IsoFLOPParabola? {
        let C = Double.exp(g.map { Double.log($0.compute) }.reduce(0, +) / Double(g.count))
        let u = g.map { Double.log10($0.parameters) }, losses = g.map(\.loss)
        guard let all = leastSquaresQuadratic(u, losses) else { return nil }
        var p = IsoFLOPParabola(compute: C, parameters: g.map(\.parameters), losses: losses, coefficients: all,
                                optimalParameters: nil, optimalTokens: nil, minimumLoss: nil, bracketed: false)
        let uStar: Double
        switch vertex {
        case .parabola, .window:
            var c = all
            if case let .window(k) = vertex {
                // The k distinct sizes around the best run's, shifted inwards at the ends.
                let sizes = Set(u).sorted()
                let best = u[losses.indices.min { losses[$0] < losses[$1] }!]
                let rank = sizes.firstIndex(of: best)!
                let width = min(k, sizes.count)
                let start = min(max(0, rank - width / 2), sizes.count - width)
                let kept = Set(sizes[start..<(start + width)])
                let inside = u.indices.filter { kept.contains(u[$0]) }
                guard let w = leastSquaresQuadratic(inside.map { u[$0] }, inside.map { losses[$0] }) else { return p }
                c = w
                p.coefficients = w
            }
            guard c[2] > 0 else { return p }
            uStar = -c[1] / (2 * c[2])
            p.minimumLoss = c[0] + c[1] * uStar + c[2] * uStar * uStar
            p.bracketed = uStar >= u.min()! && uStar <= u.max()!
        case .spline:
            guard let spline = SmoothingSpline(x: u, y: losses) else { return nil }
            let m = spline.minimum
            uStar = m.x
            p.minimumLoss = m.value
            // At an end the spline only says the minimum is beyond it.
            let margin = 1e-9 * max(1, u.max()! - u.min()!)
            p.bracketed = uStar > u.min()! + margin && uStar < u.max()! - margin
        }
        p.optimalParameters = Double.pow(10, uStar)
        let tokens = g.compactMap(\.tokens).filter { $0 > 0 && $0.isFinite }
        if tokens.count == g.count, let line = leastSquaresLine(u, tokens.map { Double.log10($0) }) {
            p.optimalTokens = Double.pow(10, line.intercept + line.slope * uStar)
        }
        return p
    }
}

/// Chinchilla's approaches 1 and 2 as pure functions over plain inputs (approach 3 is
/// `LawFitter.fit(ChinchillaLaw(), …)`).
public enum Approaches {}
