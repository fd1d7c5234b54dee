import Foundation
import ScalingLaws
import Trainer

/// A ladder spec that cannot be planned, with what to change.
public enum PlanError: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError {
    case invalid(String)

    public var description: String {
        switch self { case .invalid(let m): return m }
    }
    public var errorDescription: String? { description }
}

/// Designs ladders: which shapes, how many tokens, which hyperparameters.
public enum LadderPlanner {
    /// Plans `spec` (no wall-time estimate; see `LadderPlan.estimate(with:)`).
    ///
    /// IsoFLOP, for each budget C: N_opt = G·(C/6)^a from the prior's closed form
    /// (`ChinchillaParameters.optimalParameters`), targets `N_opt·10^(−s + 2s·i/(k−1))` for
    /// i = 0…k−1, each realized by `ShapeRule`; then the tokens from the *exact* FLOP count,
    /// `D = C / f` with `f = ModelShape.trainingFLOPsPerToken` (ScalingLaws'
    /// `TransformerShape.trainingFLOPsPerToken(method: .exact)`: every matrix product, logits
    /// included, attention over the causal context; the same C the trainer records), rounded to
    /// whole optimizer steps of B·T tokens, so each run's FLOPs are within half a step of C.
    /// Hyperparameters: `spec.recipe` (`HyperparameterRecipe`; `Hyperparameters.defaults` unless set).
    public static func plan(_ spec: LadderSpec) throws(PlanError) -> LadderPlan {
        try validate(spec)
        var runs: [PlannedRun] = []
        var warnings: [String] = []
        // The rule's candidate shapes, counted once: `ShapeRule.shape(forParameters:)` would
        // count thousands of them for every target.
        let rule = ShapeChooser(spec.rule)
        switch spec.kind {
        case .isoflop:
            for C in spec.budgets {
                let center = spec.prior.optimalParameters(compute: C)
                var seen = Set<ModelShapeKey>()
                for target in logSpaced(center: center, halfWidthDecades: spec.spreadDecades, count: spec.count) {
                    guard target > 0, target.isFinite else {
                        throw .invalid("budget \(sci(C)) FLOPs gives a target size of \(target) parameters; choose budgets "
                            + "between 1e6 and 1e30 FLOPs")
                    }
                    let shape = rule.shape(forParameters: target)
                    guard seen.insert(ModelShapeKey(shape)).inserted else {
                        warnings.append("budget \(sci(C)): target N \(sci(target)) gives the same shape as a smaller target; kept once")
                        continue
                    }
                    let D = C / shape.trainingFLOPsPerToken
                    guard D <= maxTokens else {
                        throw .invalid("budget \(sci(C)) FLOPs gives the model with L=\(shape.layers), d=\(shape.dModel) "
                            + "\(sci(D)) tokens, above the limit of \(sci(maxTokens)) tokens per run (2^53, the largest "
                            + "count exact in a Double); lower --budgets")
                    }
                    runs.append(run(spec, shape: shape, tokens: D, target: target, budget: C))
                }
            }
        case .fixedSize:
            let shape = rule.shape(forParameters: spec.fixedValue!)
            for D in logSpaced(range: spec.range!, count: spec.count) {
                runs.append(run(spec, shape: shape, tokens: D, target: spec.fixedValue!, budget: nil))
            }
        case .fixedData:
            var seen = Set<ModelShapeKey>()
            for target in logSpaced(range: spec.range!, count: spec.count) {
                let shape = rule.shape(forParameters: target)
                guard seen.insert(ModelShapeKey(shape)).inserted else {
                    warnings.append("target N \(sci(target)) gives the same shape as a smaller target; kept once")
                    continue
                }
                runs.append(run(spec, shape: shape, tokens: spec.fixedValue!, target: target, budget: nil))
            }
        }
        for r in runs {
            let off = Double(r.parameters) / r.targetParameters
            if off > 1.25 || off < 0.8 {
                warnings.append("target N \(sci(r.targetParameters)) realized as \(r.parameters) parameters (L=\(r.config.shape.layers), d=\(r.config.shape.dModel)): the rule has no closer shape")
            }
            if r.config.steps < 20 {
                warnings.append("L=\(r.config.shape.layers) d=\(r.config.shape.dModel) gets only \(r.config.steps) optimizer steps; its loss will be noisy — raise the budget or lower the spread")
            }
        }
        return LadderPlan(spec: spec, runs: runs, warnings: warnings, throughput: nil)
    }

