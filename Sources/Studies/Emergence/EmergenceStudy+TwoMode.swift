import Foundation
import LawFitting

extension EmergenceStudy {
    /// The two-mode forecast of the held-out model's per-character probability p, made from the
    /// ladder's final scores alone (docs/science.md, §The emergence study, "Several seeds per rung").
    ///
    /// A run either stays on the plateau (p near 0.39 on two-digit addition, exact match near 0) or
    /// leaves it (p 0.6–1); which one, at a given budget, is a matter of the seed. So the forecast
    /// has two parts: the probability π̂ that the held-out model leaves the plateau, from Firth's
    /// logistic regression of "left" on ln C over every ladder run (`FirthLogistic`), and p in each
    /// mode, read off the ladder's largest budget where any run was in that mode: the mean final p
    /// of those runs, carried forward unchanged (not extrapolated to the held-out compute), with a
    /// Student-t prediction interval for one new run from the spread of the mode's runs within
    /// each budget, pooled (`modeForecast`).
    public struct TwoModeForecast: Sendable, Codable, Equatable {
        /// The final exact match at or above which a run counts as having left the plateau.
        public var threshold: Double
        /// The held-out model's compute C (FLOPs).
        public var compute: Double
        /// The nominal level of the intervals and of the prediction set.
        public var level: Double
        /// The ladder runs classified (those with a final exact match), and how many left the plateau.
        public var ladderRuns: Int, ladderLeft: Int
        /// π̂: the probability that the held-out model leaves the plateau, and its percentile
        /// interval over case resamples of the ladder runs (nil with fewer than 10 resamples).
        public var leftProbability: Double
        /// The interval of `leftProbability`.
        public var leftProbabilityInterval: [Double]?
        /// The fitted model `logit π = a + b·ln C`: `[a, b]`.
        public var logit: [Double]
        /// p if it stays on the plateau: the mean final p of the runs that stayed at
        /// `plateauBudget`, the largest compute where any stayed; carried forward, not extrapolated.
        /// Nil when every ladder run left.
        public var plateauP: Double?
        /// The prediction interval of `plateauP` for one new run (`modeForecast`).
        public var plateauInterval: [Double]?
        /// The compute (FLOPs) `plateauP` is carried forward from.
        public var plateauBudget: Double?
        /// The ladder runs behind `plateauP`.
        public var plateauRuns: Int
        /// p if it leaves the plateau: the mean final p of the runs that left at `leftBudget`, the
        /// largest compute where any left, with a Student-t prediction interval (`modeForecast`);
        /// carried forward, not extrapolated. Nil when no ladder run left.
        public var leftP: Double?
        /// The prediction interval of `leftP` for one new run (`modeForecast`).
        public var leftInterval: [Double]?
        /// The compute (FLOPs) `leftP` is carried forward from.
        public var leftBudget: Double?
        /// The ladder runs behind `leftP`.
        public var leftRuns: Int
        /// π̂·p_left + (1 − π̂)·p_plateau, when both modes have a forecast.
        public var expectedP: Double? {
            guard let l = leftP, let s = plateauP else { return nil }
            return leftProbability * l + (1 - leftProbability) * s
        }

        /// The probability a mode needs for its interval to join the prediction set: (1 − level)/2.
        public var minimumModeProbability: Double { (1 - level) / 2 }

        /// The prediction set of p: the union of the modes' intervals whose probability (π̂ for
        /// leaving, 1 − π̂ for staying) is at least `minimumModeProbability`, overlapping intervals
        /// merged, in increasing order. A likely mode without a forecast (`missingModes`) is not in it.
        public var predictionSet: [[Double]] {
            var parts: [[Double]] = []
            if 1 - leftProbability >= minimumModeProbability, let i = plateauInterval { parts.append(i) }
            if leftProbability >= minimumModeProbability, let i = leftInterval { parts.append(i) }
            var merged: [[Double]] = []
            for i in parts.sorted(by: { $0[0] < $1[0] }) {
                if let last = merged.last, i[0] <= last[1] { merged[merged.count - 1][1] = max(last[1], i[1]) } else { merged.append(i) }
            }
            return merged
        }

