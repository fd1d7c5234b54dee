import Foundation

extension EmergenceStudy {
    /// One held-out run scored against the two-mode forecast.
    public struct HeldOutModeScore: Sendable, Codable, Equatable {
        /// The run's id in the store.
        public var run: Int64
        /// The run's seed (nil when the store does not say).
        public var seed: Int64?
        /// Whether it left the plateau: its final exact match at least the forecast's threshold.
        public var left: Bool
        /// Its final per-character probability p.
        public var p: Double?
        /// Its final exact match.
        public var exactMatch: Double
        /// Whether p lies in the forecast's prediction set (nil without p or without a set).
        public var inPredictionSet: Bool?
        /// The forecast of p for the mode the run landed in, and its interval (nil when that mode
        /// had no forecast: no ladder run was in it).
        public var conditionalForecast: Double?
        /// The interval of `conditionalForecast`.
        public var conditionalInterval: [Double]?
        /// (conditional forecast − p)/p.
        public var conditionalRelativeError: Double?
        /// Whether the conditional interval holds p.
        public var conditionalCovered: Bool?
        /// Whether the more probable mode (leaving when π̂ ≥ ½) is the one the run landed in.
        public var likelierMode: Bool
    }

    /// Each held-out run (`rows` with an exact match) scored against `forecast`, and the Brier
    /// score of π̂ over them, `mean (π̂ − left)²` (nil without a scored run).
    static func modeScores(_ forecast: TwoModeForecast, heldOut rows: [RunRow]) -> (runs: [HeldOutModeScore], brier: Double?) {
        let runs = rows.compactMap { r -> HeldOutModeScore? in
            guard let em = r.exactMatch else { return nil }
            let left = em >= forecast.threshold
            let f = left ? forecast.leftP : forecast.plateauP, interval = left ? forecast.leftInterval : forecast.plateauInterval
            let p = r.p
            return HeldOutModeScore(run: r.run, seed: r.seed, left: left, p: p, exactMatch: em,
                                    inPredictionSet: p.flatMap { forecast.predictionSetHolds($0) },
                                    conditionalForecast: f, conditionalInterval: interval,
                                    conditionalRelativeError: f.flatMap { f in p.flatMap { $0 != 0 ? (f - $0) / $0 : nil } },
                                    conditionalCovered: p.flatMap { v in interval.map { $0[0] <= v && v <= $0[1] } },
                                    likelierMode: (forecast.leftProbability >= 0.5) == left)
        }
        let brier = runs.isEmpty ? nil : runs.map { Foundation.pow(forecast.leftProbability - ($0.left ? 1 : 0), 2) }.reduce(0, +)
            / Double(runs.count)
        return (runs, brier)
    }
}