    /// One run: tokens rounded to whole steps of the recipe's batch, everything else by the recipe
    /// (`spec.recipe`, the default rule unless set).
    static func run(_ spec: LadderSpec, shape: ModelShape, tokens D: Double, target: Double, budget: Double?) -> PlannedRun {
        let h = (spec.recipe ?? .default).hyperparameters(for: shape, tokens: max(1, Int(D.rounded())))
        let perStep = h.batch * shape.context
        let steps = max(1, Int((D / Double(perStep)).rounded()))
        var config = TrainingConfig(shape: shape, tokens: steps * perStep, seed: spec.seed, hyperparameters: h, threads: 1)
        config.mix = spec.mix
        config.evaluationTasks = spec.evaluationTasks
        config.evaluationExamples = spec.evaluationExamples
        applyStepRules(to: &config, spec: spec)
        return PlannedRun(config: config, budget: budget, targetParameters: target, parameters: shape.parameterCount,
                          nonEmbeddingParameters: shape.nonEmbeddingParameterCount, tokens: config.tokens,
                          flops: shape.trainingFLOPsPerToken * Double(config.tokens), estimatedSeconds: nil)
    }

    /// Sets what a run's steps decide: a checkpoint every ⌈steps / `spec.checkpointsPerRun`⌉
    /// steps, and the gradient noise scale every `spec.noiseScaleEvery` steps when its batch has at
    /// least two sequences (the estimator needs two). Call it again after changing a planned run's
    /// batch or tokens (the hyperparameter study's variants do; the emergence study's `--batch`
    /// does not, so that its stored plans keep resuming: its runs checkpoint more or less often).
    public static func applyStepRules(to config: inout TrainingConfig, spec: LadderSpec) {
        config.checkpointEverySteps = max(1, (config.steps + spec.checkpointsPerRun - 1) / spec.checkpointsPerRun)
        config.noiseScaleEvery = config.hyperparameters.batch >= 2 ? spec.noiseScaleEvery : nil
    }

    /// The most tokens one run may train on: 2^53, the largest count a Double holds exactly
    /// (token and step counts pass through Double and Int).
    public static let maxTokens = 9_007_199_254_740_992.0
    /// The most sizes per budget (or points of a sweep): the shape rule has only so many distinct
    /// shapes, and more would only repeat them.
    public static let maxCount = 1000
    /// The widest half-width of an isoflop budget's sizes, in decades.
    public static let maxSpreadDecades = 5.0
    /// The widest fixed-size or fixed-data range, high/low (the same 10 decades).
    public static let maxRangeRatio = 1e10

