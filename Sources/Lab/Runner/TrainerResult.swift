import Foundation
import LawFitting
import ScalingLaws
import Trainer

/// The result file any training command writes for ScaleLab (`ladder run --train-command`): one
/// JSON object, written once, by atomic rename (write `<file>.tmp`, then rename it over the
/// result path), so the runner never reads half a file. Documented in docs/trainers.md.
///
/// ```json
/// {"status": "completed", "final_loss": 3.12, "parameters": 1.2e8, "tokens": 2.4e9,
///  "flops": 1.7e18, "wall_seconds": 5400,
///  "learning_curve": [{"tokens": 1.0e8, "loss": 4.1}, {"tokens": 2.4e9, "loss": 3.12}],
///  "metrics": {"hellaswag": 0.31, "arc_easy": 0.44},
///  "evaluations": [{"step": 500, "tokens": 1.2e9, "task": "hellaswag", "metric": "acc", "value": 0.27}]}
/// ```
///
/// Losses are validation losses in nats per token. Required: `status`, and with `completed`
/// also `final_loss`, `parameters` and `tokens`. ScaleLab's own trainer writes its fuller
/// `RunRecord` instead; the runner reads either (`RunResult.read`).
public struct TrainerResult: Sendable, Codable, Equatable {
    /// How the run ended.
    public enum Status: String, Sendable, Codable, CaseIterable {
        /// Trained its whole budget.
        case completed
        /// The loss became NaN or infinite; not retried.
        case diverged
        /// Stopped early after writing a checkpoint (a signal, a time limit): resumed later.
        case interrupted
        /// Failed for a reason a retry will not fix (say why in `message`).
        case failed
    }

    /// One point of the learning curve.
    public struct CurvePoint: Sendable, Codable, Equatable {
        /// Tokens trained so far.
        public var tokens: Double
        /// Validation loss (nats per token) at that point.
        public var loss: Double
        /// Training loss there, when known.
        public var trainLoss: Double?
        /// Optimizer step, when known (else the point's index).
        public var step: Int?
        /// Learning rate there, when known.
        public var learningRate: Double?
        /// The trainer's gradient-noise estimates since its previous point, when it measured them
        /// (`GradientNoise`: the mean unbiased estimates of |G|² and of tr(Σ) per token; both or
        /// neither), and over how many steps.
        public var gradientSquaredNorm: Double?
        public var gradientNoiseTrace: Double?
        public var noiseMeasurements: Int?

        enum CodingKeys: String, CodingKey {
            case tokens, loss, step
            case trainLoss = "train_loss", learningRate = "learning_rate"
            case gradientSquaredNorm = "gradient_squared_norm", gradientNoiseTrace = "gradient_noise_trace"
            case noiseMeasurements = "noise_measurements"
        }

        /// The point's gradient noise, nil when not given.
        public var gradientNoise: GradientNoise? {
            GradientNoise(gradientSquaredNorm: gradientSquaredNorm, trace: gradientNoiseTrace, measurements: noiseMeasurements)
        }

        public init(tokens: Double, loss: Double, trainLoss: Double? = nil, step: Int? = nil, learningRate: Double? = nil) {
            self.tokens = tokens
            self.loss = loss
            self.trainLoss = trainLoss
            self.step = step
            self.learningRate = learningRate
        }
    }

    public var status: Status
    /// Final validation loss, nats per token.
    public var finalLoss: Double?
    /// N: parameters, counting every parameter (Chinchilla's convention).
    public var parameters: Double?
    /// N without embeddings, when the trainer knows it.
    public var nonEmbeddingParameters: Double?
    /// D: tokens actually trained.
    public var tokens: Double?
    /// C: training FLOPs; when absent, the planned FLOPs scaled by tokens trained over planned.
    public var flops: Double?
    /// Distinct tokens the run could see (U), when data repeated.
    public var uniqueTokens: Double?
    /// Final training loss.
    public var trainLoss: Double?
    public var wallSeconds: Double?
    public var learningCurve: [CurvePoint]?
    /// Task metrics (accuracy on a benchmark, …) by name, measured at the end of the run; stored
    /// as evaluations too (`taskEvaluations(plannedTokens:)`).
    public var metrics: [String: Double]?
    /// Task evaluations during (or at the end of) training: one metric of one task at one step each.
    public var evaluations: [TaskEvaluation]?
    /// Why it failed or stopped, or any note.
    public var message: String?

    enum CodingKeys: String, CodingKey {
        case status, parameters, tokens, flops, metrics, evaluations, message
        case finalLoss = "final_loss", nonEmbeddingParameters = "non_embedding_parameters"
        case uniqueTokens = "unique_tokens", trainLoss = "train_loss", wallSeconds = "wall_seconds"
        case learningCurve = "learning_curve"
    }

