import ArgumentParser
import ScalingLaws

/// `scalelab laws`: the catalog of published laws with their citations.
struct LawsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "laws",
        abstract: "The catalog of published scaling laws, with constants and citations.")

    @Flag(help: "Print one JSON document instead of a table.") var json = false

    func run() throws {
        let entries = PublishedLaws.descriptions
        if json { return try Output.printJSON(entries) }
        print(Self.render(entries))
    }

    static func render(_ entries: [PublishedLawDescription]) -> String {
        var lines: [String] = []
        for e in entries {
            lines.append("\(e.identifier)  —  \(e.citation.text)")
            for l in e.laws {
                let values = l.parameters.map { "\($0.name) = \(Output.constant($0.value))" }.joined(separator: ", ")
                lines.append("    \(l.form): \(l.formula)")
                lines.append("        \(values)")
            }
            if let a = e.allocation {
                for t in a.terms {
                    let unit = t.computeUnit == 1 ? "C" : "(C/\(Output.constant(t.computeUnit)))"
                    lines.append("    \(t.quantity.rawValue)_opt = \(Output.constant(t.coefficient)) · \(unit)^\(t.exponent)")
                }
            }
            lines.append("    N: \(e.parameterConvention). \(e.note)")
            lines.append("")
        }
        lines.append("Use an identifier with `scalelab plan --law NAME`.")
        return lines.joined(separator: "\n")
    }
}

extension Output {
    /// Short, exact-enough rendering of a constant: `406.4`, `2.678e+28`, `0.3526596`.
    static func constant(_ x: Double) -> String {
        if x != 0 && (abs(x) >= 1e6 || abs(x) < 1e-3) { return String(format: "%.4g", x) }
        return String(format: "%.7g", x)
    }
}
