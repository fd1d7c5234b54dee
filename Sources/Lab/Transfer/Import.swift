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
    /// The loss is stored as each run's final validation loss and the run as `done`, so fits
    /// include it. Either every row is imported or none.
    public func importMeasurements(_ set: MeasurementSet, name: String? = nil, version: String) throws(StoreError) -> ImportSummary {
        try importMeasurements([(set, name ?? URL(fileURLWithPath: set.source).lastPathComponent)], version: version)[0]
    }

    /// Adds several sets of runs (e.g. the groups of `MeasurementReader.readGroups`), each as one
    /// sweep of kind `import` named as given, all in one transaction: every sweep or none.
    public func importMeasurements(_ sets: [(set: MeasurementSet, name: String)], version: String)
        throws(StoreError) -> [ImportSummary]
    {
        let groups = sets.map { item in
            ImportGroup(name: item.name, source: item.set.source, format: item.set.format, hash: item.set.contentHash,
                        rows: item.set.count, group: item.set.group, provenance: item.set.provenance)
        }
        let (sweeps, _) = try importRows(groups, version: version) { insert in
            for (k, item) in sets.enumerated() {
                for m in item.set.measurements { try insert(k, m) }
            }
        } then: { _, _ in 0 }
        return zip(sweeps, sets).map { sweep, item in
            let set = item.set
            return ImportSummary(sweepID: sweep.id!, sweepName: sweep.name, runs: set.count, source: set.source,
                                 contentHash: set.contentHash, derived: set.derived.map(\.symbol).sorted(),
                                 columns: set.provenance, computeCheck: set.computeCheck,
                                 warnings: set.warnings.isEmpty ? nil : set.warnings)
        }
    }

    /// Adds the groups of a file read as a stream (`MeasurementReader.stream`), each as one sweep
    /// of kind `import` named `names[k]`, all in one transaction: every sweep or none.
    ///
    /// The file was checked whole when the stream was made, so a bad row has thrown its
    /// `MeasurementInputError` (file, line, column, value) before the store is touched. The rows
    /// go from the file's bytes to the store one at a time (benchmarks/import); the warning about
    /// repeated points is found in the store, among the rows just written, in the same transaction.
    public func importMeasurements(_ stream: MeasurementStream, names: [String], version: String)
        throws(StoreError) -> [ImportSummary]
    {
        precondition(names.count == stream.groups.count, "\(names.count) names for \(stream.groups.count) groups")
        let groups = zip(stream.groups, names).map { g, name in
            ImportGroup(name: name, source: g.source, format: stream.format, hash: g.contentHash, rows: g.count,
                        group: g.group, provenance: g.provenance)
        }
        let (sweeps, repeated) = try importRows(groups, version: version) { insert in
            var failure: (any Error)? = nil
            stream.forEachMeasurement { k, m in
                guard failure == nil else { return }
                do { try insert(k, m) } catch { failure = error }
            }
            if let failure { throw failure }
        } then: { db, sweeps in
            try sweeps.map { DataWarnings.repeatedPoints(found: try Self.repeatedPoints(db, sweep: $0.id!)) }
        }
        return zip(sweeps, zip(stream.groups, repeated)).map { sweep, item in
            let (g, repeated) = item
            let warnings = g.warnings(repeatedPoints: repeated)
            return ImportSummary(sweepID: sweep.id!, sweepName: sweep.name, runs: g.count, source: g.source,
                                 contentHash: g.contentHash, derived: g.derived.map(\.symbol).sorted(),
                                 columns: g.provenance, computeCheck: g.computeCheck,
                                 warnings: warnings.isEmpty ? nil : warnings)
        }
    }

    /// One sweep an import makes: its name and the description its spec records.
    private struct ImportGroup {
        var name: String
        var source: String
        var format: MeasurementFileFormat
        var hash: String
        var rows: Int
        var group: String?
        var provenance: [String: String]
    }

    /// Inserts one sweep per group, then the runs `feed` hands to its `insert` (the group's index
    /// and the measurement), then returns the sweeps and what `then` finds in them, all in one
    /// transaction.
    ///
    /// The runs are inserted with one prepared statement, never held as a list: an import of a
    /// million rows holds one row of arguments at a time. Seven values are bound per row: N, D, C,
    /// U, the loss, the sweep and the message; every other column is the same for every run, encoded
    /// once from a run as `insert` would store it and written into the statement as a literal.
    /// Runs are inserted in the order `feed` hands them: when a file's groups interleave, so do
    /// their run ids (each sweep's runs keep the file's order).
    private func importRows<Found: Sendable>(
        _ groups: [ImportGroup], version: String,
        feed: @escaping @Sendable (_ insert: (Int, Observation) throws -> Void) throws -> Void,
        then: @escaping @Sendable (any StoreDatabase, [Sweep]) throws -> Found
    ) throws(StoreError) -> ([Sweep], Found) {
        let now = Date()
        var planned: [Sweep] = []
        for g in groups {
            var spec = ["source": g.source, "format": g.format.rawValue, "hash": g.hash, "rows": "\(g.rows)",
                        "columns": g.provenance.sorted { $0.key < $1.key }.map { "\($0.key) ← \($0.value)" }.joined(separator: ", ")]
            spec["group"] = g.group
            let json = try StoreJSON.encode(spec, what: "the import's description (the sweep's spec_json)")
            planned.append(Sweep(name: g.name, kind: "import", specJSON: json, scalelabVersion: version, createdAt: now))
        }
        let sweepsToInsert = planned
        let sources = groups.map(\.source)
        return try write { db in
            var sweeps: [Sweep] = []
            var perSweep: [[(any DatabaseValueConvertible)?]] = []
            var columns: [String] = [], literals: [String] = []
            // Bound for each row: the five numbers, then the two columns that differ between sweeps.
            let numbers: [(column: String, value: (Observation) -> Double?)] = [
                (StoredRun.CodingKeys.parameters.rawValue, { $0.parameters ?? .nan }), (StoredRun.CodingKeys.tokens.rawValue, { $0.tokens }),
                (StoredRun.CodingKeys.flops.rawValue, { $0.compute }), (StoredRun.CodingKeys.uniqueTokens.rawValue, { $0.uniqueTokens }),
                (StoredRun.CodingKeys.finalValidationLoss.rawValue, { $0.loss }),
            ]
            let bySweep = [StoredRun.CodingKeys.sweepID.rawValue, StoredRun.CodingKeys.message.rawValue]
            for (sweep, source) in zip(sweepsToInsert, sources) {
                var s = sweep
                try db.insert(&s)
                sweeps.append(s)
                var template = StoredRun(sweepID: s.id!, parameters: .nan, status: .done, createdAt: now)
                template.finishedAt = now
                template.message = "imported from \(source)"
                var values = try template.databaseDictionary
                values["id"] = nil
                perSweep.append(bySweep.map { values[$0]! })
                // Every other column is the same in every row of every sweep: written into the statement once.
                if columns.isEmpty {
                    for (column, value) in values.sorted(by: { $0.key < $1.key })
                    where !bySweep.contains(column) && !numbers.contains(where: { $0.column == column }) {
                        columns.append(column)
                        literals.append(Self.literal(value, column: column))
                    }
                }
            }
            if !sweeps.isEmpty {
                let bound = numbers.map(\.column) + bySweep
                let fixed = perSweep
                try db.executeRepeatedly(
                    sql: "INSERT INTO run (\((bound + columns).joined(separator: ", "))) VALUES ("
                        + (Array(repeating: "?", count: bound.count) + literals).joined(separator: ", ") + ")"
                ) { execute in
                    try feed { k, m in
                        try execute(numbers.map { $0.value(m) } + fixed[k])
                    }
                }
            }
            return (sweeps, try then(db, sweeps))
        }
    }

    /// `value` as an SQL literal, for a value every imported run has: NULL, an integer, a finite
    /// double (in the shortest form that reads back the same) or text, quoted.
    private static func literal(_ value: DatabaseValue, column: String) -> String {
        switch value.storage {
        case .null: return "NULL"
        case .int64(let i): return "\(i)"
        case .double(let x) where x.isFinite: return "\(x)"
        case .string(let s): return "'" + s.replacingOccurrences(of: "'", with: "''") + "'"
        default: preconditionFailure("an imported run's \(column) cannot be written as an SQL literal: \(value)")
        }
    }

    /// The points of `sweep` at which several runs were stored (same N, D, C and U), with their
    /// lowest and highest loss, in the order their second runs were inserted.
    private static func repeatedPoints(_ db: any StoreDatabase, sweep: Int64) throws -> [DataWarnings.RepeatedPoint] {
        let key = "parameters, tokens, flops, unique_tokens"
        let rows = try db.fetchRows(sql: """
            SELECT \(key), MIN(final_validation_loss) AS lo, MAX(final_validation_loss) AS hi,
                   MIN(CASE WHEN n = 2 THEN id END) AS second
            FROM (SELECT id, \(key), final_validation_loss,
                         ROW_NUMBER() OVER (PARTITION BY \(key) ORDER BY id) AS n
                  FROM run WHERE sweep_id = ?) AS r
            GROUP BY \(key) HAVING COUNT(*) >= 2 ORDER BY second
            """, arguments: [sweep])
        return rows.map { row in
            DataWarnings.RepeatedPoint(parameters: row["parameters"], tokens: row["tokens"], compute: row["flops"],
                                       uniqueTokens: row["unique_tokens"], lowestLoss: row["lo"] ?? .nan,
                                       highestLoss: row["hi"] ?? .nan)
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
