import Foundation
import LawFitting
import ScalingLaws

/// A plan made with a fitted law, and with every bootstrap refit of it: the percentile interval of
/// each number of the plan. The one place `scalelab plan --fit` gets its numbers from.
public struct PlanAnalysis: Sendable {
    public var plan: PlanReport
    /// The percentile interval of each number of the plan, keyed by the number's path in the
    /// plan's JSON (e.g. `computeOptimal.parameters`); nil without bootstrap refits.
    public var intervals: [String: [Double]]?
    public var level: Double?
    /// How many refits planned (those whose plan failed are left out).
    public var refits: Int

    public init(plan: PlanReport, intervals: [String: [Double]]? = nil, level: Double? = nil, refits: Int) {
        self.plan = plan
        self.intervals = intervals
        self.level = level
        self.refits = refits
    }

    /// Plans `request` with the law of `report` (a `scalelab fit --out` document read from
    /// `source`) and with each of its bootstrap refits.
    ///
    /// The report is validated first (`FitReport.validate`), and a plan with a number that is
    /// not finite (a law whose constants overflow) is refused, naming the number.
    public static func run(_ request: PlanRequest, report: FitReport, source: String) throws -> PlanAnalysis {
        try report.validate(source: source)
        func law(_ values: [Double]) throws -> PlanningLaw {
            do { return try PlanningLaw(FittedLaw.baseLaw(of: report, parameters: values)) } catch {
                throw AnalysisError.fit("\(source): \(error)")
            }
        }
        func plan(_ law: PlanningLaw) throws(PlanningError) -> PlanReport {
            try Planner.plan(request, law: law, name: "\(report.law) fitted to \(report.data?.file ?? source)",
                             citation: nil, parameterConvention: "as in the fitted data")
        }
        let best = try law(report.parameterOrder.map { report.parameters[$0] ?? .nan })
        let main: PlanReport
        do { main = try plan(best) } catch { throw AnalysisError.fit(error.description) }
        if let bad = try nonFinite(in: main) {
            throw FitFileError.invalid(file: source, problem: "with its parameters the plan's \(bad.key) is \(bad.value), "
                + "not a finite number (are the scales A and B far too large?)")
        }
        guard let b = report.bootstrap, !b.parameters.isEmpty else { return PlanAnalysis(plan: main, refits: 0) }
        // Each refit's plan is read once; a plan that fails or has a non-finite number is left out.
        let refits = try b.parameters.map(law).compactMap { try? plan($0) }.map(numbers).filter { firstNonFinite($0) == nil }
        return PlanAnalysis(plan: main, intervals: percentiles(of: refits, level: b.level), level: b.level, refits: refits.count)
    }

    /// The central `level` percentile interval of every number the plans share (those that vary),
    /// keyed by its path in the plan's JSON; the request's own numbers are left out.
    public static func percentiles(of reports: [PlanReport], level: Double) throws -> [String: [Double]] {
        percentiles(of: try reports.map(numbers), level: level)
    }

    /// `percentiles(of:level:)` of plans already read by `numbers(of:)`. Numbers inside arrays
    /// (a published allocation's extras) get no interval.
    static func percentiles(of plans: [[String: Double]], level: Double) -> [String: [Double]] {
        var values: [String: [Double]] = [:]
        for plan in plans {
            for (key, value) in plan where !key.contains("[") { values[key, default: []].append(value) }
        }
        let tail = (1 - level) / 2
        var out: [String: [Double]] = [:]
        for (key, v) in values where !key.hasPrefix("request.") {
            let sorted = v.filter(\.isFinite).sorted()
            guard sorted.count == plans.count, let lo = sorted.first, let hi = sorted.last, lo != hi else { continue }
            out[key] = [quantile(sorted: sorted, tail), quantile(sorted: sorted, 1 - tail)]
        }
        return out
    }

    /// Every number of `report`, keyed by its path in the plan's JSON (`computeOptimal.parameters`,
    /// `allocation.extras[0].value`); non-finite numbers are kept (as `JSONConventions` writes them).
    static func numbers(of report: PlanReport) throws -> [String: Double] {
        var out: [String: Double] = [:]
        func walk(_ value: Any, _ prefix: String) {
            if let d = value as? [String: Any] {
                for (k, v) in d { walk(v, prefix.isEmpty ? k : prefix + "." + k) }
            } else if let a = value as? [Any] {
                for (i, v) in a.enumerated() { walk(v, "\(prefix)[\(i)]") }
            } else if let s = value as? String, let x = ["inf": Double.infinity, "-inf": -.infinity, "nan": .nan][s] {
                out[prefix] = x
            } else if let n = value as? NSNumber {
                out[prefix] = n.doubleValue
            }
        }
        walk(try JSONSerialization.jsonObject(with: JSONConventions.encoder().encode(report)), "")
        return out
    }

    /// The first number of `report` (by its path in the plan's JSON) that is NaN or infinite.
    static func nonFinite(in report: PlanReport) throws -> (key: String, value: String)? {
        firstNonFinite(try numbers(of: report))
    }

    /// The first (by path) of `numbers` that is NaN or infinite, as the JSON writes it.
    static func firstNonFinite(_ numbers: [String: Double]) -> (key: String, value: String)? {
        numbers.filter { !$0.value.isFinite }.min { $0.key < $1.key }
            .map { (key: $0.key, value: $0.value.isNaN ? "nan" : $0.value > 0 ? "inf" : "-inf") }
    }
}
