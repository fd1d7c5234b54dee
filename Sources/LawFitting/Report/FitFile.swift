import Foundation
import ScalingLaws

/// Why a fit file (`scalelab fit --out FILE.json`, read back by `plan --fit`) cannot be used,
/// with what to fix. `description` is the message for people.
public enum FitFileError: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError {
    /// The file could not be read or is not the JSON of a fit report.
    case unreadable(file: String, reason: String)
    /// The report reads but a value in it cannot be planned with.
    case invalid(file: String, problem: String)

    public var description: String {
        switch self {
        case let .unreadable(file, reason):
            return "cannot read the fit report \(file): \(reason); write one with `scalelab fit FILE --out \(file)`"
        case let .invalid(file, problem):
            return "the fit report \(file) is not usable: \(problem); fix it or write it again with "
                + "`scalelab fit FILE --out \(file)`"
        }
    }

    public var errorDescription: String? { description }
}

extension FitReport {
    /// Reads and validates the fit report at `path` (non-finite numbers written as "inf",
    /// "-inf", "nan", the way `fit --out` writes them).
    public static func read(path: String) throws(FitFileError) -> FitReport {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw .unreadable(file: path, reason: (error as NSError).localizedDescription)
        }
        return try read(data, source: path)
    }

    /// Decodes and validates a fit report; `source` names it in messages.
    public static func read(_ data: Data, source: String) throws(FitFileError) -> FitReport {
        let report: FitReport
        do { report = try JSONConventions.decoder().decode(FitReport.self, from: data) } catch let error as DecodingError {
            throw .unreadable(file: source, reason: describe(error))
        } catch {
            throw .unreadable(file: source, reason: MeasurementInputError.quote("\(error)"))
        }
        try report.validate(source: source)
        return report
    }

    /// Checks everything a plan reads: the law is known; every parameter it needs is present
    /// once, finite and in its range (`ParameterSpec.range`, and above zero where the range
    /// starts at zero — exponents and scales — except the irreducible loss E, which may be 0);
    /// the bootstrap's level is in (0, 1) and each refit has one value per parameter, each valid
    /// like the parameters.
    public func validate(source: String) throws(FitFileError) {
        func bad(_ problem: String) -> FitFileError { .invalid(file: source, problem: problem) }
        let q = MeasurementInputError.quote
        guard let formula = namedLaw else {
            throw bad("it names an unknown law '\(q(law))' (known: \(LawForms.identifiers.joined(separator: ", ")))")
        }
        if let v = variable, ScaleVariable(rawValue: v) == nil || !formula.identifier.hasPrefix("bnsl") {
            throw bad("\"variable\" is '\(q(v))'; only a broken power law (bnsl) records one, and it is N, D or C")
        }
        var seen = Set<String>()
        for name in parameterOrder where !seen.insert(name).inserted {
            throw bad("\"parameterOrder\" lists '\(q(name))' twice")
        }
        let tied = formula.tiesExponents
        let base = formula.untiedForm
        let known = Set(base.parameterNames)
        for name in parameterOrder where !known.contains(name) {
            throw bad("law \(law) has no parameter '\(q(name))' (its parameters: \(base.parameterNames.joined(separator: ", ")))")
        }
        var values: [String: Double] = [:]
        for name in parameterOrder {
            guard let v = parameters[name] else { throw bad("parameter '\(q(name))' has no value in \"parameters\"") }
            values[name] = v
        }
        for (k, v) in fixed ?? [:] {
            guard known.contains(k) else { throw bad("law \(law) has no parameter '\(q(k))' (in \"fixed\")") }
            values[k] = v
        }
        if tied { values["beta"] = values["alpha"] }
        for spec in base.parameters {
            guard let v = values[spec.name] else {
                throw bad("parameter '\(spec.name)' of law \(law) is missing; it needs \(base.parameterNames.joined(separator: ", "))")
            }
            if let why = Self.outOfRange(v, spec) { throw bad("parameter \(spec.name) = \(v) \(why)") }
        }
        if let b = bootstrap {
            guard b.level.isFinite, b.level > 0, b.level < 1 else {
                throw bad("bootstrap level \(b.level) must be between 0 and 1 (e.g. 0.9 for 90% intervals)")
            }
            for (i, refit) in b.parameters.enumerated() {
                guard refit.count == parameterOrder.count else {
                    throw bad("bootstrap refit \(i + 1) has \(refit.count) values but \"parameterOrder\" has \(parameterOrder.count)")
                }
                for (name, v) in zip(parameterOrder, refit) {
                    guard let spec = base.parameters.first(where: { $0.name == name }) else { continue }
                    if let why = Self.outOfRange(v, spec) { throw bad("bootstrap refit \(i + 1) has \(name) = \(v), which \(why)") }
                }
            }
        }
    }

    /// Why `v` is not a valid value of `spec`, or nil when it is.
    static func outOfRange(_ v: Double, _ spec: ParameterSpec) -> String? {
        guard v.isFinite else { return "is not a finite number" }
        let r = spec.range
        if r.lowerBound == 0 && spec.name != "E" {
            guard v > 0 else { return "must be above 0" }
        }
        guard r.contains(v) else {
            let high = r.upperBound.isFinite ? "\(r.upperBound)" : "∞"
            return "is outside its valid range [\(r.lowerBound), \(high)]"
        }
        return nil
    }

    /// A decoding error in words: what is missing or wrong, at which key path.
    public static func describe(_ error: DecodingError) -> String {
        func at(_ path: [any CodingKey]) -> String {
            path.isEmpty ? "" : " at " + path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let c): return "no key \"\(key.stringValue)\"\(at(c.codingPath))"
        case .valueNotFound(let type, let c): return "no value (expected \(type))\(at(c.codingPath))"
        case .typeMismatch(let type, let c): return "expected \(type)\(at(c.codingPath))"
        case .dataCorrupted(let c): return "\(MeasurementInputError.quote(c.debugDescription))\(at(c.codingPath))"
        @unknown default: return MeasurementInputError.quote("\(error)")
        }
    }
}
