import Foundation
import LawFitting
import ScalingLaws
import Trainer

/// A compute-optimal allocation fitted as power laws: `N_opt = k_N·C^a`, `D_opt = k_D·C^b`.
public struct AllocationFit: Sendable, Codable, Equatable {
    public var a: Double
    public var b: Double
    public var nCoefficient: Double
    public var dCoefficient: Double
    /// Bootstrap percentile intervals of a and b (nil without bootstrap).
    public var aInterval: [Double]?
    public var bInterval: [Double]?
    /// The (C, N_opt, D_opt) points the power laws were fitted to.
    public var points: [[Double]]
}

/// One IsoFLOP parabola: `L = c0 + c1·x + c2·x²` with x = ln N, over the runs of one budget.
public struct IsoFLOPParabola: Sendable, Codable, Equatable {
    public var budget: Double
    public var coefficients: [Double]
    public var runs: Int
    /// The vertex, when the parabola opens upward: N_opt = e^(−c1/(2·c2)); nil otherwise.
    public var optimalParameters: Double?
    /// D at N_opt, interpolated linearly in (ln N, ln D) over the budget's runs (exact FLOP accounting).
    public var optimalTokens: Double?
    /// True when N_opt lies inside the budget's size range (an extrapolated vertex is biased).
    public var bracketed: Bool
}

/// The three Chinchilla approaches on a store's finished runs (Hoffmann et al. 2022, arXiv:2203.15556, §3).
public struct StoreAnalysisResult: Sendable, Codable, Equatable {
    public var runs: Int
    /// `MeasurementSet.contentHash` of the measurements approach 3 used.
    public var dataHash: String
    /// Approach 1: the envelope of the learning curves.
    public var approach1: AllocationFit?
    /// Approach 2: IsoFLOP parabolas, then power laws through their vertices.
    public var approach2: AllocationFit?
    public var parabolas: [IsoFLOPParabola]
    /// Approach 3: `L = E + A/N^α + B/D^β` fitted to final losses; a = β/(α+β), b = α/(α+β).
    public var approach3: ChinchillaParameters?
    public var approach3Intervals: [String: [Double]]?
    /// The published N_opt exponents a by approach (Hoffmann et al. 2022, Table 2) and Epoch AI's re-fit.
    public var published: [String: Double]
    /// Why an approach was skipped.
    public var notes: [String]
}

/// Analysis from the store: approach 3 on finished runs, approach 2 from IsoFLOP sweeps,
/// approach 1 from learning curves; returns a Codable result and can save the fits.
public enum StoreAnalysis {
    /// Runs all three approaches on the done runs of `store` (optionally one sweep).
    /// `bootstrap` resamples (0: none) give 90% percentile intervals, seeded by `seed`.
    public static func analyze(_ store: RunStore, sweep: Int64? = nil, bootstrap: Int = 200, seed: UInt64 = 0,
                               fitOptions: FitOptions = FitOptions()) throws -> StoreAnalysisResult {
        let runs = try store.runs(sweep: sweep).filter { $0.status == .done && $0.finalValidationLoss != nil }
        let measurements = try store.measurements(sweep: sweep)
        var notes: [String] = []
        let parabolas = isoFLOPParabolas(runs)
        var approach2: AllocationFit? = nil
        let vertices = parabolas.filter { $0.optimalParameters != nil && $0.optimalTokens != nil }
        if vertices.count >= 2 {
            approach2 = allocation(vertices.map { [$0.budget, $0.optimalParameters!, $0.optimalTokens!] })
            if bootstrap > 0, var fit = approach2 {
                let (ai, bi) = bootstrapApproach2(runs, samples: bootstrap, seed: seed)
                fit.aInterval = ai; fit.bInterval = bi
                approach2 = fit
            }
        } else {
            notes.append("approach 2 needs IsoFLOP budgets with at least 3 sizes each and an upward parabola at 2 or more budgets; found \(vertices.count)")
        }
        let curves = try store.curves()
        let approach1 = envelope(runs, curves: curves)
        if approach1 == nil { notes.append("approach 1 needs learning curves of at least 2 model sizes that overlap in FLOPs") }
        var approach3: ChinchillaParameters? = nil, intervals: [String: [Double]]? = nil
        if measurements.count > 5 {
            let data = FitData(measurements)
            let fit = try LawFitter.fit(ChinchillaLaw(), to: data, options: fitOptions)
            approach3 = ChinchillaParameters(fit.parameters)
            if bootstrap > 0 {
                let boot = try Bootstrap.run(fit, data: data, options: BootstrapOptions(samples: bootstrap, seed: seed), fitOptions: fitOptions)
                intervals = boot.parameterIntervals.merging(boot.intervals { p in
                    let c = ChinchillaParameters(p)
                    return ["a": c.a, "b": c.b]
                }) { x, _ in x }
            }
        } else {
            notes.append("approach 3 needs more than 5 finished runs (5 parameters); found \(measurements.count)")
        }
        return StoreAnalysisResult(runs: runs.count, dataHash: MeasurementSet.contentHash(of: measurements),
                                   approach1: approach1, approach2: approach2, parabolas: parabolas,
                                   approach3: approach3, approach3Intervals: intervals,
                                   published: ["approach-1": 0.50, "approach-2": 0.49, "approach-3": 0.46,
                                               "epoch2024": PublishedLaws.epoch2024.a],
                                   notes: notes)
    }

    /// Saves each approach's fit in the store (law, method, data hash, parameters, intervals).
    public static func save(_ r: StoreAnalysisResult, to store: RunStore, version: String) throws(StoreError) {
        let points = r.runs
        for (method, fit) in [("approach-1", r.approach1), ("approach-2", r.approach2)] {
            guard let f = fit else { continue }
            var intervals: [String: [Double]] = [:]
            if let a = f.aInterval { intervals["a"] = a }
            if let b = f.bInterval { intervals["b"] = b }
            try store.save(StoredFit(law: "allocation", method: method, dataHash: r.dataHash, points: points,
                                     parameters: ["a": f.a, "b": f.b, "k_N": f.nCoefficient, "k_D": f.dCoefficient],
                                     intervals: intervals.isEmpty ? nil : intervals, scalelabVersion: version))
        }
        if let c = r.approach3 {
            try store.save(StoredFit(law: "chinchilla", method: "approach-3", dataHash: r.dataHash, points: points,
                                     parameters: ["E": c.E, "A": c.A, "B": c.B, "alpha": c.alpha, "beta": c.beta, "a": c.a, "b": c.b],
                                     intervals: r.approach3Intervals, scalelabVersion: version))
        }
    }
}
