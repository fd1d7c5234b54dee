import Foundation
import LawFitting

/// Writes the store's finished runs as CSV or JSON Lines that `scalelab fit` and
/// `scalelab import` read back (the columns use the reader's usual names).
///
/// Columns: `run_id, sweep, kind, status, arch, seed, params` (N, all parameters),
/// `non_embedding_params, tokens` (D trained), `flops` (C trained), `budget` (the sweep's
/// nominal C), `unique_tokens, loss` (final validation loss, nats/token), `train_loss,
/// bits_per_byte, wall_seconds`. Only runs with a loss are written: queued, running, failed and
/// diverged runs have none. Empty CSV cells (JSON nulls are left out) mean "unknown".
public enum RunExport {
    public static let columns = ["run_id", "sweep", "kind", "status", "arch", "seed", "params", "non_embedding_params",
                                 "tokens", "flops", "budget", "unique_tokens", "loss", "train_loss", "bits_per_byte",
                                 "wall_seconds"]

    /// One row of values (nil: unknown) per exported run, in `columns` order. A non-finite
    /// number (only a store written before import refused them, or edited by hand, has one) is
    /// an error naming the run and column: `import` would refuse the file.
    static func rows(_ store: RunStore) throws(StoreError) -> [[Value?]] {
        let sweeps = Dictionary(uniqueKeysWithValues: try store.sweeps().map { ($0.id!, $0) })
        let rows = try store.runs().filter { $0.finalValidationLoss != nil }.map { r -> [Value?] in
            let s = sweeps[r.sweepID]
            return [.int(r.id!), s.map { .text($0.name) }, s.map { .text($0.kind) }, .text(r.status.rawValue),
                    r.arch.map(Value.text), r.seed.map(Value.int), .number(r.parameters),
                    r.nonEmbeddingParameters.map(Value.number), r.tokens.map(Value.number), r.flops.map(Value.number),
                    r.budget.map(Value.number), r.uniqueTokens.map(Value.number), r.finalValidationLoss.map(Value.number),
                    r.finalTrainLoss.map(Value.number), r.finalBitsPerByte.map(Value.number), r.wallSeconds.map(Value.number)]
        }
        for row in rows {
            for (column, value) in zip(columns, row) {
                guard case let .number(x)? = value, !x.isFinite, case let .int(id)? = row[0] else { continue }
                throw .corruptColumn(path: store.path, table: "run", id: id, column: column,
                                     detail: "\(x) is not a finite number, so no export could be imported again")
            }
        }
        return rows
    }

    enum Value {
        case int(Int64), number(Double), text(String)
        var csv: String {
            switch self {
            case .int(let i): return "\(i)"
            case .number(let x): return "\(x)"
            case .text(let s):
                return s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" })
                    ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
            }
        }
        var json: Any {
            switch self {
            case .int(let i): return i
            case .number(let x): return x
            case .text(let s): return s
            }
        }
    }

    /// The finished runs as CSV with a header line.
    public static func csv(_ store: RunStore) throws(StoreError) -> String {
        let lines = try rows(store).map { row in row.map { $0?.csv ?? "" }.joined(separator: ",") }
        return ([columns.joined(separator: ",")] + lines).map { $0 + "\n" }.joined()
    }

    /// The finished runs as JSON Lines, one object per run with sorted keys.
    public static func jsonLines(_ store: RunStore) throws(StoreError) -> String {
        var text = ""
        for row in try rows(store) {
            var object: [String: Any] = [:]
            for (k, v) in zip(columns, row) { if let v { object[k] = v.json } }
            // JSONSerialization refuses only non-finite numbers; say which run rather than write `{}`.
            do { text += String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self) + "\n" } catch {
                throw .unencodable(what: "run \(object["run_id"] ?? "?")'s export row", detail: "\(error)")
            }
        }
        return text
    }

    /// `csv` or `jsonl` text.
    public static func text(_ store: RunStore, format: MeasurementFileFormat) throws(StoreError) -> String {
        switch format {
        case .csv: return try csv(store)
        case .jsonLines: return try jsonLines(store)
        }
    }
}
