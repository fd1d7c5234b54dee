import Foundation
import ScalingLaws

/// Why a measurement file could not be read, with what to fix.
///
/// Every case names the file; cases about one value also name the line (1-based; a CSV header
/// is line 1), the column and the value as written. `description` is the message for people.
public enum MeasurementInputError: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError {
    /// No file at the path.
    case fileNotFound(file: String)
    /// The file exists but could not be read (a directory, no permission, ...).
    case unreadable(file: String, reason: String)
    /// The extension does not say CSV or JSON Lines and no format was given.
    case unknownFormat(file: String, pathExtension: String)
    /// No records at all.
    case empty(file: String, format: MeasurementFileFormat)
    /// A CSV header and no data rows.
    case headerOnly(file: String, columns: [String])
    /// A CSV row whose number of fields differs from the header's.
    case wrongFieldCount(file: String, line: Int, expected: Int, found: Int)
    /// A CSV syntax error, e.g. a quote that is never closed.
    case malformedCSV(file: String, line: Int, detail: String)
    /// A JSON Lines line that is not valid JSON.
    case malformedJSON(file: String, line: Int, detail: String)
    /// A JSON Lines line that is valid JSON but not an object.
    case notAnObject(file: String, line: Int, found: String)
    /// A quantity the law needs has no column and cannot be derived.
    case missingColumn(file: String, quantity: MeasuredQuantity, lookedFor: [String], available: [String])
    /// A column named in the mapping does not exist.
    case namedColumnNotFound(file: String, name: String, option: String, available: [String])
    /// A needed value is empty in one row and cannot be derived.
    case missingValue(file: String, line: Int, column: String, quantity: MeasuredQuantity)
    /// A value that is not a number.
    case notANumber(file: String, line: Int, column: String, value: String)
    /// NaN or ±infinity.
    case notFinite(file: String, line: Int, column: String, value: String)
    /// Zero or negative N, D, C, U or loss.
    case notPositive(file: String, line: Int, column: String, value: String, quantity: MeasuredQuantity)
    /// Fewer usable rows than a fit needs.
    case tooFewPoints(file: String, law: String, parameters: Int, points: Int)
    /// A JSON number too large for a Double (e.g. 1e400).
    case numberOutOfRange(file: String, line: Int, column: String)
    /// A value derived from others (C = 6ND, D = C/(6N)) that is not a positive finite number.
    case derivedNotFinite(file: String, line: Int, quantity: MeasuredQuantity, value: Double,
                          inputs: [String])
    /// Two CSV columns with the same name (or names equal once case, spaces, `_` and `-` are
    /// ignored); positions are 1-based.
    case duplicateColumn(file: String, first: String, second: String, positions: [Int])
    /// A JSON Lines object with the same key twice; positions are the 1-based key order.
    case duplicateKey(file: String, line: Int, key: String, positions: [Int])
    /// A row condition (`--where`) that is not `COL=VALUE`, `COL!=VALUE` or `COL=a,b`.
    case malformedCondition(String)
    /// A row condition that leaves no row; `values` are the column's values among the rows the
    /// earlier conditions kept.
    case noRowSelected(file: String, condition: String, column: String, values: [String])
    /// A scale column whose values no training run can have (`ScaleFloor`), with what to do.
    case implausibleScale(file: String, detail: String)
    /// A file of task metrics without the columns or values they need (`TaskMetricReader`).
    case taskMetrics(file: String, detail: String)