        /// The modes (`plateau`, `left`) likely enough to be in the prediction set that have no
        /// interval of p: no ladder run was in them, or no budget had two runs in them (one seed
        /// per rung gives no spread).
        public var missingModes: [String] {
            var missing: [String] = []
            if 1 - leftProbability >= minimumModeProbability && plateauInterval == nil { missing.append("plateau") }
            if leftProbability >= minimumModeProbability && leftInterval == nil { missing.append("left") }
            return missing
        }

        /// Whether `p` lies in the prediction set; nil when the set is empty.
        public func predictionSetHolds(_ p: Double) -> Bool? {
            let set = predictionSet
            return set.isEmpty ? nil : set.contains { $0[0] <= p && p <= $0[1] }
        }

        /// The record's values and intervals: the `mode.` keys, and `p.two-mode` (scored with the
        /// other forecasts of p).
        var record: (values: [String: Double], intervals: [String: [Double]]) {
            var values: [String: Double] = [
                "mode.threshold": threshold, "mode.ladder-runs": Double(ladderRuns), "mode.ladder-left": Double(ladderLeft),
                "mode.left-probability": leftProbability, "mode.logit-intercept": logit[0], "mode.logit-slope": logit[1],
                "mode.plateau-runs": Double(plateauRuns), "mode.left-runs": Double(leftRuns),
            ]
            var intervals: [String: [Double]] = [:]
            func put(_ name: String, _ v: Double?, _ i: [Double]?) {
                if let v, v.isFinite { values[name] = v }
                if let i, i.count == 2, i.allSatisfy(\.isFinite) { intervals[name] = i }
            }
            put("mode.left-probability", nil, leftProbabilityInterval)
            put("mode.p-plateau", plateauP, plateauInterval)
            put("mode.p-left", leftP, leftInterval)
            put("mode.p-left-budget", leftBudget, nil)
            put("mode.p-plateau-budget", plateauBudget, nil)
            put("p.two-mode", expectedP, nil)
            return (values, intervals)
        }

        /// The forecast stored in `record` at `level`; nil when the record has none (a store
        /// forecast before the two-mode forecast existed, or one whose logistic fit failed).
        init?(record: StudyRecord, compute: Double, level: Double) {
            let v = record.values, i = record.intervals
            guard let threshold = v["mode.threshold"], let pi = v["mode.left-probability"],
                  let a = v["mode.logit-intercept"], let b = v["mode.logit-slope"] else { return nil }
            func count(_ key: String) -> Int { v[key].map { Int(max(0, min($0, 1e9))) } ?? 0 }
            self.init(threshold: threshold, compute: v["target.compute"] ?? compute, level: level, ladderRuns: count("mode.ladder-runs"),
                      ladderLeft: count("mode.ladder-left"), leftProbability: pi, leftProbabilityInterval: i["mode.left-probability"],
                      logit: [a, b], plateauP: v["mode.p-plateau"], plateauInterval: i["mode.p-plateau"],
                      plateauBudget: v["mode.p-plateau-budget"], plateauRuns: count("mode.plateau-runs"), leftP: v["mode.p-left"], leftInterval: i["mode.p-left"],
                      leftBudget: v["mode.p-left-budget"], leftRuns: count("mode.left-runs"))
        }

        /// A forecast from its parts.
        public init(threshold: Double, compute: Double, level: Double, ladderRuns: Int, ladderLeft: Int, leftProbability: Double,
                    leftProbabilityInterval: [Double]?, logit: [Double], plateauP: Double?, plateauInterval: [Double]?,
                    plateauBudget: Double? = nil, plateauRuns: Int, leftP: Double?, leftInterval: [Double]?, leftBudget: Double?, leftRuns: Int) {
            self.threshold = threshold
            self.compute = compute
            self.level = level
            self.ladderRuns = ladderRuns
            self.ladderLeft = ladderLeft
            self.leftProbability = leftProbability
            self.leftProbabilityInterval = leftProbabilityInterval
            self.logit = logit
            self.plateauP = plateauP
            self.plateauInterval = plateauInterval
            self.plateauBudget = plateauBudget
            self.plateauRuns = plateauRuns
            self.leftP = leftP
            self.leftInterval = leftInterval
            self.leftBudget = leftBudget
            self.leftRuns = leftRuns
        }
    }

