import Foundation
import LawFitting
import ScalingLaws
import Report

/// What a report records about how it was made, besides the analysis options: its title, the
/// version, date and machine, and the command line.
public struct ReportContext: Sendable {
    /// The page heading; nil gives `Scaling laws for <file name>`.
    public var title: String?
    public var version: String
    /// Written as given: the caller decides the format (`now` is ISO 8601 UTC).
    public var date: String
    public var machine: String
    public var command: String?

    public init(title: String? = nil, version: String, date: String, machine: String, command: String? = nil) {
        self.title = title
        self.version = version
        self.date = date
        self.machine = machine
        self.command = command
    }

    /// This moment, as ISO 8601 UTC.
    public static var now: String {
        let f = ISO8601DateFormatter()
        f.timeZone = TimeZone(identifier: "UTC")
        return f.string(from: Date())
    }

    /// This machine: OS, architecture and cores, e.g. `Linux x86_64, 2 cores`.
    public static var thisMachine: String {
        var u = utsname()
        uname(&u)
        func text<T>(_ field: T) -> String {
            withUnsafeBytes(of: field) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        }
        return "\(text(u.sysname)) \(text(u.machine)), \(ProcessInfo.processInfo.activeProcessorCount) cores"
    }
}

/// Makes a `ReportInput` from measurements: the main law's analysis (`LawAnalysis`: fit,
/// bootstrap, budgets and back-test) and the comparison of laws, with the provenance. The report
/// itself only renders what this puts in.
public enum ReportBuilder {
    public static func input(from set: MeasurementSet, options: AnalysisOptions, context: ReportContext) throws -> ReportInput {
        let main = try LawAnalysis.run(set, options: options, version: context.version)
        let comparison = options.compareLaws ? try LawAnalysis.compare(set, options: options) : nil
        let name = URL(fileURLWithPath: set.source).lastPathComponent
        let runs = set.measurements.map { ReportRun($0) }
        return ReportInput(
            title: context.title ?? "Scaling laws for \(name)",
            runs: runs, fits: [main.report], comparison: comparison, approaches: approaches(runs),
            budgets: options.budgets,
            provenance: Provenance(source: set.source, dataHash: set.contentHash, scalelabVersion: context.version,
                                   seed: options.seed, bootstrapSamples: options.bootstrap, resampling: options.resampling,
                                   date: context.date,
                                   machine: context.machine, command: context.command))
    }

    /// Approaches 2 and 1 on a report's runs: IsoFLOP parabolas over the runs' planned budgets
    /// (else their C, given or 6·N·D) and the envelope of their learning curves, which the
    /// report places at C = 6·N·D (the curves carry tokens; warm-up already dropped).
    public static func approaches(_ runs: [ReportRun]) -> ReportApproaches? {
        let iso = Approaches.isoFLOP(runs.compactMap { r in
            guard let N = r.parameters, let C = r.budget ?? r.effectiveCompute else { return nil }
            return IsoFLOPRun(parameters: N, tokens: r.tokens, compute: C, loss: r.loss)
        })
        let envelope = Approaches.envelope(runs.compactMap { r in
            guard let N = r.parameters, let curve = r.learningCurve else { return nil }
            return LearningCurve(parameters: N, points: curve)
        })
        let isoflop = iso.parabolas.isEmpty ? nil : iso
        return isoflop == nil && envelope == nil ? nil : ReportApproaches(isoflop: isoflop, envelope: envelope)
    }
}
