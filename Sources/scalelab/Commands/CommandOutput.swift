import Foundation

/// Printing helpers shared by the `flops`, `laws` and `plan` commands.
enum CommandOutput {
    /// Prints one JSON document (sorted keys) on stdout and nothing else.
    static func printJSON<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        let data = try encoder.encode(value)
        print(String(decoding: data, as: UTF8.self))
    }

    /// `124,439,808`.
    static func grouped(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, ch) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return (n < 0 ? "-" : "") + out
    }

    /// Three significant digits in scientific notation: `3.22e+10`.
    static func sci(_ x: Double) -> String { String(format: "%.3e", x) }

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
