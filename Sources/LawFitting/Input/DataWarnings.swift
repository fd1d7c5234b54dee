import Foundation
import ScalingLaws

/// Signs that a data set is several sweeps (or was read from the wrong columns), found while
/// reading it. Each is a sentence for `warning: …` on stderr and the `warnings` of a fit report;
/// none stops a fit, since only the user knows whether the rows belong together.
///
/// The rules (docs/commands.md, "Warnings"):
/// - repeated points: rows at the same scale (same N, D, C and U) whose losses are more than
///   `duplicateSpread` (1%) apart, at the median over the repeated points. Seed-to-seed noise is
///   a few tenths of a percent; two settings pooled give the same gap at almost every point, so
///   the median separates them where one noisy repeat does not.
/// - settings columns: a text column (not one read as N, D, C, U or the loss) with 2 to
///   `maximumSettings` (20) distinct values, each on at least 2 rows, not a label of the model
///   size (a column like `70M`, each of whose values goes with one N only, is not a setting).
/// - several candidate columns for a quantity found by its usual names (`loss`, `val_loss`,
///   `train_loss`): which was used, and the option that chooses another.
public enum DataWarnings {
    /// Repeated points whose losses differ by more than this fraction (at the median) are not noise.
    public static let duplicateSpread = 0.01
    /// The most distinct values a column may have to be taken as a setting.
    public static let maximumSettings = 20

    /// The warning about repeated points (same N, D, C and U) whose losses disagree beyond noise,
    /// or nil: the relative spread (largest/smallest − 1) of each repeated point's losses, warned
    /// about when its median over the repeated points exceeds `duplicateSpread`. `hint` says how
    /// to separate the rows (a file's `--where`, a store's `--where sweep=`).
    public static func repeatedPoints(_ measurements: [Observation],
                                      hint: String = defaultRepeatedPointsHint)
        -> String?
    {
        // Rows with the same N, D, C and U, found by sorting row indices (8 bytes a row) instead of
        // hashing every point: a million rows stay cheap. An absent value sorts as UInt64.max (a
        // NaN's bits, which no value read can have).
        func key(_ i: Int) -> (UInt64, UInt64, UInt64, UInt64) {
            let m = measurements[i]
            return (m.parameters?.bitPattern ?? .max, m.tokens?.bitPattern ?? .max, m.compute?.bitPattern ?? .max,
                    m.uniqueTokens?.bitPattern ?? .max)
        }
        var byPoint = Array(measurements.indices)
        byPoint.sort { a, b in
            let (ka, kb) = (key(a), key(b))
            return ka < kb || (ka == kb && a < b)
        }
        // Each repeated point: the row where it repeats (its second), one of its rows, its losses.
        var repeated: [(second: Int, point: RepeatedPoint)] = []
        var i = 0
        while i < byPoint.count {
            var j = i + 1, lo = measurements[byPoint[i]].loss, hi = lo
            while j < byPoint.count, key(byPoint[j]) == key(byPoint[i]) {
                lo = min(lo, measurements[byPoint[j]].loss)
                hi = max(hi, measurements[byPoint[j]].loss)
                j += 1
            }
            if j - i >= 2 {
                let m = measurements[byPoint[i]]
                repeated.append((byPoint[i + 1], RepeatedPoint(parameters: m.parameters, tokens: m.tokens, compute: m.compute,
                                                               uniqueTokens: m.uniqueTokens, lowestLoss: lo, highestLoss: hi)))
            }
            i = j
        }
        repeated.sort { $0.second < $1.second }   // in the order the rows repeat, as they were read
        return repeatedPoints(found: repeated.map(\.point), hint: hint)
    }

    /// What `repeatedPoints(_:hint:)` says to separate a file's rows.
    public static let defaultRepeatedPointsHint = "select one setting with --where COL=VALUE or fit each with --group-by COL"

    /// One scale (N, D, C, U) at which several rows were measured, with their lowest and highest loss.
    public struct RepeatedPoint: Sendable, Equatable {
        public var parameters: Double?
        public var tokens: Double?
        public var compute: Double?
        public var uniqueTokens: Double?
        public var lowestLoss: Double
        public var highestLoss: Double

        public init(parameters: Double?, tokens: Double?, compute: Double?, uniqueTokens: Double?,
                    lowestLoss: Double, highestLoss: Double) {
            self.parameters = parameters
            self.tokens = tokens
            self.compute = compute
            self.uniqueTokens = uniqueTokens
            self.lowestLoss = lowestLoss
            self.highestLoss = highestLoss
        }
    }

