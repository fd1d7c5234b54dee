import Foundation

/// How ScaleLab writes and reads JSON everywhere (run records, the store's columns, fit files,
/// `--json` output): keys sorted, and the non-finite numbers JSON has no words for (a diverged
/// run's loss, an overflowing plan) as the strings "inf", "-inf" and "nan", read back as numbers.
public enum JSONConventions {
    /// An encoder with sorted keys (plus `formatting`) and non-finite numbers as strings.
    public static func encoder(_ formatting: JSONEncoder.OutputFormatting = []) -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = formatting.union(.sortedKeys)
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return e
    }

    /// The decoder matching `encoder`: "inf", "-inf" and "nan" read back as numbers.
    public static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return d
    }
}

/// `n` with its digits in groups of three: `10,000`, `-1,234,567`.
public func groupedDigits(_ n: Int) -> String {
    let digits = String(n.magnitude)
    var out = ""
    for (i, ch) in digits.enumerated() {
        if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
        out.append(ch)
    }
    return (n < 0 ? "-" : "") + out
}
