import Analysis
import Foundation
import Lab
import Trainer

extension EmergenceStudy {
    /// One run of the study at its end: where it sits and what it scored.
    public struct RunRow: Sendable, Codable, Equatable {
        /// The run's id in the store.
        public var run: Int64
        /// `ladder` or `held-out`.
        public var role: String
        /// The run's seed (nil when the store does not say).
        public var seed: Int64?
        /// N, D and C of the run.
        public var parameters: Double, tokens: Double, compute: Double
        /// The final validation loss (nats per byte).
        public var loss: Double
        /// Per-character probability of the correct answer.
        public var p: Double?
        /// Exact match and the answer's probability at the last evaluation.
        public var exactMatch: Double?, answerProbability: Double?
    }

    /// One forecast of the held-out model, scored.
    public struct Score: Sendable, Codable, Equatable {
        /// `p`, `exact_match` or `loss`.
        public var quantity: String
        /// `two-step`, `direct`, `smooth-law`, `p^l-two-step`, `p^l-smooth-law`.
        public var method: String
        /// The stored forecast, its interval, and the held-out model's measured value.
        public var forecast: Double
        public var interval: [Double]?, measured: Double?
        /// forecast − measured.
        public var error: Double?
        /// (forecast − measured)/measured.
        public var relativeError: Double?
        /// Whether the interval holds the measured value.
        public var covered: Bool?
    }

    /// The study's findings (`summary.json`).
    public struct Summary: Sendable, Codable, Equatable {
        /// The settings (bootstrap and level: those of the stored forecast).
        public var design: Design
        /// The answer length ℓ.
        public var length: Int
        /// Every done run, by compute.
        public var runs: [RunRow]
        /// When the forecast was stored, and when the held-out run finished training.
        /// (ISO 8601 in UTC with milliseconds: `2026-12-02T01:04:37.123Z`; such strings sort by time.)
        public var forecastRecordedAt: String?
        public var heldOutFinishedAt: String?
        /// Every forecast, scored against the held-out run `scoredRun`.
        public var scores: [Score]
        /// The held-out run `scores` and the headline are measured on: the one with the design's
        /// first seed (`Design.seed`); with one seed, the held-out run.
        public var scoredRun: Int64?
        /// The headline: the two-step forecast of p within 10% relative of the measured p.
        public var twoStepPWithinTenPercent: Bool?
        /// The two-mode forecast as stored (nil when the store has none).
        public var twoMode: TwoModeForecast?
        /// Every held-out run (one per seed) scored against the two-mode forecast.
        public var heldOutModes: [HeldOutModeScore]?
        /// The Brier score of the two-mode forecast's π̂ over the held-out runs, `mean (π̂ − left)²`
        /// (0 is perfect; a constant ½ scores 0.25).
        public var leftProbabilityBrier: Double?
        /// The emergence analysis of every run (ladder and held-out); nil when it could not be made.
        public var emergence: EmergenceAnalysis?
        /// What could not be done, or should be read with care.
        public var notes: [String]
    }

    /// Scores the stored forecast against the held-out model and analyses every run for emergence.
    public func analyze(_ store: RunStore) throws -> Summary {
        guard let ladder = try Self.sweep("ladder", in: store), let heldOut = try Self.sweep("held-out", in: store) else {
            throw StudyError.unusable("the store does not hold both of the emergence study's ladders; run the study to its end")
        }
        guard let record = try StudyRunner<EmergenceStudy>.record(in: store, study: name, stage: "forecast") else {
            throw StudyError.unusable("the store has no forecast recorded before the held-out model; run the study from its start with --fresh")
        }
        var notes: [String] = []
        let rows = try runRows(store, sweep: ladder, role: "ladder") + runRows(store, sweep: heldOut, role: "held-out")
        // The per-method scores are against the held-out run of the first seed: with several seeds
        // that is the run a one-seed study would have trained (the two-mode rows score every one).
        let held = rows.filter { $0.role == "held-out" }
        guard let target = held.first(where: { $0.seed == Int64(bitPattern: design.seed) }) ?? held.first else {
            throw StudyError.unusable("the held-out model has no finished run with evaluations of \(design.task)")
        }
        if held.count > 1 {
            notes.append("the scores of each method are against the held-out run of seed \(target.seed.map(String.init) ?? "?") "
                + "(run \(target.run)); the two-mode rows score all \(held.count) held-out runs")
        }
        let finished = try store.runs(sweep: heldOut).compactMap(\.finishedAt).max()
        if let at = record.recordedAt, let done = finished, at > done {
            notes.append("the forecast was recorded after the held-out model finished training: it is not a forecast made before training")
        }
        let scores = Self.scores(record, measured: ["p": target.p, "exact_match": target.exactMatch, "loss": target.loss])
        let headline = scores.first { $0.quantity == "p" && $0.method == "two-step" }?.relativeError.map { abs($0) <= 0.1 }
        var emergence: EmergenceAnalysis? = nil
        do {
            let all = try [ladder, heldOut].flatMap { sweep -> [TaskRunMetrics] in try EmergenceAnalysis.runs(from: store, sweep: sweep, task: design.task).runs }
            emergence = try EmergenceAnalysis.run(runs: all, task: design.task, length: length,
                                                 smoothMetric: TaskMetric.tokenProbability, options: options)
        } catch {
            notes.append("no emergence analysis: \(error)")
        }
        // The intervals are the stored forecast's: its bootstrap and level, whatever this run was given.
        var made = design
        if let b = record.values["design.bootstrap"], b >= 0, b < 1e9 { made.bootstrap = Int(b) }
        if let l = record.values["design.level"] { made.level = l }
        let twoMode = TwoModeForecast(record: record, compute: target.compute, level: made.level)
        if let twoMode { made.learnedExactMatch = twoMode.threshold }
        let modeScores = twoMode.map { Self.modeScores($0, heldOut: held) }
        if let twoMode {
            notes += Self.twoModeNotes(twoMode)
        } else {
            notes.append("the store holds no two-mode forecast (it was recorded before ScaleLab made one, or its logistic fit failed)")
        }
        return Summary(design: made, length: length, runs: rows, forecastRecordedAt: record.recordedAt.map(Self.timestamp),
                       heldOutFinishedAt: finished.map(Self.timestamp), scores: scores, scoredRun: target.run,
                       twoStepPWithinTenPercent: headline, twoMode: twoMode, heldOutModes: modeScores?.runs,
                       leftProbabilityBrier: modeScores?.brier, emergence: emergence, notes: notes)
    }