    /// The warning about repeated points (`repeatedPoints(_:hint:)`) from the points already
    /// found, in the order their rows repeat: for rows that are somewhere else than in memory
    /// (an import finds them in the store it wrote them to).
    public static func repeatedPoints(found repeated: [RepeatedPoint], hint: String = defaultRepeatedPointsHint) -> String? {
        let spreadOf = { (p: RepeatedPoint) in p.lowestLoss > 0 ? p.highestLoss / p.lowestLoss - 1 : nil }
        let usable = repeated.compactMap { p in spreadOf(p).map { (point: p, spread: $0) } }
        guard !usable.isEmpty else { return nil }
        let spreads = usable.map(\.spread).sorted()
        let median = spreads.count % 2 == 1 ? spreads[spreads.count / 2]
            : (spreads[spreads.count / 2 - 1] + spreads[spreads.count / 2]) / 2
        guard median > duplicateSpread else { return nil }
        let beyond = spreads.filter { $0 > duplicateSpread }.count
        let worst = usable.max { $0.spread < $1.spread }!
        let m = worst.point
        let at = [("N", m.parameters), ("D", m.tokens), ("C", m.compute), ("U", m.uniqueTokens)]
            .compactMap { name, x in x.map { "\(name)=\(String(format: "%g", $0))" } }
            .joined(separator: ", ")
        return "\(beyond) of the \(usable.count) repeated points (rows with the same N, D, C and U) have losses more than "
            + "\(percent(duplicateSpread)) apart (median spread \(percent(median)), largest \(percent(worst.spread)) at \(at)); "
            + "seed-to-seed noise is a few tenths of a percent, so the rows may be several sweeps: \(hint)"
    }

    /// `0.48%`, `1%`, `4.3%`, `17%`, `120%`.
    static func percent(_ x: Double) -> String { String(format: 100 * x >= 10 ? "%.0f%%" : "%.2g%%", 100 * x) }

    /// For each quantity found by its usual names (not named by the user), the other columns that
    /// could hold it: another of its usual names, or, for the loss, any name with `loss` in it.
    static func candidates(_ columns: [String], used: [MeasuredQuantity: Int], mapping: ColumnMapping) -> [String] {
        let claimed = Set(used.values)
        var out: [String] = []
        for q in MeasuredQuantity.allCases where mapping[q] == nil {
            guard let chosen = used[q] else { continue }
            let aliases = Set(q.aliases.map(ColumnMapping.normalized))
            let others = columns.indices.filter { j in
                guard j != chosen, !claimed.contains(j) else { return false }
                let key = ColumnMapping.normalized(columns[j])
                return aliases.contains(key) || (q == .loss && key.contains("loss"))
            }
            guard !others.isEmpty else { continue }
            let names = ([chosen] + others).sorted().map { "'\(MeasurementInputError.quote(columns[$0]))'" }
            out.append("several columns could be \(q.label) (\(names.joined(separator: ", "))); used "
                       + "'\(MeasurementInputError.quote(columns[chosen]))': name another with \(q.option)")
        }
        return out
    }
}

/// What `DataWarnings` needs of one column, not read as a quantity, to say whether it looks
/// like a setting of several sweeps pooled (the rules of `DataWarnings`), gathered one row at a
/// time: its values' counts (until it has more than `DataWarnings.maximumSettings`), whether a
/// value goes with two model sizes, and whether any value is text.
struct SettingsTally {
    /// The column's index.
    let column: Int
    /// The column of the model size (N, else C, else D), to tell a setting from a size label.
    let sizeColumn: Int?
    private var counts: [RowSelection.CellKey: Int] = [:]
    private var firstSize: [RowSelection.CellKey: String] = [:]
    private var values = DistinctValues()
    /// Some value goes with two sizes: not a size label.
    private var spansSizes: Bool
    private var text = false
    /// More values than a setting has (a run name, a measurement): the column is no setting.
    private var tooMany = false

    init(column: Int, sizeColumn: Int?) {
        self.column = column
        self.sizeColumn = sizeColumn
        spansSizes = sizeColumn == nil
    }

    mutating func add(_ row: RawTable.Row) {
        guard !tooMany, let c = RowSelection.text(row.cells[column]) else { return }
        let key = RowSelection.CellKey(c)
        if case .text = key { text = true }
        counts[key, default: 0] += 1
        if counts.count > DataWarnings.maximumSettings {
            tooMany = true
            counts = [:]
            firstSize = [:]
            values = DistinctValues()
            return
        }
        values.add(c)
        if !spansSizes, let s = sizeColumn, let size = RowSelection.text(row.cells[s]) {
            if let first = firstSize[key] { spansSizes = first != size } else { firstSize[key] = size }
        }
    }

    /// The warning when the column (named in `names`) looks like a setting, else nil.
    func warning(names: [String]) -> String? {
        guard !tooMany, text, counts.count >= 2, counts.values.allSatisfy({ $0 >= 2 }), spansSizes else { return nil }
        let name = names[column]
        let values = values.sorted.compactMap { $0 }
        let shown = values.prefix(10).map(MeasurementInputError.quote).joined(separator: ", ") + (values.count > 10 ? ", …" : "")
        let first = MeasurementInputError.quote(values[0])
        return "column '\(MeasurementInputError.quote(name))' has \(values.count) values (\(shown)); the rows may be "
            + "several sweeps: fit one with --where \(name)=\(first) or each with --group-by \(name)"
    }
}
