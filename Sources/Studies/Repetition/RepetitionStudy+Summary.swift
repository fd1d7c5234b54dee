import Foundation
import Lab
import ScalingLaws

extension RepetitionStudy {
    /// One run of the study at its end.
    public struct RunRow: Sendable, Codable, Equatable {
        /// The run's id in the store.
        public var run: Int64
        /// `ladder` or `held-out`.
        public var role: String
        /// N (all parameters), D, the unique-token cap U, and epochs D/U.
        public var parameters: Double, tokens: Double, uniqueTokens: Double, epochs: Double
        /// The final validation loss (nats per byte) and the fitted law's.
        public var loss: Double, fitted: Double
    }

    /// One constant of the law: fitted on the ladder, and published for C4.
    public struct ConstantRow: Sendable, Codable, Equatable {
        /// `E`, `A`, `B`, `alpha`, `R_D_star`, `R_N_star`.
        public var name: String
        /// Our value.
        public var fitted: Double
        /// Its bootstrap interval `[low, high]` (nil when held fixed).
        public var interval: [Double]?
        /// Muennighoff et al.'s C4 value.
        public var published: Double
        /// Held at a value in the fit rather than fitted.
        public var fixed: Bool
    }

    /// What repeating data cost one run, next to the same size trained on fresh data.
    public struct PenaltyRow: Sendable, Codable, Equatable {
        /// N of the size, the run's epochs, its loss and the loss of the size's 1-epoch run.
        public var parameters: Double, epochs: Double, loss: Double, baseline: Double
        /// loss/baseline − 1, measured; by the fitted law; by the fitted law with the published
        /// R_D* and R_N* in place of ours.
        public var measured: Double, fitted: Double, publishedDecay: Double
        /// D'/D: the share of the run's tokens worth fresh ones, by our R_D* and by the published.
        public var effectiveFraction: Double, publishedEffectiveFraction: Double
    }

    /// The held-out model's forecast, stored before it trained, against what it measured.
    public struct ForecastScore: Sendable, Codable, Equatable {
        /// The held-out budget C and its unique tokens U.
        public var compute: Double, uniqueTokens: Double
        /// The fitted law's best N, D and epochs for them.
        public var planParameters: Double, planTokens: Double, planEpochs: Double
        /// Bootstrap intervals of the planned N and D (each refit's own plan).
        public var planParametersInterval: [Double]?, planTokensInterval: [Double]?
        /// The model trained (the shape rule's nearest to the planned N) and its tokens.
        public var parameters: Double, tokens: Double
        /// The forecast loss of that model and its bootstrap interval.
        public var loss: Double, interval: [Double]?
        /// The held-out model's final validation loss.
        public var measured: Double?
        /// (forecast − measured)/measured.
        public var relativeError: Double?
        /// Whether the interval holds the measured loss.
        public var covered: Bool?
    }

    /// The study's findings (`summary.json`).
    public struct Summary: Sendable, Codable, Equatable {
        /// The settings (bootstrap and level: those of the stored forecast).
        public var design: Design
        /// Every done run, ladder by size and epochs, then the held-out model.
        public var runs: [RunRow]
        /// The fitted law: all seven constants (β = α; R_N* as held).
        public var law: DataConstrainedParameters
        /// The fitted constants beside the published ones.
        public var constants: [ConstantRow]
        /// The fit's RMSE of log loss over the ladder.
        public var fitRMSELog: Double?
        /// The loss penalty of repetition, per run of the ladder.
        public var penalties: [PenaltyRow]
        /// The forecast and its outcome.
        public var forecast: ForecastScore
        /// When the forecast was stored (ISO 8601 in UTC with milliseconds; such strings sort by time).
        public var forecastRecordedAt: String?
        /// When the held-out run finished training (the same format).
        public var heldOutFinishedAt: String?
        /// Headline: does our R_D* interval hold the published 15.4?
        public var rdStarIntervalHoldsPublished: Bool?
        /// Headline: the mean measured penalty at 4 epochs over the sizes (nil without 4 in the design).
        public var penaltyAtFourEpochs: Double?
        /// Headline: is the forecast within 5% of the measured loss?
        public var forecastWithinFivePercent: Bool?
        /// What should be read with care.
        public var notes: [String]
    }

