/// Where a paper was published: enough to find it and to cite it.
public struct Citation: Sendable, Codable, Equatable, Hashable {
    public var authors: String
    public var year: Int
    public var title: String
    public var arXiv: String

    public init(authors: String, year: Int, title: String, arXiv: String) {
        self.authors = authors
        self.year = year
        self.title = title
        self.arXiv = arXiv
    }

    /// `Hoffmann et al. 2022, "Training Compute-Optimal Large Language Models", arXiv:2203.15556`.
    public var text: String { "\(authors) \(year), \"\(title)\", arXiv:\(arXiv)" }
}

/// What a published allocation power law predicts.
public enum AllocatedQuantity: String, Sendable, Codable, Equatable, Hashable {
    /// N_opt: parameters.
    case parameters
    /// D_opt: training tokens.
    case tokens
    /// M_opt: non-embedding training FLOPs per token (DeepSeek's model scale).
    case flopsPerToken = "flops-per-token"
    /// η_opt: peak learning rate.
    case learningRate = "learning-rate"
    /// B_opt: batch size in tokens.
    case batchTokens = "batch-tokens"
}

/// One published power law in compute: `y = k·(C/unit)^e`.
public struct ComputePowerLaw: Sendable, Codable, Equatable, Hashable {
    public var quantity: AllocatedQuantity
    public var coefficient: Double
    public var exponent: Double
    /// FLOPs per unit of C in the published fit: 1 for FLOPs, 8.64e19 for PF-days.
    public var computeUnit: Double

    public init(_ quantity: AllocatedQuantity, coefficient: Double, exponent: Double, computeUnit: Double = 1) {
        self.quantity = quantity
        self.coefficient = coefficient
        self.exponent = exponent
        self.computeUnit = computeUnit
    }

    /// `k·(C/unit)^e` at `C` FLOPs.
    public func callAsFunction(_ compute: Double) -> Double {
        coefficient * _pow(compute / computeUnit, exponent)
    }
}

/// A published compute-optimal allocation without a loss law: N_opt(C), D_opt(C) and whatever
/// else the paper fits (learning rate, batch size).
///
/// N and D come from the published terms; a missing one follows from `C = 6·N·D`. When the
/// paper gives model scale as FLOPs per token M (DeepSeek LLM), we take `N = M/6`: M counts
/// 6 FLOPs per non-embedding parameter per token plus the attention term `6·L·T·d`
/// (arXiv:2401.02954, Eq. 2), so M/6 slightly overstates the non-embedding parameters of a
/// model with a long context.
public struct AllocationLaw: Sendable, Codable, Equatable {
    public var terms: [ComputePowerLaw]

    public init(_ terms: [ComputePowerLaw]) {
        self.terms = terms
        precondition(terms.contains { [.parameters, .tokens, .flopsPerToken].contains($0.quantity) },
                     "an allocation law needs N, D or M, got \(terms.map(\.quantity))")
    }

    public func term(_ q: AllocatedQuantity) -> ComputePowerLaw? { terms.first { $0.quantity == q } }

    /// The allocation at `compute` FLOPs.
    public func allocation(compute C: Double) -> Allocation {
        precondition(C > 0 && C.isFinite, "compute must be positive and finite, got \(C)")
        var N = term(.parameters).map { $0(C) } ?? term(.flopsPerToken).map { $0(C) / 6 }
        var D = term(.tokens).map { $0(C) }
        if N == nil, let D { N = C / (6 * D) }
        if D == nil, let N { D = C / (6 * N) }
        let extras = terms.filter { ![.parameters, .tokens].contains($0.quantity) }
            .map { Allocation.Extra(quantity: $0.quantity, value: $0(C)) }
        return Allocation(compute: C, parameters: N!, tokens: D!, extras: extras)
    }
}

/// N and D for a compute budget, from a published allocation law.
public struct Allocation: Sendable, Codable, Equatable {
    public struct Extra: Sendable, Codable, Equatable {
        public var quantity: AllocatedQuantity
        public var value: Double
    }

    public var compute: Double
    public var parameters: Double
    public var tokens: Double
    /// Other published predictions at this budget (M_opt, η_opt, B_opt).
    public var extras: [Extra]

    public var tokensPerParameter: Double { tokens / parameters }
    /// `6·N·D / C`: 1 when the law's N and D are consistent with C = 6ND.
    public var computeConsistency: Double { 6 * parameters * tokens / compute }
}