    static func validate(_ spec: LadderSpec) throws(PlanError) {
        func bad(_ m: String) -> PlanError { .invalid(m) }
        guard spec.count >= 1 else { throw bad("--sizes-per-budget (or --count) must be at least 1, got \(spec.count)") }
        guard spec.count <= maxCount else {
            throw bad("--sizes-per-budget (or --count) must be at most \(maxCount), got \(spec.count); the shape rule "
                + "has too few distinct shapes for more")
        }
        guard spec.spreadDecades >= 0, spec.spreadDecades.isFinite else { throw bad("--spread must be a non-negative number of decades, got \(spec.spreadDecades)") }
        guard spec.spreadDecades <= maxSpreadDecades else {
            throw bad("--spread must be at most \(Int(maxSpreadDecades)) decades, got \(sci(spec.spreadDecades)); "
                + "wider, the sizes would underflow or overflow (and the shape rule spans fewer decades anyway)")
        }
        guard spec.checkpointsPerRun >= 1 else { throw bad("checkpoints per run must be at least 1") }
        if let k = spec.noiseScaleEvery, k < 1 { throw bad("--noise-scale-every must be at least 1 step, got \(k)") }
        // The mix and the evaluations, checked as every run's config will check them.
        var probe = TrainingConfig(shape: ModelShape(architecture: spec.rule.architecture, layers: 1, dModel: 8, heads: 1,
                                                     context: spec.rule.context), tokens: 1)
        probe.mix = spec.mix; probe.evaluationTasks = spec.evaluationTasks; probe.evaluationExamples = spec.evaluationExamples
        do {
            if let mix = spec.mix { try TaskMixture.validate(mix) }
            _ = try probe.evaluationSuites()
        } catch let e as TrainerError { throw bad(e.description) } catch { throw bad("\(error)") }
        switch spec.kind {
        case .isoflop:
            guard !spec.budgets.isEmpty else { throw bad("an isoflop ladder needs --budgets, e.g. --budgets 1e13,3e13,1e14") }
            if let b = spec.budgets.first(where: { !($0 > 0 && $0.isFinite) }) { throw bad("--budgets must be positive FLOP counts, got \(b)") }
        case .fixedSize, .fixedData:
            let what = spec.kind == .fixedSize ? ("--size N", "--range D_LOW,D_HIGH (token budgets)") : ("--tokens D", "--range N_LOW,N_HIGH (model sizes)")
            guard let v = spec.fixedValue, v > 0, v.isFinite else { throw bad("a \(spec.kind.rawValue) sweep needs \(what.0)") }
            guard let r = spec.range, r.count == 2, r[0] > 0, r[1] >= r[0], r[1].isFinite else {
                throw bad("a \(spec.kind.rawValue) sweep needs \(what.1) with 0 < low ≤ high")
            }
            guard r[1] / r[0] <= maxRangeRatio else {
                throw bad("--range \(sci(r[0])),\(sci(r[1])) is too wide: high/low must be at most \(sci(maxRangeRatio)) "
                    + "(\(Int(2 * maxSpreadDecades)) decades)")
            }
            let tokens = spec.kind == .fixedSize ? ("--range", r[1]) : ("--tokens", v)
            guard tokens.1 <= maxTokens else {
                throw bad("\(tokens.0) asks for \(sci(tokens.1)) tokens per run, above the limit of \(sci(maxTokens)) "
                    + "(2^53, the largest count exact in a Double); lower it")
            }
        }
    }

    /// `count` values evenly spaced in log between `center·10^(−h)` and `center·10^(+h)`.
    static func logSpaced(center: Double, halfWidthDecades h: Double, count k: Int) -> [Double] {
        guard k > 1 else { return [center] }
        return (0..<k).map { i in center * pow(10, -h + 2 * h * Double(i) / Double(k - 1)) }
    }

    static func logSpaced(range r: [Double], count k: Int) -> [Double] {
        ScalingLaws.logSpaced(from: r[0], to: r[1], count: max(1, k))
    }

    static func sci(_ x: Double) -> String { String(format: "%.3g", x) }
}

/// `ShapeRule.shape(forParameters:)` with the rule's candidates and their parameter counts
/// computed once.
struct ShapeChooser {
    let rule: ShapeRule
    let candidates: [(shape: ModelShape, N: Double)]

    init(_ rule: ShapeRule) {
        self.rule = rule
        candidates = rule.candidates.map { ($0, Double($0.parameterCount)) }
    }

    /// The same choice as `ShapeRule.shape(forParameters:)`.
    func shape(forParameters target: Double) -> ModelShape {
        precondition(target > 0 && target.isFinite, "target parameter count must be positive, got \(target)")
        let scored = candidates.map { c in (c.shape, abs(log(c.N / target))) }
        let best = scored.map(\.1).min()!
        let near = scored.filter { $0.1 <= best + 0.02 }
        return near.min { a, b in
            abs(log(Double(a.0.dModel) / Double(a.0.layers) / rule.aspectRatio))
                < abs(log(Double(b.0.dModel) / Double(b.0.layers) / rule.aspectRatio))
        }!.0
    }
}

/// Identifies a shape up to what matters for deduplication.
struct ModelShapeKey: Hashable {
    let layers: Int, dModel: Int, arch: String
    init(_ s: ModelShape) { layers = s.layers; dModel = s.dModel; arch = s.architecture.rawValue }
}
