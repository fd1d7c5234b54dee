import ScalingLaws

/// The measurements read from one file, with where they came from and how they were read.
///
/// `contentHash` identifies the numbers: a fit records it so a result can be traced to its data.
public struct MeasurementSet: Sendable, Codable, Equatable {
    /// The runs, in file order.
    public var measurements: [Observation]
    /// The path (or name) the measurements were read from.
    public var source: String
    /// The format the file was read as.
    public var format: MeasurementFileFormat
    /// The column each quantity was read from; nil for a quantity with no column.
    public var columns: ColumnMapping
    /// The variables computed from others in at least one row: D = C/(6N), C = 6ND.
    public var derived: Set<ScaleVariable>
    /// FNV-1a 64 of the numbers, as 16 lower-case hex digits (see `contentHash(of:)`).
    public var contentHash: String
    /// The group these rows are (`tokenizer=bpe`) when the file was split with
    /// `RowSelection.groupBy`; nil for a set of all the rows selected.
    public var group: String?
    /// Signs, found while reading, that these rows are several sweeps or were read from a
    /// doubtful column (`DataWarnings`); empty for one clean sweep.
    public var warnings: [String]
    /// How the file's C compares with 6ND on the rows that give N, D and C; nil when no row does.
    public var computeCheck: ComputeCheck?

    /// Measurements read from `source`; `contentHash` is computed from them.
    public init(measurements: [Observation], source: String, format: MeasurementFileFormat,
                columns: ColumnMapping = ColumnMapping(), derived: Set<ScaleVariable> = [],
                group: String? = nil, warnings: [String] = []) {
        self.measurements = measurements
        self.source = source
        self.format = format
        self.columns = columns
        self.derived = derived
        self.contentHash = Self.contentHash(of: measurements)
        self.group = group
        self.warnings = warnings
    }

    /// Which column each quantity was read from, by symbol (`N`, `D`, `C`, `U`, `L`), with
    /// `derived: C = 6ND` or `derived: D = C/(6N)` for a quantity computed from others in some
    /// row: the provenance a fit records.
    public var provenance: [String: String] { Self.provenance(columns: columns, derived: derived) }

    /// The provenance of quantities read from `columns`, `derived` computed from others in some row.
    static func provenance(columns: ColumnMapping, derived: Set<ScaleVariable>) -> [String: String] {
        var out: [String: String] = [:]
        for q in MeasuredQuantity.allCases {
            if let v = q.variable, derived.contains(v) {
                let how = v == .compute ? "derived: C = 6ND" : "derived: D = C/(6N)"
                out[q.rawValue] = columns[q].map { "\($0) (\(how) where empty)" } ?? how
            } else if let name = columns[q] {
                out[q.rawValue] = name
            }
        }
        return out
    }

    /// The number of runs.
    public var count: Int { measurements.count }

    /// The variables every measurement has.
    public var availableVariables: Set<ScaleVariable> {
        Set(ScaleVariable.allCases.filter { v in measurements.allSatisfy { $0.value(of: v) != nil } })
    }

    /// A stable hash of the numbers: FNV-1a 64 over, for each measurement in order, N, D, C, U
    /// and the loss, each as a presence byte (0 or 1) followed by the 8 little-endian bytes of
    /// its IEEE-754 bit pattern.
    ///
    /// Order matters on purpose: a seeded bootstrap draws rows by index, so the same rows in
    /// another order can give other intervals. Column names, formatting (`1e9` vs
    /// `1000000000`) and the file format do not change the hash.
    public static func contentHash(of measurements: [Observation]) -> String {
        var hash = ContentHash()
        for m in measurements {
            hash.add(parameters: m.parameters, tokens: m.tokens, compute: m.compute, uniqueTokens: m.uniqueTokens, loss: m.loss)
        }
        return hash.hex
    }
}

/// Checks that a fit has more points than parameters.
///
/// A law with k parameters needs more than k points: with k points it interpolates them and says
/// nothing about the error. Throws `.tooFewPoints` naming the law, its parameter count and the
/// file, e.g. "law chinchilla has 5 parameters but runs.csv has 3 usable rows; need at least 6".
public func validatePointCount(_ set: MeasurementSet, parameters: Int, law: String)
    throws(MeasurementInputError)
{
    precondition(parameters >= 0, "parameter count \(parameters) must not be negative")
    guard set.count > parameters else {
        throw .tooFewPoints(file: set.source, law: law, parameters: parameters, points: set.count)
    }
}

/// Checks that enough measurements have every variable `law` reads (more than its parameters).
public func validatePointCount(_ set: MeasurementSet, for law: any LawFormula)
    throws(MeasurementInputError)
{
    let usable = set.measurements.filter { m in law.variables.allSatisfy { m.value(of: $0) != nil } }
    guard usable.count > law.parameters.count else {
        throw .tooFewPoints(file: set.source, law: law.identifier,
                            parameters: law.parameters.count, points: usable.count)
    }
}
