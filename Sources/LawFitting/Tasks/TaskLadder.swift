import Foundation
import ScalingLaws

/// One run's final measurement of one task: its scale, the task's smooth metric (a loss, or bits
/// per byte) and the task metric itself (e.g. accuracy).
public struct TaskRun: Sendable, Codable, Equatable {
    /// The run's name.
    public var run: String
    /// N: model parameters.
    public var parameters: Double
    /// D: training tokens.
    public var tokens: Double
    /// C: training FLOPs (given, or 6·N·D).
    public var compute: Double
    /// The task's loss or bits per byte at the end of training.
    public var loss: Double
    /// The task metric at the end of training.
    public var metric: Double

    /// A run from its name, scale and final values.
    public init(run: String, parameters: Double, tokens: Double, compute: Double, loss: Double, metric: Double) {
        self.run = run
        self.parameters = parameters
        self.tokens = tokens
        self.compute = compute
        self.loss = loss
        self.metric = metric
    }

    /// The run as step 1's input: its N, D and C, with the task's loss.
    public var observation: Observation {
        Observation(parameters: parameters, tokens: tokens, compute: compute, loss: loss)
    }
}

/// One point of a run's learning curve on a task: its loss and its metric at one checkpoint.
public struct TaskCurvePoint: Sendable, Codable, Equatable {
    /// The task's loss or bits per byte.
    public var loss: Double
    /// The task metric.
    public var metric: Double

    /// A point from its loss and metric.
    public init(loss: Double, metric: Double) {
        self.loss = loss
        self.metric = metric
    }
}

/// A ladder's measurements of one task: the ladder runs (what is fitted), the targets (what is
/// forecast and, when measured, scored), and each ladder run's curve on the task (what step 2 may
/// fit instead of the final points).
public struct TaskLadder: Sendable {
    /// The task's name.
    public var task: String
    /// The runs fitted.
    public var runs: [TaskRun]
    /// Runs held out as forecast targets (a `role` of `target`).
    public var targets: [TaskRun]
    /// Each ladder run's curve points (in `runs`' order; empty when no curves were given).
    public var curves: [[TaskCurvePoint]]

    /// A task's ladder from its runs, targets and curves.
    public init(task: String, runs: [TaskRun], targets: [TaskRun] = [], curves: [[TaskCurvePoint]] = []) {
        self.task = task
        self.runs = runs
        self.targets = targets
        self.curves = curves
    }

    /// Each run's curve after a trailing moving average of `window` points, separately for the
    /// loss and the metric (the first `window − 1` points average what exists so far), as the
    /// OLMo ladder smooths step 2's input. A run without a curve contributes its final point.
    public func smoothedCurves(window: Int) -> [[TaskCurvePoint]] {
        runs.indices.map { r in
            let curve = r < curves.count ? curves[r] : []
            guard !curve.isEmpty else { return [TaskCurvePoint(loss: runs[r].loss, metric: runs[r].metric)] }
            let w = max(window, 1)
            return curve.indices.map { i in
                let part = curve[max(0, i - w + 1)...i]
                let n = Double(part.count)
                return TaskCurvePoint(loss: part.map(\.loss).reduce(0, +) / n, metric: part.map(\.metric).reduce(0, +) / n)
            }
        }
    }
}

/// The column names of a task file and of its curves file.
public struct TaskColumns: Sendable, Equatable {
    /// The task's name.
    public var task = "task"
    /// The task's loss or bits per byte.
    public var loss = "bpb"
    /// The task metric.
    public var metric = "accuracy"
    /// The run's name (links a run's curve to it).
    public var run = "run"
    /// N.
    public var parameters = "params"
    /// D.
    public var tokens = "tokens"
    /// C (optional: 6·N·D when the column is absent).
    public var compute = "flops"
    /// `ladder` or `target` (optional: every row is a ladder run when absent).
    public var role = "role"

    /// The default names: task, bpb, accuracy, run, params, tokens, flops, role.
    public init() {}
}