    public var description: String {
        switch self {
        case let .fileNotFound(file):
            return "\(file): no such file; check the path"
        case let .unreadable(file, reason):
            return "\(file): cannot read the file (\(reason))"
        case let .unknownFormat(file, ext):
            let shown = ext.isEmpty ? "no extension" : "extension '.\(ext)'"
            return "\(file): cannot tell the format from \(shown); name the file .csv, .jsonl, "
                + ".ndjson or .json, or give the format explicitly (--format csv or --format jsonl)"
        case let .empty(file, format):
            return "\(file): the file is empty; " + (format == .csv
                ? "it needs a header line and then one row per run"
                : "it needs one JSON object per line, one per run")
        case let .headerOnly(file, columns):
            return "\(file): only a header (\(Self.list(columns))) and no data rows; add one row per run"
        case let .wrongFieldCount(file, line, expected, found):
            return "\(file), line \(line): \(found) field\(found == 1 ? "" : "s") but the header has "
                + "\(expected); quote fields that contain commas, or add the missing values"
        case let .malformedCSV(file, line, detail):
            return "\(file), line \(line): \(detail)"
        case let .malformedJSON(file, line, detail):
            return "\(file), line \(line): not valid JSON (\(detail)); JSON Lines needs one complete "
                + "object per line, e.g. {\"params\": 1e8, \"tokens\": 2e9, \"loss\": 3.1}"
        case let .notAnObject(file, line, found):
            return "\(file), line \(line): found \(found) but JSON Lines needs one object per line, "
                + "e.g. {\"params\": 1e8, \"tokens\": 2e9, \"loss\": 3.1}"
        case let .missingColumn(file, quantity, lookedFor, available):
            let hint = quantity == .tokens ? " (or give C and N columns to derive D = C/(6N))"
                : quantity == .compute ? " (or give N and D columns to derive C = 6ND)" : ""
            return "\(file): no column for \(quantity.label): looked for \(lookedFor.joined(separator: ", ")); "
                + "found columns: \(Self.list(available)); name it with \(quantity.option)\(hint)"
        case let .namedColumnNotFound(file, name, option, available):
            return "\(file): no column '\(Self.quote(name))' (from \(option)); found columns: \(Self.list(available))"
        case let .missingValue(file, line, column, quantity):
            return "\(file), line \(line), column '\(Self.quote(column))': no value for \(quantity.label); "
                + "fill it in or remove the row"
        case let .notANumber(file, line, column, value):
            return "\(file), line \(line), column '\(Self.quote(column))': '\(Self.quote(value))' is not a number; "
                + "write a plain decimal such as 3.05 or 1.2e9"
        case let .notFinite(file, line, column, value):
            return "\(file), line \(line), column '\(Self.quote(column))': '\(Self.quote(value))' is not a finite number; "
                + "fix the value or remove the row"
        case let .notPositive(file, line, column, value, quantity):
            return "\(file), line \(line), column '\(Self.quote(column))': \(quantity.label) must be positive "
                + "but is '\(Self.quote(value))'; fix the value or remove the row"
        case let .tooFewPoints(file, law, parameters, points):
            return "law \(law) has \(parameters) parameters but \(file) has \(points) usable "
                + "row\(points == 1 ? "" : "s"); need at least \(parameters + 1). " + Self.fewerParameters(law: law, points: points)
        case let .numberOutOfRange(file, line, column):
            return "\(file), line \(line), column '\(Self.quote(column))': the number is out of range for a Double "
                + "(its magnitude is above 1.8e308); fix the value or remove the row"
        case let .derivedNotFinite(file, line, quantity, value, inputs):
            let (formula, fix) = quantity == .compute ? ("C = 6ND", "add a C column with the run's FLOPs")
                : ("D = C/(6N)", "add a D column with the run's tokens")
            return "\(file), line \(line): \(quantity.label) derived as \(formula) from \(inputs.joined(separator: " and ")) "
                + "is \(value.isFinite ? String(format: "%g", value) : "\(value)"), not a positive finite number; "
                + "check those values, \(fix), or remove the row"
        case let .duplicateColumn(file, first, second, positions):
            let names = first == second ? "the column '\(Self.quote(first))' appears twice"
                : "the columns '\(Self.quote(first))' and '\(Self.quote(second))' are the same name "
                    + "(case, spaces, '_' and '-' are ignored)"
            return "\(file), line 1: \(names) (columns \(positions[0]) and \(positions[1])), so which one "
                + "to read is ambiguous; rename or remove one of them"
        case let .implausibleScale(file, detail), let .taskMetrics(file, detail):
            return "\(file): \(detail)"
        case let .duplicateKey(file, line, key, positions):
            return "\(file), line \(line): the key '\(Self.quote(key))' appears twice in one object "
                + "(keys \(positions[0]) and \(positions[1])), so which value to read is ambiguous; "
                + "keep one of them"
        case let .malformedCondition(text):
            return "'\(Self.quote(text))' is not a row condition; write COL=VALUE, COL!=VALUE or COL=a,b "
                + "(any of the values), e.g. --where tokenizer=bpe --where lr=0.001"
        case let .noRowSelected(file, condition, column, values):
            let shown = values.prefix(10).map(Self.quote).joined(separator: ", ") + (values.count > 10 ? ", … (\(values.count) values)" : "")
            return "\(file): no row has \(Self.quote(condition)); column '\(Self.quote(column))' has the values \(shown)"
        }
    }

    public var errorDescription: String? { description }

    /// What makes a fit of `law` possible with `points` rows: more runs, parameters held at known
    /// values with `--fix` (each one lowers the minimum by one), or a law with fewer parameters.
    static func fewerParameters(law: String, points: Int) -> String {
        let names = LawForms.named(law)?.parameterNames ?? []
        var fix = "hold parameters at known values with --fix NAME=VALUE (each held parameter lowers the minimum by one"
        if !names.isEmpty, names.count >= points {
            let hold = names.count - points + 1
            fix += "; with \(points) row\(points == 1 ? "" : "s"), hold \(hold) of \(names.joined(separator: ", "))"
        }
        return "Add runs, \(fix)), or fit a law with fewer parameters (`scalelab laws` lists them)"
    }

    /// Column names as a message lists them: `a, b, c`, or `(none)`; each quoted short (`quote`),
    /// a name that contains a comma in quotes (`'Tied, No Gating'`), as many as fit in about
    /// `budget` bytes (at most 40), then how many there are. A header of thousands of long names
    /// still gives a message of a few lines.
    static func list(_ names: [String], budget: Int = 600) -> String {
        guard !names.isEmpty else { return "(none)" }
        var shown: [String] = [], used = 0
        for n in names.prefix(40) {
            let q = quote(n)
            let item = q.contains(",") ? "'\(q)'" : q
            if !shown.isEmpty && used + item.utf8.count > budget { break }
            shown.append(item)
            used += item.utf8.count + 2
        }
        return shown.joined(separator: ", ") + (shown.count < names.count ? ", … (\(names.count) columns)" : "")
    }

    /// The most of one input value a message quotes, in characters.
    public static let quoteLimit = 80

    /// `text` as a message quotes it: whole when short, else its first `quoteLimit` Unicode
    /// scalars and its size, `12345678… (10000000 bytes)`, so a huge cell never floods the
    /// terminal (scalars, not characters: one character can hold any number of combining marks).
    public static func quote(_ text: String) -> String {
        let bytes = text.utf8.count
        guard bytes > quoteLimit else { return text }
        var head = String.UnicodeScalarView()
        head.append(contentsOf: text.unicodeScalars.prefix(quoteLimit))
        return String(head) + "… (\(bytes) bytes)"
    }
}
