/// One published scaling law: its citation, its loss laws (if any), its allocation (if any),
/// and what its N counts. The constants live here and nowhere else.
public struct PublishedLaw: Sendable {
    /// Identifier for `--law`, e.g. `hoffmann2022`.
    public var identifier: String
    public var citation: Citation
    /// The loss laws the paper publishes, the main one first (empty for allocation-only laws).
    public var laws: [Law]
    /// A published allocation N_opt(C), D_opt(C) that is not derived from `laws`.
    public var allocation: AllocationLaw?
    /// What N counts: `total` (embeddings included) or `non-embedding`.
    public var parameterConvention: String
    /// One line on where the numbers come from and what to watch for.
    public var note: String
    /// Published exponents a of N_opt ∝ C^a by fitting method (`approach-1`, …), when the paper
    /// gives several.
    public var allocationExponents: [String: Double] = [:]

    /// The main loss law, if the paper publishes one.
    public var law: Law? { laws.first }

    /// The five Chinchilla constants, when the main law is Chinchilla's form or contains it
    /// (the data-constrained law reduces to Chinchilla's with unlimited unique data).
    public var chinchillaParameters: ChinchillaParameters? {
        law.flatMap(ChinchillaParameters.init)
    }
}

/// The catalog of published laws, by `--law` identifier.
public enum PublishedLaws {
    /// 1 PF-day = 10^15 FLOP/s × 86,400 s = 8.64e19 FLOPs (Kaplan et al. 2020 quote compute in PF-days).
    public static let flopsPerPetaflopDay = 8.64e19

    public static let kaplan2020Citation = Citation(
        authors: "Kaplan et al.", year: 2020, title: "Scaling Laws for Neural Language Models", arXiv: "2001.08361")
    public static let hoffmann2022Citation = Citation(
        authors: "Hoffmann et al.", year: 2022, title: "Training Compute-Optimal Large Language Models",
        arXiv: "2203.15556")
    public static let epoch2024Citation = Citation(
        authors: "Besiroglu, Erdil, Barnett, You (Epoch AI)", year: 2024,
        title: "Chinchilla Scaling: A replication attempt", arXiv: "2404.10102")
    public static let muennighoff2023Citation = Citation(
        authors: "Muennighoff et al.", year: 2023, title: "Scaling Data-Constrained Language Models",
        arXiv: "2305.16264")
    public static let deepseek2024Citation = Citation(
        authors: "DeepSeek-AI (Bi et al.)", year: 2024,
        title: "DeepSeek LLM: Scaling Open-Source Language Models with Longtermism", arXiv: "2401.02954")
    public static let llama3Citation = Citation(
        authors: "Llama Team, AI @ Meta (Grattafiori et al.)", year: 2024, title: "The Llama 3 Herd of Models",
        arXiv: "2407.21783")
    public static let sardana2023Citation = Citation(
        authors: "Sardana et al.", year: 2023,
        title: "Beyond Chinchilla-Optimal: Accounting for Inference in Language Model Scaling Laws",
        arXiv: "2401.00448")

    /// Hoffmann et al. 2022, approach 3, as rounded in the paper (Eq. 10): E, A, B, α, β.
    public static let hoffmann2022 = ChinchillaParameters(E: 1.69, A: 406.4, B: 410.7, alpha: 0.34, beta: 0.28)
    /// Hoffmann et al. 2022, Table 2: the exponent a of N_opt ∝ C^a by approach (1: envelope of
    /// training curves, 2: IsoFLOP profiles, 3: parametric fit of L(N, D)); b = 1 − a.
    public static let hoffmann2022ApproachExponents: [String: Double] = [
        "approach-1": 0.50, "approach-2": 0.49, "approach-3": 0.46,
    ]
    /// Epoch AI's 2024 re-fit of Hoffmann et al.'s approach-3 data, at the precision the paper
    /// prints them (Besiroglu et al. 2024, arXiv:2404.10102; docs/science.md, §Published
    /// constants). Rounded to 1.82, 482, 2085, 0.348, 0.366 they move the compute-optimal loss at
    /// Chinchilla's budget, 5.76e23 FLOPs, from 1.9744 to 1.9764.
    public static let epoch2024 = ChinchillaParameters(E: 1.8172, A: 482.01, B: 2085.43, alpha: 0.3478, beta: 0.3658)
    /// Muennighoff et al. 2023, C4 fit (E, A, B, α, β, R_D*, R_N*), from the authors' code
    /// (reproduced in docs/science.md, §Published constants; checked against their two published loss values).
    public static let muennighoff2023: [Double] = [
        _exp(0.6254804), _exp(6.255414), _exp(7.3049974), 0.3526596, 0.3526596, 15.387756, 5.309743,
    ]