    /// The two-mode forecast at `compute` from the ladder's runs (`rows`: their final p and exact
    /// match), with the design's threshold, bootstrap, level and seed.
    ///
    /// - Throws: `StudyError.unusable` when fewer than 2 runs have an exact match or they all sit
    ///   at one compute; a logistic fit's error.
    func twoModeForecast(rows: [RunRow], compute: Double) throws -> TwoModeForecast {
        let classified = rows.filter { $0.exactMatch != nil && $0.compute > 0 && $0.compute.isFinite }
        guard classified.count >= 2, Set(classified.map(\.compute)).count >= 2 else {
            throw StudyError.unusable("the two-mode forecast needs ladder runs with an exact match at two or more budgets, got "
                + "\(classified.count)")
        }
        let threshold = design.learnedExactMatch
        let left = classified.map { ($0.exactMatch ?? 0) >= threshold }
        let logistic = try FirthLogistic.forecast(x: classified.map { Foundation.log($0.compute) }, outcomes: left,
                                                  at: Foundation.log(compute), bootstrap: design.bootstrap, level: design.level,
                                                  seed: design.seed)
        let plateau = modeForecast(classified.indices.filter { !left[$0] }.map { classified[$0] })
        let learned = modeForecast(classified.indices.filter { left[$0] }.map { classified[$0] })
        return TwoModeForecast(threshold: threshold, compute: compute, level: design.level, ladderRuns: classified.count,
                               ladderLeft: left.filter { $0 }.count, leftProbability: logistic.probability,
                               leftProbabilityInterval: logistic.interval, logit: [logistic.intercept, logistic.slope],
                               plateauP: plateau?.p, plateauInterval: plateau?.interval, plateauBudget: plateau?.budget,
                               plateauRuns: plateau?.runs ?? 0,
                               leftP: learned?.p, leftInterval: learned?.interval, leftBudget: learned?.budget,
                               leftRuns: learned?.runs ?? 0)
    }

    /// p in one mode, from that mode's ladder runs: the mean final p of its runs at the largest
    /// compute where it has any (the seeds of one budget share shape and tokens), and a Student-t
    /// prediction interval for one new run there, mean ± t(ν)·s·√(1 + 1/n), where s pools the
    /// spread of the mode's runs around their budget's mean over every budget with two or more of
    /// them (ν = Σ(n_b − 1)); clipped to [0, 1]. The interval is nil when no budget has two runs in
    /// the mode. Nil when the mode has no run with a finite p.
    func modeForecast(_ runs: [RunRow]) -> (p: Double, interval: [Double]?, budget: Double, runs: Int)? {
        let withP = runs.filter { $0.p?.isFinite == true }
        guard let top = withP.map(\.compute).max() else { return nil }
        func sameBudget(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-9 * max(a, b) }
        let atTop = withP.filter { sameBudget($0.compute, top) }.compactMap(\.p)
        let mean = atTop.reduce(0, +) / Double(atTop.count)
        var squares = 0.0, dof = 0
        var budgets: [Double] = []
        for c in withP.map(\.compute) where !budgets.contains(where: { sameBudget($0, c) }) { budgets.append(c) }
        for c in budgets {
            let ps = withP.filter { sameBudget($0.compute, c) }.compactMap(\.p)
            guard ps.count >= 2 else { continue }
            let m = ps.reduce(0, +) / Double(ps.count)
            squares += ps.map { ($0 - m) * ($0 - m) }.reduce(0, +)
            dof += ps.count - 1
        }
        var interval: [Double]? = nil
        if dof >= 1 {
            let i = StudentT.predictionInterval(mean: mean, count: atTop.count, standardDeviation: (squares / Double(dof)).squareRoot(),
                                                degreesOfFreedom: Double(dof), level: design.level)
            interval = [max(0, i[0]), min(1, i[1])]
        }
        return (mean, interval, top, atTop.count)
    }
}
