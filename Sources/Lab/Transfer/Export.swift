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
///
/// With `evaluations`, one row per task evaluation instead (`evaluationColumns`).
public enum RunExport {
    /// The columns of the runs export, in order.
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
        try checkFinite(rows, columns: columns, store: store)
        return rows
    }

    /// The columns of the evaluations export (`--evaluations`), in order: the run (`run_id,
    /// sweep, kind, status`), its N, D and C as trained (`params, non_embedding_params, tokens,
    /// flops`) and final validation `loss` (empty unless done), then the evaluation: `step`, the
    /// tokens seen then (`step_tokens`), the FLOPs spent by then (`step_flops`: C × step_tokens
    /// ÷ D), `task`, `metric` and `value`.
    public static let evaluationColumns = ["run_id", "sweep", "kind", "status", "params", "non_embedding_params", "tokens",
                                           "flops", "loss", "step", "step_tokens", "step_flops", "task", "metric", "value"]

    /// One row per task evaluation of every run that has any (whatever its state), by run, step,
    /// task and metric, in `evaluationColumns` order.
    static func evaluationRows(_ store: RunStore) throws(StoreError) -> [[Value?]] {
        let sweeps = Dictionary(uniqueKeysWithValues: try store.sweeps().map { ($0.id!, $0) })
        var rows: [[Value?]] = []
        for evaluated in try store.evaluatedRuns(finishedOnly: false) {
            let r = evaluated.run, s = sweeps[r.sweepID]
            let loss = r.status == .done ? r.finalValidationLoss : nil
            let run: [Value?] = [.int(r.id!), s.map { .text($0.name) }, s.map { .text($0.kind) }, .text(r.status.rawValue),
                                 .number(r.parameters), r.nonEmbeddingParameters.map(Value.number), r.tokens.map(Value.number),
                                 r.flops.map(Value.number), loss.map(Value.number)]
            for e in evaluated.evaluations {
                rows.append(run + [.int(Int64(e.step)), .number(e.tokens), evaluated.flops(at: e).map(Value.number),
                                   .text(e.task), .text(e.metric), .number(e.value)])
            }
        }
        try checkFinite(rows, columns: evaluationColumns, store: store)
        return rows
    }

    /// A non-finite number in a row (the first column is the run's id) is an error naming the run
    /// and column: `import` would refuse the file.
    private static func checkFinite(_ rows: [[Value?]], columns: [String], store: RunStore) throws(StoreError) {
        for row in rows {
            for (column, value) in zip(columns, row) {
                guard case let .number(x)? = value, !x.isFinite, case let .int(id)? = row[0] else { continue }
                throw .corruptColumn(path: store.path, table: "run", id: id, column: column,
                                     detail: "\(x) is not a finite number, so no export could be imported again")
            }
        }
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
        csv(columns: columns, rows: try rows(store))
    }

    /// The finished runs as JSON Lines, one object per run with sorted keys.
    public static func jsonLines(_ store: RunStore) throws(StoreError) -> String {
        try jsonLines(columns: columns, rows: try rows(store))
    }

    /// Rows as CSV with a header line.
    private static func csv(columns: [String], rows: [[Value?]]) -> String {
        let lines = rows.map { row in row.map { $0?.csv ?? "" }.joined(separator: ",") }
        return ([columns.joined(separator: ",")] + lines).map { $0 + "\n" }.joined()
    }

    /// Rows as JSON Lines, one object per row with sorted keys, unknown values left out.
    private static func jsonLines(columns: [String], rows: [[Value?]]) throws(StoreError) -> String {
        var text = ""
        for row in rows {
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

    /// The task evaluations (`evaluationColumns`) as `csv` or `jsonl` text.
    public static func evaluationsText(_ store: RunStore, format: MeasurementFileFormat) throws(StoreError) -> String {
        let rows = try evaluationRows(store)
        switch format {
        case .csv: return csv(columns: evaluationColumns, rows: rows)
        case .jsonLines: return try jsonLines(columns: evaluationColumns, rows: rows)
        }
    }
}
