import Foundation
import ScalingLaws

/// The published data sets copied into Tests/Fixtures (see its README for sources and licences).
/// A deliberately small reader so these tests do not depend on the input module they help test.
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// Rows of a plain CSV (no quoted fields) as dictionaries of numbers; non-numeric cells are skipped.
    static func rows(_ name: String) throws -> [[String: Double]] {
        let text = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
        let lines = text.split(whereSeparator: \.isNewline).map(String.init)
        let header = lines[0].split(separator: ",").map(String.init)
        return lines.dropFirst().map { line in
            var row: [String: Double] = [:]
            for (key, cell) in zip(header, line.split(separator: ",", omittingEmptySubsequences: false)) {
                if let v = Double(cell) { row[key] = v }
            }
            return row
        }
    }

    /// The 182 runs of Muennighoff et al.'s published data-constrained fit.
    static func datablations182() throws -> [Observation] {
        try rows("datablations_c4_fit_subset_182.csv").map {
            Observation(parameters: $0["params_N"]!, tokens: $0["tokens_D"]!,
                                    uniqueTokens: $0["unique_tokens_U"]!, loss: $0["val_loss"]!)
        }
    }

    /// Caballero et al.'s 4-digit addition: train set size (as D) against test cross-entropy.
    static func bnslAddition() throws -> [Observation] {
        try rows("bnsl_4digit_addition.csv").map {
            Observation(tokens: $0["train_dataset_size"]!, loss: $0["test_cross_entropy"]!)
        }
    }
}
