import Foundation
import LawFitting
import ScalingLaws

/// What `import` added to the store.
public struct ImportSummary: Sendable, Codable, Equatable {
    public var sweepID: Int64
    public var sweepName: String
    public var runs: Int
    public var source: String
    /// FNV-1a hash of the numbers (`MeasurementSet.contentHash`).
    public var contentHash: String
    /// Quantities computed from others: D = C/(6N), C = 6ND.
    public var derived: [String]
    /// The column each quantity was read from, by symbol (`MeasurementSet.provenance`).
    public var columns: [String: String]? = nil
    /// How the file's C compares with 6ND, when it gave all three.
    public var computeCheck: ComputeCheck? = nil
    /// What looks wrong in the file though it imported (e.g. C far from 6ND).
    public var warnings: [String]? = nil
}

extension RunStore {
    /// Adds runs trained elsewhere as one sweep of kind `import`, all in one transaction.
    ///
    /// The file is read whole first (`MeasurementReader`), so a bad row throws its
    /// `MeasurementInputError` (file, line, column, value) before the store is touched; a
    /// failure while writing rolls the whole import back. Either every row is imported or none.
    /// Each row needs N and D (C is derived as 6ND when absent) and a loss; the loss is stored as
    /// the run's final validation loss and the run as `done`, so fits include it.
    public func importMeasurements(_ set: MeasurementSet, name: String? = nil, version: String) throws(StoreError) -> ImportSummary {
        try importMeasurements([(set, name ?? URL(fileURLWithPath: set.source).lastPathComponent)], version: version)[0]
    }

    /// Adds several sets of runs (e.g. the groups of `MeasurementReader.readGroups`), each as one
    /// sweep of kind `import` named as given, all in one transaction: every sweep or none.
    public func importMeasurements(_ sets: [(set: MeasurementSet, name: String)], version: String)
        throws(StoreError) -> [ImportSummary]
    {
        let now = Date()
        var sweeps: [Sweep] = []
        for (set, name) in sets {
            var spec = ["source": set.source, "format": set.format.rawValue, "hash": set.contentHash, "rows": "\(set.count)",
                        "columns": set.provenance.sorted { $0.key < $1.key }.map { "\($0.key) ← \($0.value)" }.joined(separator: ", ")]
            spec["group"] = set.group
            let json = try StoreJSON.encode(spec, what: "the import's description (the sweep's spec_json)")
            sweeps.append(Sweep(name: name, kind: "import", specJSON: json, scalelabVersion: version, createdAt: now))
        }
        // Each run is made and inserted in turn, never held as a whole list: an import of a million
        // rows holds the measurements and one run at a time (benchmarks/import).
        let planned = sweeps
        let stored = try write { db in
            try zip(planned, sets).map { sweep, item -> Sweep in
                var s = sweep
                try db.insert(&s)
                let message = "imported from \(item.set.source)"
                for m in item.set.measurements {
                    var r = StoredRun(sweepID: s.id!, parameters: m.parameters ?? .nan, status: .done, createdAt: now)
                    r.tokens = m.tokens
                    r.flops = m.compute
                    r.uniqueTokens = m.uniqueTokens
                    r.finalValidationLoss = m.loss
                    r.finishedAt = now
                    r.message = message
                    try db.insert(&r)
                }
                return s
            }
        }
        return zip(stored, sets).map { sweep, item in
            let set = item.set
            let warnings = set.warnings
            return ImportSummary(sweepID: sweep.id!, sweepName: sweep.name, runs: set.count, source: set.source,
                                 contentHash: set.contentHash, derived: set.derived.map(\.symbol).sorted(),
                                 columns: set.provenance, computeCheck: set.computeCheck,
                                 warnings: warnings.isEmpty ? nil : warnings)
        }
    }
}

/// Reads a measurement file for import: N and D are required (C may be derived), as every fit
/// from the store reads N and D.
public func readImportFile(path: String, reader: MeasurementReader = MeasurementReader())
    throws(MeasurementInputError) -> MeasurementSet
{
    let set = try reader.read(path: path, requiring: [.parameters, .tokens])
    try set.checkScales()
    return set
}

/// Reads a measurement file for import as the groups of `reader.selection` (one set without
/// `groupBy`), each with N and D required as in `readImportFile(path:reader:)`.
public func readImportGroups(path: String, reader: MeasurementReader = MeasurementReader())
    throws(MeasurementInputError) -> [MeasurementSet]
{
    let sets = try reader.readGroups(path: path, requiring: [.parameters, .tokens])
    for set in sets { try set.checkScales() }
    return sets
}