    public init(status: Status, finalLoss: Double? = nil, parameters: Double? = nil, tokens: Double? = nil,
                flops: Double? = nil, wallSeconds: Double? = nil, learningCurve: [CurvePoint]? = nil,
                metrics: [String: Double]? = nil, evaluations: [TaskEvaluation]? = nil, message: String? = nil) {
        self.status = status
        self.finalLoss = finalLoss
        self.parameters = parameters
        self.tokens = tokens
        self.flops = flops
        self.wallSeconds = wallSeconds
        self.learningCurve = learningCurve
        self.metrics = metrics
        self.evaluations = evaluations
        self.message = message
    }

    /// Why this result cannot be stored, or nil: a completed run needs a positive finite final
    /// loss, N and D; every number given must be finite (and the counts positive); every metric
    /// needs a name; and every entry of `evaluations` must be an evaluation
    /// (`TaskEvaluation.problem(allowingNonFiniteValue:)`), one per step, task and metric.
    public func problem() -> String? {
        func positive(_ name: String, _ x: Double?) -> String? {
            guard let x else { return nil }
            return x.isFinite && x > 0 ? nil : "\"\(name)\" must be a positive finite number, got \(x)"
        }
        if status == .completed {
            for (name, x) in [("final_loss", finalLoss), ("parameters", parameters), ("tokens", tokens)] where x == nil {
                return "a completed run's result needs \"\(name)\""
            }
        }
        let checks: [(String, Double?)] = [
            ("final_loss", status == .diverged ? nil : finalLoss), ("parameters", parameters), ("non_embedding_parameters", nonEmbeddingParameters),
            ("tokens", tokens), ("flops", flops), ("unique_tokens", uniqueTokens),
        ]
        for (name, x) in checks { if let p = positive(name, x) { return p } }
        if let t = trainLoss, !t.isFinite, status != .diverged { return "\"train_loss\" must be finite, got \(t)" }
        if let w = wallSeconds, !(w.isFinite && w >= 0) { return "\"wall_seconds\" must be a finite number of seconds >= 0, got \(w)" }
        for (i, p) in (learningCurve ?? []).enumerated() {
            guard p.tokens.isFinite, p.tokens >= 0 else { return "learning_curve[\(i)].tokens must be a finite count >= 0, got \(p.tokens)" }
            if let s = p.step, s < 0 { return "learning_curve[\(i)].step must be >= 0, got \(s)" }
            if (p.gradientSquaredNorm == nil) != (p.gradientNoiseTrace == nil) {
                return "learning_curve[\(i)] gives one of gradient_squared_norm and gradient_noise_trace; give both (the noise scale is their ratio) or neither"
            }
            for (name, v) in [("gradient_squared_norm", p.gradientSquaredNorm), ("gradient_noise_trace", p.gradientNoiseTrace)] {
                if let v, !v.isFinite { return "learning_curve[\(i)].\(name) must be finite, got \(v)" }
            }
            if let m = p.noiseMeasurements, m < 1 { return "learning_curve[\(i)].noise_measurements must be at least 1, got \(m)" }
        }
        let steps = (learningCurve ?? []).enumerated().map { $0.element.step ?? $0.offset }
        if Set(steps).count != steps.count { return "learning_curve has two points with the same step" }
        for (name, x) in (metrics ?? [:]).sorted(by: { $0.key < $1.key }) {
            if name.isEmpty { return "a metric in \"metrics\" has an empty name" }
            if !x.isFinite { return "metric \"\(name)\" must be finite, got \(x)" }
        }
        if let p = TaskEvaluation.problem(in: evaluations ?? []) { return p }
        var seen = Set<String>()
        for (i, e) in (evaluations ?? []).enumerated() where !seen.insert("\(e.step)\u{0}\(e.task)\u{0}\(e.metric)").inserted {
            return "evaluations[\(i)] repeats step \(e.step), task '\(e.task)', metric '\(e.metric)' (one value each)"
        }
        return nil
    }

    /// The metric name of a `metrics` entry that names no metric of its own (`"hellaswag": 0.31`).
    public static let defaultMetric = "value"

    /// A `metrics` name as a task and a metric: `task/metric` split at its last `/`
    /// (`mmlu/stem/acc` is task `mmlu/stem`, metric `acc`); a name without a `/`, or with
    /// nothing on one side of it, is the task's name with metric `value` (`defaultMetric`).
    public static func taskAndMetric(_ name: String) -> (task: String, metric: String) {
        guard let slash = name.lastIndex(of: "/") else { return (name, defaultMetric) }
        let task = String(name[..<slash]), metric = String(name[name.index(after: slash)...])
        return task.isEmpty || metric.isEmpty ? (name, defaultMetric) : (task, metric)
    }