    /// What could not be forecast in a two-mode forecast: a mode likely enough for the prediction
    /// set that no ladder run was in, or whose runs give no spread (no budget with two of them).
    /// (That p in each mode is carried forward, not extrapolated, the report's paragraph and table say.)
    static func twoModeNotes(_ f: TwoModeForecast) -> [String] {
        f.missingModes.map { mode in
            let probability = mode == "left" ? f.leftProbability : 1 - f.leftProbability
            let p = mode == "left" ? f.leftP : f.plateauP
            let why = p == nil
                ? "no ladder run " + (mode == "left" ? "left the plateau" : "stayed on the plateau") + ", so p in that mode has no forecast"
                : "no budget had two ladder runs " + (mode == "left" ? "that left the plateau" : "on the plateau")
                    + ", so p in that mode has no interval (run several seeds per rung: --seeds)"
            return why + " and is not in the prediction set, though its probability is " + String(format: "%.3g", probability)
        }
    }

    /// The done runs of `sweep` with their final loss and the task's metrics at their last evaluated step.
    func runRows(_ store: RunStore, sweep: Int64, role: String) throws -> [RunRow] {
        try store.evaluatedRuns(sweep: sweep, task: design.task).compactMap { e in
            guard let id = e.run.id, let loss = e.run.finalValidationLoss, let C = e.run.flops, let D = e.run.tokens,
                  let step = e.evaluations.map(\.step).max() else { return nil }
            let last = Dictionary(e.evaluations.filter { $0.step == step }.map { ($0.metric, $0.value) }, uniquingKeysWith: { a, _ in a })
            return RunRow(run: id, role: role, seed: e.run.seed, parameters: e.run.parameters, tokens: D, compute: C, loss: loss,
                          p: last[TaskMetric.tokenProbability], exactMatch: last[TaskMetric.exactMatch],
                          answerProbability: last[TaskMetric.answerProbability])
        }.sorted { ($0.compute, $0.seed ?? 0, $0.run) < ($1.compute, $1.seed ?? 0, $1.run) }
    }

    /// Each recorded forecast (`quantity.method`) against the measured value of its quantity.
    static func scores(_ record: StudyRecord, measured: [String: Double?]) -> [Score] {
        let order = ["loss", "p", "exact_match"]
        return record.values.keys.compactMap { key -> Score? in
            guard let dot = key.firstIndex(of: "."), order.contains(String(key[..<dot])) else { return nil }
            let quantity = String(key[..<dot]), method = String(key[key.index(after: dot)...])
            let f = record.values[key]!, interval = record.intervals[key]
            let m = measured[quantity] ?? nil
            return Score(quantity: quantity, method: method, forecast: f, interval: interval, measured: m,
                         error: m.map { f - $0 }, relativeError: m.flatMap { $0 != 0 ? (f - $0) / $0 : nil },
                         covered: m.flatMap { v in interval.map { $0[0] <= v && v <= $0[1] } })
        }.sorted { (order.firstIndex(of: $0.quantity)!, $0.method) < (order.firstIndex(of: $1.quantity)!, $1.method) }
    }

    /// `date` as ISO 8601 in UTC with milliseconds.
    static func timestamp(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: date)
    }
}
