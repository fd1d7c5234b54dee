import Foundation
import Lab
import ScalingLaws
import Trainer

/// Runs a study's stages against a store, in order, resuming where an earlier run stopped.
///
/// Each ladder stage is planned once and stored as the sweep `study NAME: STAGE`; on resume the
/// stored plan's spec must equal the one the study would plan now (the same settings), else
/// `StudyError.settingsChanged`. Training goes through `train`, which the caller supplies (the
/// command line trains in worker processes, a test may simulate): it trains every queued run of
/// the store and returns true when it was stopped before finishing. A record stage stores its
/// numbers once, before any later stage trains.
public struct StudyRunner<S: Study>: Sendable {
    /// What a run of the runner ended with.
    public enum Outcome: Sendable {
        /// Every stage is done; the study's findings.
        case finished(S.Summary)
        /// Training was stopped (an interrupt); running the study again resumes it.
        case stopped
    }

    /// The study to run.
    public let study: S
    /// The store its sweeps, runs and records go to.
    public let store: RunStore
    /// The ScaleLab version stored with the sweeps and records.
    public let version: String

    /// A runner of `study` against `store`, recording `version` with what it stores.
    public init(study: S, store: RunStore, version: String) {
        self.study = study
        self.store = store
        self.version = version
    }

    /// The name of the sweep or record of `stage`: `study emergence: ladder`.
    public static func storedName(study: String, stage: String) -> String { "study \(study): \(stage)" }

    /// Runs every stage not yet done, then analyses the store.
    ///
    /// - Parameters:
    ///   - train: Trains every queued run of the store on the stage's corpus (`StudyStage.corpus`,
    ///     nil: the study's own); returns true when it stopped early.
    ///   - say: Receives a line of progress per stage.
    public func run(train: (RunStore, _ corpus: String?) throws -> Bool, say: (String) -> Void = { _ in }) throws -> Outcome {
        for stage in study.stages {
            let name = Self.storedName(study: study.name, stage: stage.name)
            switch stage.kind {
            case .ladder(let plan):
                let sweep = try ladder(stage: stage.name, name: name, plan: plan, say: say)
                let runs = try store.runs(sweep: sweep)
                if runs.contains(where: { !$0.status.isFinal }) {
                    say("\(stage.name): training \(runs.filter { !$0.status.isFinal }.count) of \(runs.count) runs")
                    if try train(store, stage.corpus) { return .stopped }
                }
                let failed = try store.runs(sweep: sweep).filter { $0.status != .done }
                guard failed.isEmpty else {
                    throw StudyError.runsFailed(study: study.name, stage: stage.name, detail: failed.map {
                        "run \($0.id ?? 0) \($0.status.rawValue)" + ($0.message.map { " (\($0))" } ?? "")
                    }.joined(separator: "; "))
                }
            case .record(let compute):
                if try record(named: name) == nil {
                    let r = try compute(store)
                    try store.save(try StoredFit(law: name, method: "record", dataHash: "", points: r.points,
                                                 parameters: r.values, intervals: r.intervals, scalelabVersion: version))
                    say("\(stage.name): recorded before training what follows")
                }
            }
        }
        return .finished(try study.analyze(store))
    }

    /// Runs every stage not yet done, every one on the same corpus (`train` is not told which).
    public func run(train: (RunStore) throws -> Bool, say: (String) -> Void = { _ in }) throws -> Outcome {
        try run(train: { store, _ in try train(store) }, say: say)
    }

    /// The stage's sweep: the stored one (its spec checked against a fresh plan's) or a new one.
    private func ladder(stage: String, name: String, plan: (RunStore) throws -> LadderPlan,
                        say: (String) -> Void) throws -> Int64 {
        let planned = try plan(store)
        if let sweep = try store.sweeps().first(where: { $0.name == name }) {
            guard let stored = try? JSONConventions.decoder().decode(LadderPlan.self, from: Data(sweep.specJSON.utf8)) else {
                throw StudyError.unusable("the store's sweep '\(name)' (id \(sweep.id ?? 0)) does not hold a ladder plan; "
                    + "start the study afresh with --fresh (or another --dir)")
            }
            guard stored.spec == planned.spec else {
                throw StudyError.settingsChanged(study: study.name, stage: stage, detail: Self.difference(stored.spec, planned.spec))
            }
            // A study may set what the ladder's specification does not hold (a batch, a unique-token
            // cap): every run's config must be the one planned now, its threads aside.
            guard stored.runs.map({ Self.settings($0.config) }) == planned.runs.map({ Self.settings($0.config) }) else {
                throw StudyError.settingsChanged(study: study.name, stage: stage,
                                                 detail: Self.difference(stored.runs.map(\.config), planned.runs.map(\.config)))
            }
            return sweep.id!
        }
        let added = try store.add(planned, name: name, version: version)
        say("\(stage): planned \(planned.runs.count) run\(planned.runs.count == 1 ? "" : "s"), "
            + String(format: "%.3g", planned.totalFLOPs) + " FLOPs")
        return added.sweep.id!
    }

    /// What differs between two specs, in words.
    static func difference(_ a: LadderSpec, _ b: LadderSpec) -> String {
        a.differences(from: b).joined(separator: "; ")
    }

    /// A run's config as a study sets it: without its threads, which the runner fixes when the run
    /// first starts (`--workers` may differ on a resume), and with only the file name of the
    /// checkpoint it fine-tunes from (the study's folder may have moved; the parent run is the same).
    static func settings(_ config: TrainingConfig) -> TrainingConfig {
        var c = config
        c.threads = 1
        c.initFrom = c.initFrom.map { ($0 as NSString).lastPathComponent }
        return c
    }

    /// What differs between the runs' stored and planned configs, for the refusal's message.
    static func difference(_ a: [TrainingConfig], _ b: [TrainingConfig]) -> String {
        func caps(_ c: [TrainingConfig]) -> [String] { c.map { $0.uniqueTokens.map(String.init) ?? "none" } }
        func seeds(_ c: [TrainingConfig]) -> [UInt64] { Array(Set(c.map(\.seed))).sorted() }
        if a.count != b.count {
            return "\(a.count) runs there, \(b.count) now" + (seeds(a) != seeds(b) ? " (run seeds \(seeds(a)) there, \(seeds(b)) now)" : "")
        }
        if a.map(\.seed) != b.map(\.seed) { return "run seeds \(seeds(a)) there, \(seeds(b)) now" }
        let (batchesA, batchesB) = (a.map(\.hyperparameters.batch), b.map(\.hyperparameters.batch))
        if batchesA != batchesB { return "batches \(batchesA) there, \(batchesB) now" }
        if caps(a) != caps(b) { return "unique-token caps \(caps(a)) there, \(caps(b)) now" }
        return a.map(\.hyperparameters) != b.map(\.hyperparameters) ? "the runs' hyperparameters differ" : "the runs' configurations differ"
    }

    private func record(named name: String) throws -> StudyRecord? { try StudyRecord.stored(in: store, named: name) }

    /// The stored record of `stage` of `study` in `store`, if it was made.
    public static func record(in store: RunStore, study: String, stage: String) throws -> StudyRecord? {
        try StudyRecord.stored(in: store, named: storedName(study: study, stage: stage))
    }
}

extension StudyRecord {
    /// The record stored under `name` (the latest, if several), or nil.
    static func stored(in store: RunStore, named name: String) throws -> StudyRecord? {
        guard let fit = try store.fits().last(where: { $0.law == name && $0.method == "record" }) else { return nil }
        return StudyRecord(values: fit.parameters, intervals: fit.intervals ?? [:], points: fit.points, recordedAt: fit.createdAt)
    }
}