    /// What the store keeps in its `evaluation` table for this result: every entry of
    /// `evaluations`, then each of `metrics` (`taskAndMetric`) at the run's final step (the
    /// largest step of `learning_curve` and `evaluations`, 0 without either) and its final
    /// tokens (`tokens`, else `plannedTokens`, else the most tokens of the curve and
    /// evaluations, else 0). An entry of `evaluations` at the same step, task and metric as a
    /// `metrics` entry is kept and the `metrics` entry left out.
    ///
    /// - Parameter plannedTokens: the run's planned D, for a result that does not say its tokens.
    public func taskEvaluations(plannedTokens: Double?) -> [TaskEvaluation] {
        let listed = evaluations ?? []
        guard let metrics, !metrics.isEmpty else { return listed }
        let curve = learningCurve ?? []
        let steps = curve.enumerated().map { $0.element.step ?? $0.offset } + listed.map(\.step)
        let finalStep = steps.max() ?? 0
        let finalTokens = tokens ?? plannedTokens ?? (curve.map(\.tokens) + listed.map(\.tokens)).max() ?? 0
        let given = Set(listed.map { "\($0.step)\u{0}\($0.task)\u{0}\($0.metric)" })
        let fromMetrics = metrics.sorted { $0.key < $1.key }.compactMap { name, value -> TaskEvaluation? in
            let (task, metric) = Self.taskAndMetric(name)
            if given.contains("\(finalStep)\u{0}\(task)\u{0}\(metric)") { return nil }
            return TaskEvaluation(step: finalStep, tokens: finalTokens, task: task, metric: metric, value: value)
        }
        return listed + fromMetrics
    }
}

/// What a run's result file holds: ScaleLab's own `RunRecord`, or any trainer's `TrainerResult`.
public enum RunResult: Sendable, Equatable {
    case record(RunRecord)
    case trainer(TrainerResult)

    /// Whether the run will not be continued (completed, diverged or failed).
    public var isFinal: Bool {
        switch self {
        case .record(let r): return r.status != .interrupted
        case .trainer(let t): return t.status != .interrupted
        }
    }

    /// Reads the result at `path`: nil when there is none, else the result or why it is not one.
    /// A ScaleLab record is told apart by its `config` member.
    public static func read(_ path: String) -> Result<RunResult, ResultFileError>? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let decoder = JSONConventions.decoder()
        let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        guard let object else {
            return .failure(ResultFileError(path: path, detail: "not a JSON object; the result must be one JSON object (docs/trainers.md)"))
        }
        if object["config"] != nil {
            let record: RunRecord
            do { record = try decoder.decode(RunRecord.self, from: data) } catch {
                return .failure(ResultFileError(path: path, detail: "not a ScaleLab run record: \(describe(error))"))
            }
            // A NaN metric (a model whose weights diverged) is a measurement: kept in the record.
            if let problem = TaskEvaluation.problem(in: record.evaluations ?? [], allowingNonFiniteValues: true) {
                return .failure(ResultFileError(path: path, detail: "not a ScaleLab run record: \(problem)"))
            }
            return .success(.record(record))
        }
        if let problem = evaluationsShapeProblem(object["evaluations"]) {
            return .failure(ResultFileError(path: path, detail: problem))
        }
        do {
            let result = try decoder.decode(TrainerResult.self, from: data)
            if let problem = result.problem() { return .failure(ResultFileError(path: path, detail: problem)) }
            return .success(.trainer(result))
        } catch {
            return .failure(ResultFileError(path: path, detail: describe(error)))
        }
    }

    /// What is wrong with the shape of a result's `evaluations`, naming the entry, or nil: it must
    /// be an array of objects with an integer `step`, numbers `tokens` and `value` (or "nan",
    /// "inf", "-inf") and strings `task` and `metric`. (The JSON decoder's own message for a
    /// step of 1.5 names neither the entry nor the key.) The values are checked by `problem()`.
    static func evaluationsShapeProblem(_ value: Any?) -> String? {
        guard let value, !(value is NSNull) else { return nil }
        guard let entries = value as? [Any] else { return "\"evaluations\" must be an array of objects" }
        func isNumber(_ x: Any?) -> Bool {
            if let s = x as? String { return ["nan", "inf", "-inf"].contains(s) }
            return x is NSNumber
        }
        for (i, entry) in entries.enumerated() {
            guard let e = entry as? [String: Any] else { return "evaluations[\(i)] must be an object of step, tokens, task, metric and value" }
            for key in ["step", "tokens", "task", "metric", "value"] where e[key] == nil || e[key] is NSNull {
                return "evaluations[\(i)] has no \"\(key)\""
            }
            guard let step = e["step"] as? NSNumber, Int(exactly: step.doubleValue) != nil else {
                return "evaluations[\(i)].step must be an integer, got \(e["step"]!)"
            }
            for key in ["tokens", "value"] where !isNumber(e[key]) { return "evaluations[\(i)].\(key) must be a number, got \(e[key]!)" }
            for key in ["task", "metric"] where !(e[key] is String) { return "evaluations[\(i)].\(key) must be a string, got \(e[key]!)" }
        }
        return nil
    }

    /// A decoding error in words, by LawFitting's one describer (`FitReport.describe`).
    static func describe(_ error: any Error) -> String {
        guard let e = error as? DecodingError else { return "\(error)" }
        return FitReport.describe(e)
    }
}

/// A result file that is not a result: malformed JSON, a missing field, a value out of range.
public struct ResultFileError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var detail: String
    public var description: String { "\(path): \(detail)" }
}
