import Foundation
import GRDB
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
        // The runs are inserted with one prepared statement, never held as a list: an import of a
        // million rows holds the measurements and one row of arguments at a time (benchmarks/import).
        // Every column but the five numbers is the same for all runs of a sweep: it is encoded once,
        // from a run as `insert` would store it, and only N, D, C, U and the loss are bound per row.
        let planned = sweeps
        let stored = try write { db in
            try zip(planned, sets).map { sweep, item -> Sweep in
                var s = sweep
                try db.insert(&s)
                var template = StoredRun(sweepID: s.id!, parameters: .nan, status: .done, createdAt: now)
                template.finishedAt = now
                template.message = "imported from \(item.set.source)"
                var values = try template.databaseDictionary
                values["id"] = nil
                let columns = values.keys.sorted()
                let fixed: [(any DatabaseValueConvertible)?] = columns.map { values[$0]! }
                let numbers: [(column: String, value: (Observation) -> Double?)] = [
                    (StoredRun.CodingKeys.parameters.rawValue, { $0.parameters ?? .nan }), (StoredRun.CodingKeys.tokens.rawValue, { $0.tokens }),
                    (StoredRun.CodingKeys.flops.rawValue, { $0.compute }), (StoredRun.CodingKeys.uniqueTokens.rawValue, { $0.uniqueTokens }),
                    (StoredRun.CodingKeys.finalValidationLoss.rawValue, { $0.loss }),
                ]
                let slots = numbers.map { n -> Int in
                    guard let i = columns.firstIndex(of: n.column) else {
                        preconditionFailure("a run's record has no column \(n.column), only \(columns)")
                    }
                    return i
                }
                let measurements = item.set.measurements
                try db.executeRepeatedly(
                    sql: "INSERT INTO run (\(columns.joined(separator: ", "))) VALUES ("
                        + Array(repeating: "?", count: columns.count).joined(separator: ", ") + ")",
                    count: measurements.count
                ) { i in
                    var row: [(any DatabaseValueConvertible)?] = fixed
                    for (slot, n) in zip(slots, numbers) { row[slot] = n.value(measurements[i]) }
                    return row
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
