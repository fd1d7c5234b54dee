import Foundation
import ScalingLaws

/// How a file's own compute column compares with C = 6ND, over the rows that give all three of
/// N, D and C (none of them derived).
///
/// Training FLOPs are 6ND to within tens of percent for any dense transformer: the exact count
/// adds attention (6·n_layer·n_ctx·d_model per token) and, when N leaves them out, the embedding
/// and output layers, which for small models can double it (docs/science.md, §Conventions). A
/// ratio far outside that band says the columns disagree: C in other units (PF-days, GPU-hours),
/// N non-embedding while C counts everything, or D in other units than tokens. The fit does not
/// choose between them: it records the ratio, and the command warns.
public struct ComputeCheck: Sendable, Codable, Equatable {
    /// Rows with N, D and C all read from the file.
    public var rows: Int
    /// The median of C / (6·N·D) over those rows.
    public var medianRatio: Double
    /// The smallest and largest ratio.
    public var minimumRatio: Double
    public var maximumRatio: Double
    /// Rows whose ratio is outside `tolerance`.
    public var rowsOutside: Int

    /// A ratio within [1/2, 2] is a FLOP count of the same training, however it was counted.
    public static let tolerance: ClosedRange<Double> = 0.5...2.0

    /// The check of `ratios` (C/(6ND), one per row); nil without rows.
    public init?(ratios: [Double]) {
        guard !ratios.isEmpty else { return nil }
        let sorted = ratios.sorted()
        let n = sorted.count
        rows = n
        medianRatio = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
        minimumRatio = sorted[0]
        maximumRatio = sorted[n - 1]
        rowsOutside = sorted.filter { !Self.tolerance.contains($0) }.count
    }

    /// `C/6ND: median 1.02 (0.98–1.10) over 240 rows`, for the text output.
    public var summary: String {
        "C/(6ND): median \(Self.show(medianRatio)) (\(Self.show(minimumRatio))–\(Self.show(maximumRatio))) over \(rows) row\(rows == 1 ? "" : "s")"
    }

    /// A warning when some rows' C is far from 6ND, naming how far and what to check; nil otherwise.
    public var warning: String? {
        guard rowsOutside > 0 else { return nil }
        let share = rowsOutside == rows ? "on every row" : "on \(rowsOutside) of \(rows) rows"
        return "the C column is not 6ND \(share) (\(summary)); C within a factor of 2 of 6ND is expected for "
            + "training FLOPs. Check that C is training FLOPs (not PF-days or GPU-hours), that N and D are "
            + "parameters and tokens, and which column a law reads: chinchilla reads N and D, power-c and the "
            + "IsoFLOP budgets read C"
    }

    static func show(_ x: Double) -> String { String(format: x >= 100 || x < 0.01 ? "%.3g" : "%.3f", x) }
}

/// A scale column whose values no training run can have: every value below `ScaleFloor.minimum`.
///
/// No training run in a scaling study has as few as a hundred parameters, examples or FLOPs (the
/// smallest published sweeps start at a few hundred training examples); a column of N, D, C or U
/// whose largest value is below that holds something else (a log10 of the quantity, a ratio, a
/// size label), and fitting it as the quantity gives nonsense (a negative exponent), so the reader
/// refuses it.
public enum ScaleFloor {
    /// The largest value a scale column must exceed somewhere.
    public static let minimum = 100.0

    /// Why `values` (the column `column`, read as `quantity`) cannot be that quantity, or nil when
    /// they can.
    static func problem(low: Double, high: Double, quantity: MeasuredQuantity, column: String) -> String? {
        guard quantity != .loss, high < minimum else { return nil }
        let range = low == high ? "only the value \(ComputeCheck.show(low))"
            : "values from \(ComputeCheck.show(low)) to \(ComputeCheck.show(high))"
        let logHint = high <= 40 ? " If they are log10 values, write 10^x in the file." : ""
        return "column '\(MeasurementInputError.quote(column))', read as \(quantity.label), holds \(range); "
            + "no training run has under \(Int(minimum)) \(quantity.unit), so this column holds something else.\(logHint) "
            + "Name the right column with \(quantity.option)"
            + (quantity == .compute ? ", or leave C out to derive it as 6ND" : "")
    }
}

extension MeasuredQuantity {
    /// The unit a scale quantity counts: parameters, tokens, FLOPs, unique tokens.
    var unit: String {
        switch self {
        case .parameters: "parameters"
        case .tokens: "tokens"
        case .compute: "FLOPs"
        case .uniqueTokens: "unique tokens"
        case .loss: "nats"
        }
    }
}

extension MeasurementSet {
    /// Refuses a scale column no training run can have (`ScaleFloor`): what a fit or an import
    /// checks before using the numbers. Reading alone does not, so a file can still be inspected.
    public func checkScales() throws(MeasurementInputError) {
        for q in MeasuredQuantity.allCases {
            guard let v = q.variable, let column = columns[q] else { continue }
            let values = measurements.compactMap { $0.value(of: v) }
            guard let low = values.min(), let high = values.max() else { continue }
            if let why = ScaleFloor.problem(low: low, high: high, quantity: q, column: column) {
                throw .implausibleScale(file: source, detail: why)
            }
        }
    }
}
