import Foundation
import ScalingLaws

/// One task metric of one run, read from a file.
public struct TaskMetricRow: Sendable, Equatable {
    /// The line the row starts on (1-based; a CSV header is line 1).
    public var line: Int
    /// The run's name or id from the `run` column; nil without one.
    public var run: String?
    /// The run's compute in FLOPs, read or derived as 6·N·D.
    public var compute: Double
    /// The optimizer step of the evaluation from the `step` column; nil without one.
    public var step: Double?
    /// The task's name from the `task` column; nil without one.
    public var task: String?
    /// The metric's name.
    public var metric: String
    /// The metric's value.
    public var value: Double

    /// A row as read from line `line`.
    public init(line: Int, run: String?, compute: Double, step: Double?, task: String?, metric: String, value: Double) {
        self.line = line
        self.run = run
        self.compute = compute
        self.step = step
        self.task = task
        self.metric = metric
        self.value = value
    }
}

/// Reads task metrics per run from CSV or JSON Lines, in either of two layouts:
///
/// - **long**: one row per metric, with columns `metric` and `value` (and `task`, `run`):
///   `run,C,task,metric,value` / `r1,1e15,addition-3,exact_match,0.12`;
/// - **wide**: one row per run and task, one column per metric named in `metricNames`:
///   `run,C,task,exact_match,token_probability` / `r1,1e15,addition-3,0.12,0.81`.
///
/// A `step` column, when there is one, says when in the run each metric was measured.
///
/// The compute is found as `MeasurementReader` finds it (the column `mapping` names, or `C`,
/// `flops`, `compute`, …; or derived as 6·N·D from N and D columns), and must be positive on
/// every row. A metric's value may be any finite number; an empty wide cell is no value. Errors
/// name the file, line, column and value (`MeasurementInputError`).
public struct TaskMetricReader: Sendable {
    /// Columns named by the user for N, D and C; the rest are found by their usual names.
    public var mapping: ColumnMapping
    /// The format to read; nil chooses it from the file extension.
    public var format: MeasurementFileFormat?
    /// The metric columns a wide file may have (e.g. ScaleLab's `TaskMetric.all`).
    public var metricNames: [String]

    /// A reader of the metrics `metricNames` (for wide files), with the columns `mapping` names.
    public init(metricNames: [String], mapping: ColumnMapping = ColumnMapping(), format: MeasurementFileFormat? = nil) {
        self.metricNames = metricNames
        self.mapping = mapping
        self.format = format
    }

    /// Reads the file at `path`; `format`, or else the extension, says whether it is CSV or JSON Lines.
    public func read(path: String) throws(MeasurementInputError) -> [TaskMetricRow] {
        let url = URL(fileURLWithPath: path)
        guard let format = format ?? MeasurementFileFormat(pathExtension: url.pathExtension) else {
            throw .unknownFormat(file: path, pathExtension: url.pathExtension)
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw .fileNotFound(file: path) }
        guard !isDirectory.boolValue else { throw .unreadable(file: path, reason: "it is a directory") }
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw .unreadable(file: path, reason: error.localizedDescription) }
        return try read(bytes: [UInt8](data), source: path, format: format)
    }

    /// Reads task metrics from the bytes of a file; `source` names it in messages.
    public func read(bytes: [UInt8], source: String, format: MeasurementFileFormat) throws(MeasurementInputError) -> [TaskMetricRow] {
        let table: RawTable
        switch format {
        case .csv: table = try RawTable(csv: bytes, file: source)
        case .jsonLines: table = try RawTable(jsonLines: bytes, file: source)
        }
        // Only the scale columns: a metric column must not be read as the loss.
        var scales = mapping
        scales.loss = nil
        let reader = MeasurementReader(mapping: scales)
        let keys = table.columns.map(ColumnMapping.normalized)
        let loss = Set(MeasuredQuantity.loss.aliases.map(ColumnMapping.normalized))
        var scaleTable = table
        for i in keys.indices where loss.contains(keys[i]) { scaleTable.columns[i] = "metric column \(i + 1)" }
        let points = try reader.points(from: RecordSource(scaleTable), source: source, requiring: [.compute], lossRequired: false)
        func column(_ name: String) -> Int? { keys.firstIndex(of: ColumnMapping.normalized(name)) }
        let run = column("run") ?? column("run_id") ?? column("name"), task = column("task"), step = column("step")
        func stepOf(_ row: RawTable.Row) throws(MeasurementInputError) -> Double? {
            guard let step else { return nil }
            return try number(row.cells[step], line: row.line, column: table.columns[step], file: source)
        }
        var rows: [TaskMetricRow] = []
        if let metric = column("metric"), let value = column("value") {
            for (k, row) in table.rows.enumerated() {
                guard let name = text(row.cells[metric]) else {
                    throw .taskMetrics(file: source, detail: "line \(row.line): the metric column is empty; name the metric, e.g. exact_match")
                }
                guard let v = try number(row.cells[value], line: row.line, column: table.columns[value], file: source) else {
                    throw .taskMetrics(file: source, detail: "line \(row.line): metric \(name) has no value")
                }
                rows.append(TaskMetricRow(line: row.line, run: run.flatMap { text(row.cells[$0]) }, compute: points[k].compute!,
                                          step: try stepOf(row), task: task.flatMap { text(row.cells[$0]) }, metric: name, value: v))
            }
            return rows
        }
        let wide = metricNames.compactMap { name in column(name).map { (name, $0) } }
        guard !wide.isEmpty else {
            throw .taskMetrics(file: source, detail: "no task metrics: give columns metric and value (one row per metric), "
                + "or one column per metric named \(metricNames.joined(separator: ", ")); found columns: "
                + MeasurementInputError.list(table.columns))
        }
        for (k, row) in table.rows.enumerated() {
            for (name, i) in wide {
                guard let v = try number(row.cells[i], line: row.line, column: table.columns[i], file: source) else { continue }
                rows.append(TaskMetricRow(line: row.line, run: run.flatMap { text(row.cells[$0]) }, compute: points[k].compute!,
                                          step: try stepOf(row), task: task.flatMap { text(row.cells[$0]) }, metric: name, value: v))
            }
        }
        return rows
    }

    /// A cell as text: as written, or a JSON number in its shortest form; nil when empty.
    private func text(_ cell: RawCell) -> String? {
        switch cell {
        case .text(let s): s
        case .number(let v): v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : "\(v)"
        case .other(let s): s
        case .missing, .outOfRange: nil
        }
    }

    /// A cell as a finite number; nil when empty.
    private func number(_ cell: RawCell, line: Int, column: String, file: String) throws(MeasurementInputError) -> Double? {
        let x: Double, written: String
        switch cell {
        case .missing: return nil
        case .number(let v): (x, written) = (v, "\(v)")
        case .text(let s):
            guard s.utf8.count <= MeasurementReader.longestNumber, let v = Double(s) else {
                throw .notANumber(file: file, line: line, column: column, value: s)
            }
            (x, written) = (v, s)
        case .other(let what): throw .notANumber(file: file, line: line, column: column, value: what)
        case .outOfRange: throw .numberOutOfRange(file: file, line: line, column: column)
        }
        guard x.isFinite else { throw .notFinite(file: file, line: line, column: column, value: written) }
        return x
    }
}
