import Foundation
import Lab
import Report

/// A study: a ladder design, an analysis and a report section, run with one command.
///
/// A study is a list of stages run in order against one run store. A `.ladder` stage plans a
/// ladder (once: a resumed study keeps its plan) and trains it; a `.record` stage computes
/// numbers from what the store holds then and stores them once, before any later stage trains:
/// a forecast made before the run it forecasts (pre-registration, with the store's timestamp as
/// the witness). When every stage is done, `analyze` reads the store and `sections` turns the
/// summary into the report's section. ScaleLab's own studies (`EmergenceStudy`) are written
/// this way; a study of your own is a type conforming to this protocol, run by `StudyRunner`.
public protocol Study: Sendable {
    /// What `analyze` returns: the study's findings, written as JSON (`summary.json`).
    associatedtype Summary: Codable & Sendable

    /// The study's name (`emergence`): its sweeps and records are named after it.
    var name: String { get }
    /// The stages, in the order they run.
    var stages: [StudyStage] { get }
    /// The findings, from a store in which every stage is done.
    func analyze(_ store: RunStore) throws -> Summary
    /// The report's sections for `summary`.
    func sections(_ summary: Summary) -> [ReportSection]
    /// The names of the corpora its stages train on besides its own (`StudyStage.corpus`),
    /// each with what it should hold, for the command's messages; empty by default.
    var corpora: [String: String] { get }
}

extension Study {
    public var corpora: [String: String] { [:] }
}

/// One stage of a study.
public struct StudyStage: Sendable {
    /// What a stage does.
    public enum Kind: Sendable {
        /// Plans a ladder from what the store holds (called once; the plan is stored as the sweep
        /// `study NAME: STAGE`) and trains it before the next stage starts.
        case ladder(@Sendable (RunStore) throws -> LadderPlan)
        /// Computes numbers from what the store holds and stores them once as the record
        /// `study NAME: STAGE`, before any later stage trains.
        case record(@Sendable (RunStore) throws -> StudyRecord)
    }

    /// The stage's name within its study (`ladder`, `forecast`, `held-out`).
    public var name: String
    /// What the stage does.
    public var kind: Kind
    /// The corpus a ladder stage's runs train on, by the name the study gives it (`target`); nil:
    /// the study's own corpus (`--data`). The command that runs the study maps each name to a file.
    public var corpus: String?

    /// A stage named `name` that does `kind`, its runs training on `corpus` (nil: the study's own).
    public init(name: String, kind: Kind, corpus: String? = nil) {
        self.name = name
        self.kind = kind
        self.corpus = corpus
    }

    /// A ladder stage, training on `corpus` (nil: the study's own corpus).
    public static func ladder(_ name: String, corpus: String? = nil,
                              plan: @escaping @Sendable (RunStore) throws -> LadderPlan) -> StudyStage {
        StudyStage(name: name, kind: .ladder(plan), corpus: corpus)
    }

    /// A record stage.
    public static func record(_ name: String, compute: @escaping @Sendable (RunStore) throws -> StudyRecord) -> StudyStage {
        StudyStage(name: name, kind: .record(compute))
    }
}

/// Numbers a study stores at a stage, named, with optional intervals: stored as a fit of the
/// store (law `study NAME: STAGE`, method `record`), so exports and dumps carry it and its
/// creation time shows when it was made.
public struct StudyRecord: Sendable, Codable, Equatable {
    /// The values by name.
    public var values: [String: Double]
    /// Intervals `[low, high]` by name; a name may have an interval without a value.
    public var intervals: [String: [Double]]
    /// How many data points the numbers were computed from (runs, evaluations).
    public var points: Int
    /// When it was stored (nil before it is).
    public var recordedAt: Date?

    public init(values: [String: Double], intervals: [String: [Double]] = [:], points: Int, recordedAt: Date? = nil) {
        self.values = values
        self.intervals = intervals
        self.points = points
        self.recordedAt = recordedAt
    }
}

/// Why a study could not run or go on: each says what to do.
public enum StudyError: Error, Equatable, CustomStringConvertible, LocalizedError {
    /// The store holds a stage of this study planned with other settings.
    case settingsChanged(study: String, stage: String, detail: String)
    /// A stage's ladder finished with runs that did not complete.
    case runsFailed(study: String, stage: String, detail: String)
    /// The store holds what the study needs, but not in a form it can use.
    case unusable(String)

    public var description: String {
        switch self {
        case .settingsChanged(let study, let stage, let detail):
            return "the store holds study \(study)'s stage '\(stage)' planned with other settings (\(detail)); "
                + "run it again with the settings it was started with, or start afresh with --fresh (or another --dir)"
        case .runsFailed(let study, let stage, let detail):
            return "study \(study)'s stage '\(stage)' has runs that did not complete: \(detail); their logs (beside the store, "
                + "in scalelab.sqlite.runs/) say why; a failed or diverged run is not retried: fix the cause, then start afresh "
                + "with --fresh (or another --dir)"
        case .unusable(let s): return s
        }
    }

    public var errorDescription: String? { description }
}
