import Foundation
import LawFitting
import ScalingLaws

/// The fuzz targets: each feeds one input to a reader the command line uses on files users
/// give it, and checks what ScaleLab promises of any input (docs/robustness.md):
/// - no trap (libFuzzer catches Swift's runtime traps as crashes);
/// - an input refused is a typed error whose message stays short (it quotes at most a few dozen
///   characters of the input, never the input);
/// - an input accepted gives only finite numbers, and positive ones where the reader says so.
/// A broken promise is reported with `fatalError`, which libFuzzer also records as a crash.
enum FuzzTarget: String, CaseIterable {
    /// `MeasurementReader` on CSV (fit, import, report, predict).
    case csv
    /// `MeasurementReader` on JSON Lines.
    case jsonl
    /// `TaskMetricReader` on CSV (task-forecast, emergence).
    case taskMetricsCSV = "task-metrics-csv"
    /// `TaskMetricReader` on JSON Lines.
    case taskMetricsJSONL = "task-metrics-jsonl"
    /// `FitReport.read` and `validate`, then a plan from the fit and from each bootstrap refit (plan --fit).
    case fitFile = "fit-file"
    /// `RowCondition(parsing:)`, the `--where` condition.
    case rowSelection = "where"

    /// The function libFuzzer calls with each input.
    var callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt {
        switch self {
        case .csv: { data, size in checkMeasurements(bytes(data, size), .csv); return 0 }
        case .jsonl: { data, size in checkMeasurements(bytes(data, size), .jsonLines); return 0 }
        case .taskMetricsCSV: { data, size in checkTaskMetrics(bytes(data, size), .csv); return 0 }
        case .taskMetricsJSONL: { data, size in checkTaskMetrics(bytes(data, size), .jsonLines); return 0 }
        case .fitFile: { data, size in checkFitFile(bytes(data, size)); return 0 }
        case .rowSelection: { data, size in checkRowSelection(bytes(data, size)); return 0 }
        }
    }
}

/// The longest error message any input may produce. Messages quote at most 80 characters of a
/// value; the rest is the file name, line, column and what to fix.
let longestMessage = 2_000

func bytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
    guard let data, size > 0 else { return [] }
    return Array(UnsafeBufferPointer(start: data, count: size))
}

/// Stops the process with what was promised and the start of the input.
func broken(_ promise: String, _ input: [UInt8]) -> Never {
    fatalError("\(promise)\ninput (\(input.count) bytes, first 300): \(String(decoding: input.prefix(300), as: UTF8.self))")
}

func checkMessage(_ message: String, _ input: [UInt8]) {
    if message.utf8.count > longestMessage {
        broken("an error message of \(message.utf8.count) bytes: \(message.prefix(300))…", input)
    }
}

func checkMeasurements(_ input: [UInt8], _ format: MeasurementFileFormat) {
    let set: MeasurementSet
    do {
        set = try MeasurementReader().read(bytes: input, source: "fuzz.\(format.rawValue)", format: format,
                                           requiring: [.parameters, .tokens])
        try set.checkScales()
    } catch {
        return checkMessage(error.description, input)
    }
    for m in set.measurements {
        for (name, value) in [("N", m.parameters), ("D", m.tokens), ("C", m.compute), ("U", m.uniqueTokens), ("loss", m.loss)] {
            guard let value else { continue }
            if !(value.isFinite && value > 0) { broken("an accepted row with \(name) = \(value)", input) }
        }
    }
}

func checkTaskMetrics(_ input: [UInt8], _ format: MeasurementFileFormat) {
    let reader = TaskMetricReader(metricNames: ["exact_match", "partial_credit", "answer_bits", "answer_probability",
                                                "token_probability", "accuracy"])
    let rows: [TaskMetricRow]
    do { rows = try reader.read(bytes: input, source: "fuzz.\(format.rawValue)", format: format) } catch {
        return checkMessage(error.description, input)
    }
    for row in rows {
        if !(row.compute.isFinite && row.compute > 0) { broken("an accepted row with C = \(row.compute)", input) }
        if !row.value.isFinite { broken("an accepted row with \(row.metric) = \(row.value)", input) }
        if let step = row.step, !step.isFinite { broken("an accepted row with step = \(step)", input) }
    }
}

/// The budgets `plan --fit` is asked for in the tests: compute-optimal, a target loss, data-constrained
/// and inference-aware.
let planRequests = [PlanRequest(compute: 5.76e23), PlanRequest(compute: 1e21, targetLoss: 2.5),
                    PlanRequest(compute: 1e22, uniqueTokens: 1e10), PlanRequest(compute: 1e22, inferenceTokens: 1e13)]

func checkFitFile(_ input: [UInt8]) {
    let report: FitReport
    do {
        report = try FitReport.read(Data(input), source: "fuzz.json")
        try report.validate(source: "fuzz.json")
    } catch {
        return checkMessage(error.description, input)
    }
    // As plan --fit: the fitted parameters, then every bootstrap refit. Refusals are fine here
    // (the command turns them into errors or leaves the refit out); a trap is not.
    var parameterSets = [report.parameterOrder.map { report.parameters[$0] ?? .nan }]
    parameterSets += report.bootstrap?.parameters ?? []
    for values in parameterSets {
        guard let law = try? PlanningLaw(FittedLaw.baseLaw(of: report, parameters: values)) else { continue }
        for request in planRequests {
            do { _ = try Planner.plan(request, law: law, name: "fuzz") } catch { checkMessage(error.description, input) }
        }
    }
}

func checkRowSelection(_ input: [UInt8]) {
    do { _ = try RowCondition(parsing: String(decoding: input, as: UTF8.self)) } catch {
        checkMessage(error.description, input)
    }
}