/// Reads a task file (one row per run and task) and, optionally, a curves file (one row per run,
/// task and checkpoint) into one `TaskLadder` per task, tasks in the order they first appear.
public enum TaskLadderReader {
    /// Reads `file` and the optional `curves` file (CSV) with the given column names.
    ///
    /// - Parameters:
    ///   - file: the task file.
    ///   - curves: the curves file, or nil.
    ///   - columns: the column names.
    /// - Returns: the ladders, one per task.
    /// - Throws: `MeasurementInputError` or `TaskLadderError`, naming the file, the line and the column of the first
    ///   problem (a missing column, a value that is not a positive number, a curve of an unknown run).
    public static func read(_ file: String, curves: String? = nil, columns: TaskColumns = TaskColumns()) throws -> [TaskLadder] {
        let table = try load(file)
        let col = { (name: String, option: String) throws(MeasurementInputError) -> Int in
            guard let i = table.columns.firstIndex(of: name) else {
                throw .namedColumnNotFound(file: file, name: name, option: option, available: table.columns)
            }
            return i
        }
        let (task, loss, metric) = (try col(columns.task, "--task-column"), try col(columns.loss, "--loss-column"),
                                    try col(columns.metric, "--metric-column"))
        let (nCol, dCol) = (try col(columns.parameters, "--params-column"), try col(columns.tokens, "--tokens-column"))
        let runCol = table.columns.firstIndex(of: columns.run)
        let cCol = table.columns.firstIndex(of: columns.compute)
        let roleCol = table.columns.firstIndex(of: columns.role)
        var order: [String] = []
        var ladders: [String: TaskLadder] = [:]
        for row in table.rows {
            let name = try text(row, task, column: columns.task, file: file)
            let N = try number(row, nCol, column: columns.parameters, file: file, positive: true)
            let D = try number(row, dCol, column: columns.tokens, file: file, positive: true)
            let C = try cCol.map { try number(row, $0, column: columns.compute, file: file, positive: true) } ?? 6 * N * D
            let runName = try runCol.map { try text(row, $0, column: columns.run, file: file) } ?? "line \(row.line)"
            let r = TaskRun(run: runName, parameters: N, tokens: D, compute: C,
                            loss: try number(row, loss, column: columns.loss, file: file, positive: true),
                            metric: try number(row, metric, column: columns.metric, file: file, positive: false))
            if ladders[name] == nil { order.append(name); ladders[name] = TaskLadder(task: name, runs: []) }
            let role = try roleCol.map { try text(row, $0, column: columns.role, file: file).lowercased() } ?? "ladder"
            switch role {
            case "target": ladders[name]!.targets.append(r)
            case "ladder": ladders[name]!.runs.append(r)
            default: throw TaskLadderError.unknownRole(file: file, line: row.line, column: columns.role, value: role)
            }
        }
        if let curves {
            let c = try load(curves)
            let ccol = { (name: String, option: String) throws(MeasurementInputError) -> Int in
                guard let i = c.columns.firstIndex(of: name) else {
                    throw .namedColumnNotFound(file: curves, name: name, option: option, available: c.columns)
                }
                return i
            }
            let (cRun, cTask) = (try ccol(columns.run, "the run column"), try ccol(columns.task, "--task-column"))
            let (cLoss, cMetric) = (try ccol(columns.loss, "--loss-column"), try ccol(columns.metric, "--metric-column"))
            for name in order { ladders[name]!.curves = Array(repeating: [], count: ladders[name]!.runs.count) }
            for row in c.rows {
                let name = try text(row, cTask, column: columns.task, file: curves)
                let runName = try text(row, cRun, column: columns.run, file: curves)
                guard let ladder = ladders[name], let r = ladder.runs.firstIndex(where: { $0.run == runName }) else {
                    throw TaskLadderError.unknownRun(file: curves, line: row.line, run: runName, task: name)
                }
                ladders[name]!.curves[r].append(TaskCurvePoint(
                    loss: try number(row, cLoss, column: columns.loss, file: curves, positive: true),
                    metric: try number(row, cMetric, column: columns.metric, file: curves, positive: false)))
            }
        }
        return order.map { ladders[$0]! }
    }

    private static func load(_ file: String) throws(MeasurementInputError) -> RawTable {
        guard let data = FileManager.default.contents(atPath: file) else { throw .fileNotFound(file: file) }
        return try RawTable(csv: [UInt8](data), file: file)
    }

    private static func text(_ row: RawTable.Row, _ i: Int, column: String, file: String) throws -> String {
        guard case let .text(t) = row.cells[i] else {
            throw TaskLadderError.missingValue(file: file, line: row.line, column: column)
        }
        return t
    }

    private static func number(_ row: RawTable.Row, _ i: Int, column: String, file: String,
                               positive: Bool) throws -> Double {
        let t = try text(row, i, column: column, file: file)
        guard let v = Double(t) else { throw MeasurementInputError.notANumber(file: file, line: row.line, column: column, value: t) }
        guard v.isFinite else { throw MeasurementInputError.notFinite(file: file, line: row.line, column: column, value: t) }
        if positive, !(v > 0) { throw TaskLadderError.notPositive(file: file, line: row.line, column: column, value: t) }
        return v
    }
}

/// A problem in a task file or a curves file that the measurement reader's errors do not cover.
public enum TaskLadderError: Error, Equatable, CustomStringConvertible {
    /// A cell that must have a value is empty.
    case missingValue(file: String, line: Int, column: String)
    /// A scale or a loss that must be positive is not.
    case notPositive(file: String, line: Int, column: String, value: String)
    /// A curve row names a run the task file does not have as a ladder run of that task.
    case unknownRun(file: String, line: Int, run: String, task: String)
    /// A role cell that is neither `ladder` nor `target`.
    case unknownRole(file: String, line: Int, column: String, value: String)

    /// The message, naming the file, the line and what to fix.
    public var description: String {
        switch self {
        case let .missingValue(file, line, column):
            "\(file), line \(line), column '\(column)': no value; fill it in or remove the row"
        case let .notPositive(file, line, column, value):
            "\(file), line \(line), column '\(column)': must be positive but is '\(value)'; fix the value or remove the row"
        case let .unknownRun(file, line, run, task):
            "\(file), line \(line): run '\(run)' of task '\(task)' is not a ladder run of that task in the task file; "
                + "a curve belongs to a ladder run (check the run and task names)"
        case let .unknownRole(file, line, column, value):
            "\(file), line \(line), column '\(column)': role '\(value)' is neither 'ladder' (a run to fit) nor 'target' "
                + "(a run to forecast); fix the value"
        }
    }
}
