/// A law the planner can answer questions with, whatever it came from: the catalog, or a fit.
public enum PlanningLaw: Sendable {
    /// `L = E + A/N^α + B/D^β`: closed-form allocation, inverse, inference-aware planning.
    case chinchilla(ChinchillaParameters)
    /// Muennighoff et al.'s law: everything Chinchilla answers, plus limited unique data.
    case dataConstrained(DataConstrainedParameters)
    /// Kaplan et al.'s L(C) with their published allocation N_opt(C).
    case kaplan(lossOfCompute: Law, allocation: AllocationLaw)
    /// An allocation-only law (no loss): N_opt(C), D_opt(C) and published extras.
    case allocation(AllocationLaw)

    /// The planning law of a catalog entry.
    public init(_ published: PublishedLaw) {
        if let law = published.law, law.formula is DataConstrainedLaw {
            self = .dataConstrained(DataConstrainedParameters(law.parameters))
        } else if let p = published.chinchillaParameters {
            self = .chinchilla(p)
        } else if let c = published.laws.first(where: { ($0.formula as? KaplanPowerLaw)?.variable == .compute }),
                  let a = published.allocation {
            self = .kaplan(lossOfCompute: c, allocation: a)
        } else if let a = published.allocation {
            self = .allocation(a)
        } else {
            preconditionFailure("catalog entry \(published.identifier) has neither a plannable law nor an allocation")
        }
    }

    /// The planning law of a fitted law: Chinchilla's form (tied exponents or not) or the
    /// data-constrained form.
    public init(_ law: Law) throws(PlanningError) {
        switch law.formula {
        case let d as DataConstrainedLaw: self = .dataConstrained(DataConstrainedParameters(d.untied(law.parameters)))
        case is ChinchillaLaw: self = .chinchilla(ChinchillaParameters(law)!)
        default: throw .unsupported(law: law.identifier, request: "compute-optimal planning (use chinchilla, chinchilla-tied or data-constrained)")
        }
    }

    /// The Chinchilla constants, when the law has them.
    public var chinchilla: ChinchillaParameters? {
        switch self {
        case .chinchilla(let p): p
        case .dataConstrained(let p): p.chinchilla
        case .kaplan, .allocation: nil
        }
    }
}

/// What to plan: a budget, and optionally a target loss, a supply of unique tokens, and the
/// lifetime inference tokens.
public struct PlanRequest: Sendable, Codable, Equatable {
    public var compute: Double
    public var targetLoss: Double?
    public var uniqueTokens: Double?
    public var inferenceTokens: Double?

    public init(compute: Double, targetLoss: Double? = nil, uniqueTokens: Double? = nil, inferenceTokens: Double? = nil) {
        self.compute = compute
        self.targetLoss = targetLoss
        self.uniqueTokens = uniqueTokens
        self.inferenceTokens = inferenceTokens
    }
}

/// Everything `scalelab plan` reports; a section is nil when it was not asked for or the law
/// cannot answer it.
public struct PlanReport: Sendable, Codable, Equatable {
    public var law: String
    public var citation: Citation?
    public var parameterConvention: String
    public var request: PlanRequest
    /// The compute-optimal model at the budget (unlimited data).
    public var computeOptimal: ComputeOptimalPlan?
    /// The least compute reaching the target loss.
    public var target: ComputeOptimalPlan?
    public var dataConstrained: DataConstrainedPlan?
    public var inferenceAware: InferenceAwarePlan?
    public var kaplan: KaplanPlan?
    public var allocation: Allocation?
    public var notes: [String]
}

public enum Planner {
    /// Answers a request with a law. `name`, `citation` and `parameterConvention` label the report.
    ///
    /// With a Chinchilla law and `uniqueTokens`, the data-constrained plan uses the law's E, A,
    /// B, α, β with Muennighoff et al.'s C4 decay constants R_D*, R_N* (a note says so).
    /// Inference-aware planning targets `targetLoss`, or else the compute-optimal loss at the budget.
    public static func plan(_ request: PlanRequest, law: PlanningLaw, name: String, citation: Citation? = nil,
                            parameterConvention: String = "total") throws(PlanningError) -> PlanReport {
        try PlanningError.check("compute", request.compute)
        var report = PlanReport(law: name, citation: citation, parameterConvention: parameterConvention,
                                request: request, notes: [])
        switch law {
        case .chinchilla, .dataConstrained:
            let p = law.chinchilla!
            report.computeOptimal = try p.computeOptimalPlan(compute: request.compute)
            if let ell = request.targetLoss { report.target = try p.minimumCompute(targetLoss: ell) }
            if let U = request.uniqueTokens {
                let dc: DataConstrainedParameters
                if case .dataConstrained(let q) = law { dc = q } else {
                    let m = DataConstrainedParameters(PublishedLaws.muennighoff2023)
                    dc = DataConstrainedParameters(chinchilla: p, repeatedTokenDecay: m.repeatedTokenDecay,
                                                   excessParameterDecay: m.excessParameterDecay)
                    report.notes.append("data-constrained plan: this law's E, A, B, alpha, beta with Muennighoff et al. "
                                        + "2023's R_D* = \(m.repeatedTokenDecay), R_N* = \(m.excessParameterDecay)")
                }
                report.dataConstrained = try dc.optimalAllocation(compute: request.compute, uniqueTokens: U)
            }
            if let Dinf = request.inferenceTokens {
                let ell = request.targetLoss ?? report.computeOptimal!.loss
                if request.targetLoss == nil {
                    report.notes.append("inference-aware plan targets the compute-optimal loss at the budget, \(ell)")
                }
                if case .dataConstrained = law {
                    report.notes.append("inference-aware plan uses the law's Chinchilla part (unlimited unique data)")
                }
                report.inferenceAware = try p.inferenceAwarePlan(targetLoss: ell, inferenceTokens: Dinf)
            }
        case let .kaplan(lossOfCompute, allocation):
            try rejectExtras(request, law: name, allowTarget: true)
            report.kaplan = try KaplanPlan(compute: request.compute, lossOfCompute: lossOfCompute,
                                           allocation: allocation, targetLoss: request.targetLoss)
            report.allocation = allocation.allocation(compute: request.compute)
            report.notes.append("Kaplan et al.'s N is non-embedding and their L(C) assumes compute-efficient training "
                                + "(not trained to convergence); D = C/(6N)")
        case let .allocation(a):
            try rejectExtras(request, law: name, allowTarget: false)
            report.allocation = a.allocation(compute: request.compute)
        }
        return report
    }

    static func rejectExtras(_ r: PlanRequest, law: String, allowTarget: Bool) throws(PlanningError) {
        if r.targetLoss != nil, !allowTarget {
            throw .unsupported(law: law, request: "--target-loss (it publishes no loss law)")
        }
        if r.uniqueTokens != nil { throw .unsupported(law: law, request: "--unique-tokens (use muennighoff2023 or a Chinchilla law)") }
        if r.inferenceTokens != nil { throw .unsupported(law: law, request: "--inference-tokens (use a Chinchilla law)") }
    }
}