    /// Kaplan et al. 2020 one-variable laws (Eqs. 1.1–1.3); C_c converted from 3.1e8 PF-days to FLOPs.
    public static let kaplanN = Law(KaplanPowerLaw(variable: .parameters), parameters: [8.8e13, 0.076])
    public static let kaplanD = Law(KaplanPowerLaw(variable: .tokens), parameters: [5.4e13, 0.095])
    public static let kaplanC = Law(KaplanPowerLaw(variable: .compute), parameters: [3.1e8 * flopsPerPetaflopDay, 0.050])
    /// Kaplan et al. 2020 joint law (Eq. 1.5) with the constants of its own fit (Table 2):
    /// N_c = 6.4e13, D_c = 1.8e13, α_N = 0.076, α_D = 0.103.
    public static let kaplanJoint = Law(KaplanJointLaw(), parameters: [6.4e13, 1.8e13, 0.076, 0.103])
    /// Kaplan et al. 2020, §6.1 and Fig. 14: N_opt = 1.3e9 · (C_min / PF-day)^0.73 (non-embedding).
    public static let kaplanAllocation = AllocationLaw([
        ComputePowerLaw(.parameters, coefficient: 1.3e9, exponent: 0.73, computeUnit: flopsPerPetaflopDay),
    ])

    public static let all: [PublishedLaw] = [
        PublishedLaw(
            identifier: "kaplan2020", citation: kaplan2020Citation,
            laws: [kaplanJoint, kaplanN, kaplanD, kaplanC], allocation: kaplanAllocation,
            parameterConvention: "non-embedding",
            note: "pure power laws without irreducible loss; L(C) is for compute-efficient training, "
                + "C_c = 3.1e8 PF-days = 2.68e28 FLOPs; N_opt = 1.3e9·(C/PF-day)^0.73"),
        PublishedLaw(
            identifier: "hoffmann2022", citation: hoffmann2022Citation,
            laws: [Law(ChinchillaLaw(), parameters: hoffmann2022.vector)], allocation: nil,
            parameterConvention: "total",
            note: "approach 3, rounded constants of the paper; allocation by the closed form under C = 6ND",
            allocationExponents: hoffmann2022ApproachExponents),
        PublishedLaw(
            identifier: "epoch2024", citation: epoch2024Citation,
            laws: [Law(ChinchillaLaw(), parameters: epoch2024.vector)], allocation: nil,
            parameterConvention: "total",
            note: "re-fit of Hoffmann et al.'s approach-3 data (summed Huber loss); the default for planning"),
        PublishedLaw(
            identifier: "muennighoff2023", citation: muennighoff2023Citation,
            laws: [Law(DataConstrainedLaw(), parameters: muennighoff2023)], allocation: nil,
            parameterConvention: "total",
            note: "C4 fit; repeated data decays with R_D* = 15.4 epochs, excess parameters with R_N* = 5.3"),
        PublishedLaw(
            identifier: "deepseek2024", citation: deepseek2024Citation, laws: [],
            allocation: AllocationLaw([
                ComputePowerLaw(.flopsPerToken, coefficient: 0.1715, exponent: 0.5243),
                ComputePowerLaw(.tokens, coefficient: 5.8316, exponent: 0.4757),
                ComputePowerLaw(.learningRate, coefficient: 0.3118, exponent: -0.125),
                ComputePowerLaw(.batchTokens, coefficient: 0.2920, exponent: 0.3271),
            ]),
            parameterConvention: "non-embedding, N = M/6",
            note: "model scale M is non-embedding FLOPs per token (C = M·D); we report N = M/6"),
        PublishedLaw(
            identifier: "llama3-2024", citation: llama3Citation, laws: [],
            allocation: AllocationLaw([ComputePowerLaw(.tokens, coefficient: 0.29, exponent: 0.53)]),
            parameterConvention: "total, N = C/(6·D)",
            note: "only D_opt is published; N = C/(6·D_opt). The paper's 3.8e25 FLOPs → 402B on 16.55T "
                + "tokens does not round-trip through the rounded constants"),
    ]

    public static var identifiers: [String] { all.map(\.identifier) }

    /// The published law with this identifier (case-insensitive), or nil.
    public static func named(_ identifier: String) -> PublishedLaw? {
        let id = identifier.lowercased()
        return all.first { $0.identifier == id }
    }
}
