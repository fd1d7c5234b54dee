import Foundation
import Lab
import LawFitting
import ScalingLaws

/// The critical batch size of a store's runs (`fit --store DB --law critical-batch` and
/// `--law kaplan-ns`): Kaplan et al. 2020's `B_crit(L) = B*/L^(1/α_B)` fitted to the gradient
/// noise scales the runs measured (`--noise-scale-every`), and their `L(N, S_min)` fitted to the
/// learning curves with it, each beside the published constants.
public struct CriticalBatchReport: Sendable, Codable {
    /// What the runs measured, one line per run with a noise measurement.
    public struct Run: Sendable, Codable, Equatable {
        public var id: Int64
        /// N (non-embedding where known) and tokens per step.
        public var parameters: Double, batch: Double
        /// Curve points with a positive noise scale, and the noise scales' range (tokens).
        public var points: Int
        public var noiseScaleRange: [Double]?
        /// The noise scale of the run's last window, and the loss there.
        public var finalNoiseScale: Double?, finalLoss: Double
    }

    public var store: String
    public var level: Double
    public var runs: [Run]
    public var criticalBatch: CriticalBatchFit.BatchResult
    public var publishedCriticalBatch: CriticalBatchLaw
    /// `L(N, S_min)`, nil when it was not asked for or could not be fitted (`stepsProblem` says why).
    public var steps: CriticalBatchFit.StepsResult?
    public var stepsProblem: String?
    public var publishedSteps: KaplanStepsLaw
    public var scalelabVersion: String
}

public enum CriticalBatchAnalysis {
    /// The law names `fit` takes for these fits.
    public static let criticalBatchLaw = "critical-batch", stepsLaw = "kaplan-ns"
    public static var laws: [String] { [criticalBatchLaw, stepsLaw] }

    /// Every learning-curve point of the store's finished runs (of `sweep`, when given), with the
    /// run's N (non-embedding where the run has it, Kaplan's convention), its tokens per step
    /// (its config's, else tokens/step of the point) and the point's noise scale.
    public static func points(_ store: RunStore, sweep: Int64? = nil) throws -> [CriticalBatchFit.Point] {
        let runs = try store.runs(sweep: sweep).filter { $0.status == .done }
        let curves = try store.curves()
        return runs.flatMap { run -> [CriticalBatchFit.Point] in
            guard let id = run.id, let curve = curves[id] else { return [] }
            let n = run.nonEmbeddingParameters ?? run.parameters
            let perStep = run.trainingConfig.map { Double($0.tokensPerStep) }
            return curve.compactMap { p in
                guard p.step > 0, let batch = perStep ?? (p.tokens > 0 ? p.tokens / Double(p.step) : nil) else { return nil }
                return CriticalBatchFit.Point(run: id, parameters: n, steps: Double(p.step), batch: batch, loss: p.validationLoss,
                                              noiseScale: p.gradientNoise?.simpleNoiseScale)
            }
        }
    }

    /// Fits B_crit(L), and with `steps` also L(N, S_min), to the store's runs.
    public static func run(_ store: RunStore, sweep: Int64? = nil, options: AnalysisOptions, steps: Bool,
                           version: String) throws -> CriticalBatchReport {
        let points = try self.points(store, sweep: sweep)
        let batch = try CriticalBatchFit.fitCriticalBatch(points, bootstrap: options.bootstrap, level: options.level, seed: options.seed)
        var stepsFit: CriticalBatchFit.StepsResult?, problem: String?
        if steps {
            do {
                stepsFit = try CriticalBatchFit.fitSteps(points, batchLaw: batch.law, bootstrap: options.bootstrap, level: options.level,
                                                         seed: options.seed)
            } catch let e as FitError { problem = e.description }
        }
        let byRun = Dictionary(grouping: points, by: \.run)
        let runs = byRun.keys.sorted().compactMap { id -> CriticalBatchReport.Run? in
            let ps = byRun[id]!.sorted { $0.steps < $1.steps }
            let scales = ps.compactMap(\.noiseScale)
            guard !scales.isEmpty else { return nil }
            return .init(id: id, parameters: ps[0].parameters, batch: ps[0].batch, points: scales.count,
                         noiseScaleRange: [scales.min()!, scales.max()!], finalNoiseScale: ps.last!.noiseScale, finalLoss: ps.last!.loss)
        }
        return CriticalBatchReport(store: store.path, level: options.level, runs: runs, criticalBatch: batch,
                                   publishedCriticalBatch: .kaplan2020, steps: stepsFit, stepsProblem: problem,
                                   publishedSteps: .kaplan2020, scalelabVersion: version)
    }
}

/// The batch size and steps of a planned run from a critical-batch law (`plan --critical-batch`).
public struct BatchPlan: Sendable, Codable, Equatable {
    /// Where the law came from (a fit report's path, or the published law's name).
    public var source: String
    public var law: CriticalBatchLaw
    /// The loss the plan expects (nats per token) and the critical batch there (tokens).
    public var loss: Double
    public var criticalBatch: Double
    /// Tokens D of the plan, and the steps D/B_crit at the critical batch.
    public var tokens: Double
    public var steps: Double
    /// The fewest steps (a huge batch) and the least data (a tiny batch) that reach the same loss:
    /// at B = B_crit each is half of what the run takes (McCandlish et al. 2018).
    public var minimumSteps: Double
    public var minimumTokens: Double

    public init(source: String, law: CriticalBatchLaw, loss: Double, tokens: Double) {
        self.source = source; self.law = law; self.loss = loss; self.tokens = tokens
        criticalBatch = law.criticalBatch(loss: loss)
        steps = tokens / criticalBatch
        minimumSteps = law.minimumSteps(steps: steps, batch: criticalBatch, loss: loss)
        minimumTokens = tokens / 2
    }

    /// The law of `source`: `kaplan2020` (the published constants) or a JSON file written by
    /// `fit --store DB --law critical-batch --out FILE`.
    public static func law(from source: String) throws -> CriticalBatchLaw {
        if source == "kaplan2020" { return .kaplan2020 }
        guard let data = FileManager.default.contents(atPath: source) else {
            throw AnalysisError.badOption("--critical-batch: cannot read '\(source)'; give kaplan2020 or a file written by "
                + "`scalelab fit --store DB --law critical-batch --out FILE`")
        }
        do {
            return try JSONDecoder().decode(CriticalBatchReport.self, from: data).criticalBatch.law
        } catch {
            throw AnalysisError.badOption("--critical-batch: '\(source)' is not a critical-batch fit (write one with "
                + "`scalelab fit --store DB --law critical-batch --out FILE`): \(error)")
        }
    }
}