    /// Reads the stored forecast (the fit made before the held-out model trained) and every run,
    /// and scores the forecast.
    public func analyze(_ store: RunStore) throws -> Summary {
        guard let ladder = try Self.sweep("ladder", in: store), let heldOut = try Self.sweep("held-out", in: store) else {
            throw StudyError.unusable("the store does not hold both of the repetition study's ladders; run the study to its end")
        }
        guard let record = try StudyRunner<RepetitionStudy>.record(in: store, study: name, stage: "forecast") else {
            throw StudyError.unusable("the store has no forecast recorded before the held-out model; run the study from its start with --fresh")
        }
        let v = record.values
        guard let E = v["fit.E"], let A = v["fit.A"], let B = v["fit.B"], let alpha = v["fit.alpha"], let rd = v["fit.R_D_star"],
              let rn = v["fit.R_N_star"], let C = v["target.compute"], let U = v["target.uniqueTokens"], let loss = v["loss.forecast"] else {
            throw StudyError.unusable("the store's repetition forecast lacks the fitted constants; run the study with --fresh")
        }
        let ours = DataConstrainedParameters(chinchilla: ChinchillaParameters(E: E, A: A, B: B, alpha: alpha, beta: alpha),
                                             repeatedTokenDecay: rd, excessParameterDecay: rn)
        var notes: [String] = []
        func rows(_ sweep: Int64, _ role: String) throws -> [RunRow] {
            try Self.observations(store, sweep: sweep).map { pair in
                let o = pair.observation
                return RunRow(run: pair.run.id ?? 0, role: role, parameters: o.parameters!, tokens: o.tokens!, uniqueTokens: o.uniqueTokens!,
                       epochs: o.tokens! / o.uniqueTokens!, loss: o.loss,
                       fitted: ours.loss(parameters: o.parameters!, tokens: o.tokens!, uniqueTokens: o.uniqueTokens!))
            }.sorted { ($0.parameters, $0.epochs) < ($1.parameters, $1.epochs) }
        }
        let ladderRows = try rows(ladder, "ladder"), heldRows = try rows(heldOut, "held-out")
        guard let target = heldRows.last else { throw StudyError.unusable("the held-out model has no finished run") }
        let finished = try store.runs(sweep: heldOut).compactMap(\.finishedAt).max()
        if let at = record.recordedAt, let done = finished, at > done {
            notes.append("the forecast was recorded after the held-out model finished training: it is not a forecast made before training")
        }
        notes.append("R_N* is held at \(Self.num(rn)): a model's excess parameters grow with its epochs in this design, "
            + "so R_N* and R_D* are not separately identified; R_D* is fitted given it.")
        let penalties = Self.penalties(ladderRows, ours: ours)
        let four = penalties.filter { abs($0.epochs - 4) < 0.5 }.map(\.measured)
        let relative = (loss - target.loss) / target.loss
        let interval = record.intervals["loss.forecast"]
        let score = ForecastScore(compute: C, uniqueTokens: U, planParameters: v["plan.parameters"] ?? .nan,
                                  planTokens: v["plan.tokens"] ?? .nan, planEpochs: v["plan.epochs"] ?? .nan,
                                  planParametersInterval: record.intervals["plan.parameters"],
                                  planTokensInterval: record.intervals["plan.tokens"],
                                  parameters: target.parameters, tokens: target.tokens, loss: loss, interval: interval,
                                  measured: target.loss, relativeError: relative,
                                  covered: interval.map { $0[0] <= target.loss && target.loss <= $0[1] })
        var made = design
        if let b = v["design.bootstrap"], b >= 0, b < 1e9 { made.bootstrap = Int(b) }
        if let l = v["design.level"] { made.level = l }
        let rdInterval = record.intervals["fit.R_D_star"]
        return Summary(design: made, runs: ladderRows + heldRows, law: ours, constants: Self.constants(record, ours: ours),
                       fitRMSELog: v["fit.rmseLog"], penalties: penalties, forecast: score,
                       forecastRecordedAt: record.recordedAt.map(Self.timestamp), heldOutFinishedAt: finished.map(Self.timestamp),
                       rdStarIntervalHoldsPublished: rdInterval.map { $0[0] <= Self.published.repeatedTokenDecay
                           && Self.published.repeatedTokenDecay <= $0[1] },
                       penaltyAtFourEpochs: four.isEmpty ? nil : four.reduce(0, +) / Double(four.count),
                       forecastWithinFivePercent: abs(relative) <= 0.05, notes: notes)
    }

    /// The ladder's runs grouped by model: same N and D (the rungs of one budget), by N then D.
    static func rungs(_ rows: [RunRow]) -> [[RunRow]] {
        Dictionary(grouping: rows) { [$0.parameters, $0.tokens] }.sorted { ($0.key[0], $0.key[1]) < ($1.key[0], $1.key[1]) }
            .map { $0.value.sorted { $0.epochs < $1.epochs } }
    }

    /// Each ladder run's penalty against the 1-epoch run of its size (the fewest epochs).
    static func penalties(_ rows: [RunRow], ours: DataConstrainedParameters) -> [PenaltyRow] {
        var theirs = ours
        theirs.repeatedTokenDecay = published.repeatedTokenDecay
        theirs.excessParameterDecay = published.excessParameterDecay
        return rungs(rows).flatMap { runs -> [PenaltyRow] in
            guard let base = runs.first else { return [] }
            let N = base.parameters
            func penalty(_ law: DataConstrainedParameters, _ r: RunRow) -> Double {
                law.loss(parameters: N, tokens: r.tokens, uniqueTokens: r.uniqueTokens)
                    / law.loss(parameters: N, tokens: base.tokens, uniqueTokens: base.uniqueTokens) - 1
            }
            return runs.map { r in
                PenaltyRow(parameters: N, epochs: r.epochs, loss: r.loss, baseline: base.loss, measured: r.loss / base.loss - 1,
                           fitted: penalty(ours, r), publishedDecay: penalty(theirs, r),
                           effectiveFraction: effectiveFraction(epochs: r.epochs, decay: ours.repeatedTokenDecay),
                           publishedEffectiveFraction: effectiveFraction(epochs: r.epochs, decay: published.repeatedTokenDecay))
            }
        }
    }

    /// The fitted constants (with the record's intervals) beside the published ones.
    static func constants(_ record: StudyRecord, ours: DataConstrainedParameters) -> [ConstantRow] {
        let p = published, c = ours.chinchilla
        let table: [(String, Double, Double)] = [
            ("E", c.E, p.chinchilla.E), ("A", c.A, p.chinchilla.A), ("B", c.B, p.chinchilla.B), ("alpha", c.alpha, p.chinchilla.alpha),
            ("R_D_star", ours.repeatedTokenDecay, p.repeatedTokenDecay), ("R_N_star", ours.excessParameterDecay, p.excessParameterDecay),
        ]
        return table.map { name, fitted, pub in
            ConstantRow(name: name, fitted: fitted, interval: record.intervals["fit." + name], published: pub, fixed: name == "R_N_star")
        }
    }

    /// `date` as ISO 8601 in UTC with milliseconds.
    static func timestamp(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: date)
    }
}
