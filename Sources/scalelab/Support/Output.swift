import Foundation
import LawFitting
import ScalingLaws

/// Printing helpers shared by the commands: one JSON document on stdout (sorted keys), aligned tables, numbers.
enum Output {
    /// Encodes `value` as pretty, key-sorted JSON.
    static func json<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try JSONConventions.encoder([.prettyPrinted, .withoutEscapingSlashes]).encode(value), as: UTF8.self)
    }

    static func printJSON<T: Encodable>(_ value: T) throws { print(try json(value)) }

    /// `warning: …` on stderr: something that looks wrong in the input but does not stop the command.
    static func warn(_ message: String) {
        FileHandle.standardError.write(Data("warning: \(message)\n".utf8))
    }

    /// Decodes a document `json` wrote (non-finite numbers as "inf", "-inf", "nan"). A failure
    /// throws a message naming what is wrong and where, e.g. `no key "parameterOrder"`.
    static func decodeJSON<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        do { return try JSONConventions.decoder().decode(type, from: data) } catch let error as DecodingError {
            throw CommandFailure(describe(error))
        }
    }

    /// A decoding error in words: what is missing or wrong, at which key path (quotes capped).
    static func describe(_ error: DecodingError) -> String { FitReport.describe(error) }

    /// Writes `value` as JSON to `path`, atomically (`OutputFile.write`: a failure is a sentence).
    static func writeJSON<T: Encodable>(_ value: T, to path: String) throws {
        try OutputFile.write(Data((try json(value) + "\n").utf8), to: path)
    }

    /// A number in 4 significant digits, `%g` style: 1.69, 406.4, 3.217e+10.
    static func number(_ x: Double, digits: Int = 4) -> String {
        guard x.isFinite else { return x.isNaN ? "nan" : (x > 0 ? "inf" : "-inf") }
        return String(format: "%.\(digits)g", x)
    }

    /// `[low, high]` as text.
    static func interval(_ v: [Double]?) -> String {
        guard let v, v.count == 2 else { return "" }
        return "[\(number(v[0])), \(number(v[1]))]"
    }

    /// Left-aligned first column, right-aligned others, two spaces apart.
    static func table(_ header: [String], _ rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = header.indices.map { j in all.map { $0.indices.contains(j) ? $0[j].count : 0 }.max() ?? 0 }
        func line(_ row: [String]) -> String {
            row.enumerated().map { j, cell in
                let pad = String(repeating: " ", count: max(0, widths[j] - cell.count))
                return j == 0 ? cell + pad : pad + cell
            }.joined(separator: "  ")
        }
        let rule = widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")
        return ([line(header), rule] + rows.map(line)).joined(separator: "\n")
    }

    /// Three significant digits in scientific notation: `3.22e+10`.
    static func sci(_ x: Double) -> String { String(format: "%.3e", x) }

    /// `12m05s`, or `1h03m` from an hour on.
    static func duration(_ s: Double) -> String {
        guard s.isFinite else { return "?" }
        let t = Int(s.rounded())
        return t >= 3600 ? String(format: "%dh%02dm", t / 3600, t % 3600 / 60) : String(format: "%dm%02ds", t / 60, t % 60)
    }

    /// A signed percentage: `+4.12%`.
    static func percent(_ x: Double) -> String { String(format: "%+.2f%%", 100 * x) }

    static func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
    }

    static func padLeft(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : String(repeating: " ", count: width - s.count) + s
    }
}

/// A failure to report to the user: printed as `Error: <message>` on stderr, exit code 1.
struct CommandFailure: Error, CustomStringConvertible, LocalizedError {
    var description: String
    init(_ description: String) { self.description = description }
    var errorDescription: String? { description }
}
