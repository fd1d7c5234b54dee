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
        let reports = try b.parameters.map(law).compactMap { try? plan($0) }.filter { r in
            (try? nonFinite(in: r) == nil) ?? false
        }
        return PlanAnalysis(plan: main, intervals: try percentiles(of: reports, level: b.level), level: b.level,
                            refits: reports.count)
    }

    /// The central `level` percentile interval of every number the plans share (those that vary),
    /// keyed by its path in the plan's JSON; the request's own numbers are left out.
    public static func percentiles(of reports: [PlanReport], level: Double) throws -> [String: [Double]] {
        var values: [String: [Double]] = [:]
        for r in reports {
            let object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(r))
            flatten(object, prefix: "", into: &values)
        }
        let tail = (1 - level) / 2
        var out: [String: [Double]] = [:]
        for (key, v) in values where !key.hasPrefix("request.") {
            let sorted = v.filter(\.isFinite).sorted()
            guard sorted.count == reports.count, let lo = sorted.first, let hi = sorted.last, lo != hi else { continue }
            out[key] = [quantile(sorted: sorted, tail), quantile(sorted: sorted, 1 - tail)]
        }
        return out
    }

    /// The first number of `report` (by its path in the plan's JSON) that is NaN or infinite.
    static func nonFinite(in report: PlanReport) throws -> (key: String, value: String)? {
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        var found: [(String, String)] = []
        func walk(_ value: Any, _ prefix: String) {
            if let d = value as? [String: Any] {
                for (k, v) in d { walk(v, prefix.isEmpty ? k : prefix + "." + k) }
            } else if let a = value as? [Any] {
                for (i, v) in a.enumerated() { walk(v, "\(prefix)[\(i)]") }
            } else if let s = value as? String, ["inf", "-inf", "nan"].contains(s) {
                found.append((prefix, s))
            }
        }
        walk(try JSONSerialization.jsonObject(with: encoder.encode(report)), "")
        return found.sorted { $0.0 < $1.0 }.first.map { (key: $0.0, value: $0.1) }
    }

    private static func flatten(_ value: Any, prefix: String, into out: inout [String: [Double]]) {
        if let d = value as? [String: Any] {
            for (k, v) in d { flatten(v, prefix: prefix.isEmpty ? k : prefix + "." + k, into: &out) }
        } else if let n = value as? NSNumber {
            out[prefix, default: []].append(n.doubleValue)
        }
    }
}
