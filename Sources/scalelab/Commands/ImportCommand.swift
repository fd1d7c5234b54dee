import ArgumentParser
import Foundation
import Lab
import LawFitting

/// `--store PATH|URL`, shared by the commands that use the run store: an SQLite file or a
/// PostgreSQL URL (docs/postgres.md). Without `--store`: `$SCALELAB_STORE`, else `scalelab.sqlite`.
struct StoreOptions: ParsableArguments {
    @Option(help: "The run store: an SQLite file or a postgresql:// URL (docs/postgres.md); when not given, $SCALELAB_STORE if set.")
    var store = StoreOptions.defaultStore

    /// `SCALELAB_STORE` when set and not empty, else `scalelab.sqlite`.
    static var defaultStore: String {
        let env = ProcessInfo.processInfo.environment["SCALELAB_STORE"] ?? ""
        return env.isEmpty ? "scalelab.sqlite" : env
    }

    /// The store as a file a command writes (for `OutputFile.check`); nil for a PostgreSQL URL.
    var file: String? { RunStore.isPostgreSQL(store) ? nil : store }

    /// Opens the store for a command that writes (`create: false`: it must exist). A store the
    /// user cannot write is refused with `StoreError.readOnly`, naming what to do.
    func open(create: Bool = true) throws -> RunStore {
        try RunStore.open(location: store, create: create)
    }

    /// Opens an existing store read-only, for a command that only reads (status, export): nothing
    /// is written or created, so a store on a read-only mount or owned by another user can be read.
    func openForReading() throws -> RunStore {
        try RunStore.open(location: store, create: false, readOnly: true)
    }
}

/// `scalelab import FILE --store DB`: runs trained elsewhere, into the store, all or nothing; or a
/// whole-store dump (`export --format store`, recognized by its header), into an empty store.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Add runs trained elsewhere (CSV or JSON Lines) to the run store, or restore a store dump.",
        discussion: """
        Each row needs N (parameters), D (tokens; or C and N to derive D = C/(6N)) and a loss. \
        The file is checked whole before anything is written: a bad row imports nothing and the \
        error names the file, line and column. The rows become one sweep of kind 'import'. \
        --where imports only the rows selected; --group-by makes one sweep per group, named after its \
        value (e.g. 'runs.csv tokenizer=bpe'), all in one transaction. Warnings (on stderr) say when \
        the rows look like several sweeps.

        A store dump (`scalelab export --format store`, recognized by its first line) is restored \
        whole into an empty store, SQLite or PostgreSQL, in one transaction, with the same ids.
        """
    )

    @Argument(help: "A .csv or .jsonl file of runs, or a store dump.")
    var file: String

    @OptionGroup var storeOptions: StoreOptions

    @Option(help: "Name of the sweep the rows become (default: the file name).")
    var name: String?

    @OptionGroup var columns: ColumnOptions

    @OptionGroup var rows: RowOptions

    @Flag(help: "Print one JSON document instead of a sentence.")
    var json = false

    func run() throws {
        try OutputFile.check([("--store", storeOptions.file)], inputs: [OutputFile.Input("FILE", file)])
        if StoreDump.isDump(path: file) { return try restore() }
        var reader = columns.reader
        reader.selection = try rows.selection
        let stream = try reader.stream(path: file)
        // What reading found is said before the store is opened (so it is said even if that fails);
        // the repeated points, found among the rows once written, after.
        let read = stream.groups.flatMap { $0.warnings(repeatedPoints: nil) }
        Warnings.print(read)
        let base = name ?? URL(fileURLWithPath: file).lastPathComponent
        let store = try storeOptions.open()
        // `a=x b=y`, without the label's comma, so that `--where sweep=NAME` can name the sweep.
        let names = stream.groups.map { g in g.group.map { "\(base) \($0.replacingOccurrences(of: ", ", with: " "))" } ?? base }
        let summaries = try store.importMeasurements(stream, names: names, version: ScaleLabVersion.current)
        Warnings.print(summaries.flatMap { ($0.warnings ?? []).filter { !read.contains($0) } })
        if json { return try summaries.count == 1 && rows.groupBy.isEmpty ? Output.printJSON(summaries[0]) : Output.printJSON(summaries) }
        for summary in summaries {
            let derived = summary.derived.isEmpty ? "" : " (derived: \(summary.derived.map { $0 == "C" ? "C = 6ND" : "D = C/(6N)" }.joined(separator: ", ")))"
            print("imported \(summary.runs) run\(summary.runs == 1 ? "" : "s") from \(summary.source) into \(storeOptions.store) as sweep \(summary.sweepID) '\(summary.sweepName)'\(derived)")
        }
    }

    /// Restores a store dump: read and checked whole first, so a bad dump creates no store.
    private func restore() throws {
        if name != nil { throw ValidationError("--name does not apply to a store dump: its sweeps keep their names") }
        if !rows.isEmpty { throw ValidationError("--where and --group-by do not apply to a store dump: it is restored whole") }
        let dump = try StoreDump.read(path: file)
        let store = try storeOptions.open()
        defer { store.close() }
        let rows = try store.restore(dump)
        if json { return try Output.printJSON(rows) }
        let counts = [("sweep", "sweep"), ("run", "run"), ("curve_point", "curve point"), ("fit", "fit"), ("evaluation", "evaluation")].map { table, noun in
            let n = rows[table] ?? 0
            return "\(n) \(noun)\(n == 1 ? "" : "s")"
        }
        print("restored \(counts.joined(separator: ", ")) from \(file) into \(storeOptions.store)")
    }
}
