import Foundation

/// Any JSON value, decoded only to tell an object apart from a number out of range.
private struct AnyJSON: Decodable {
    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { return }
        if (try? c.decode(Bool.self)) != nil || (try? c.decode(Double.self)) != nil
            || (try? c.decode(String.self)) != nil || (try? c.decode([AnyJSON].self)) != nil { return }
        _ = try c.decode([String: AnyJSON].self)
    }
}

/// One JSON value as far as a measurement cares: a number, a string, null, or anything else.
private enum JSONCell: Decodable {
    case number(Double)
    case string(String)
    case null
    case other(String)
    /// A number that does not fit a Double (the decoder refuses 1e400 as a Double).
    case outOfRange

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null; return }
        // Bool first: some decoders read true as 1.
        if let b = try? c.decode(Bool.self) { self = .other(b ? "true" : "false"); return }
        if let x = try? c.decode(Double.self) { self = .number(x); return }
        if let s = try? c.decode(String.self) { self = .string(s); return }
        if (try? c.decode([JSONCell].self)) != nil { self = .other("an array"); return }
        if (try? c.decode([String: AnyJSON].self)) != nil { self = .other("an object"); return }
        self = .outOfRange
    }

    var raw: RawCell {
        switch self {
        case .number(let x): .number(x)
        case .string(let s): s.trimmingSpaces.isEmpty ? .missing : .text(s.trimmingSpaces)
        case .null: .missing
        case .other(let what): .other(what)
        case .outOfRange: .outOfRange
        }
    }
}

/// A top-level JSON Lines value: an object, or what it is instead.
private enum JSONLine: Decodable {
    case object([String: JSONCell])
    case notObject(String)

    init(from decoder: any Decoder) throws {
        if let o = try? [String: JSONCell](from: decoder) { self = .object(o); return }
        switch try JSONCell(from: decoder) {
        case .number: self = .notObject("a number")
        case .string: self = .notObject("a string")
        case .null: self = .notObject("null")
        case .other(let what): self = .notObject(what)
        case .outOfRange: self = .notObject("a number out of range for a Double")
        }
    }
}

/// Calls `body` with each JSON Lines object (one per line; blank lines skipped), in order, with
/// its line number (1-based), without holding the objects.
///
/// Throws `.malformedJSON` and `.notAnObject` for bad lines and `.duplicateKey` for an object
/// with a key twice.
private func forEachJSONObject(_ bytes: [UInt8], file: String,
                               _ body: (_ line: Int, _ object: [String: JSONCell]) throws(MeasurementInputError) -> Void)
    throws(MeasurementInputError)
{
    let start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
    let lf = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")
    let decoder = JSONDecoder()
    var lineNumber = 0
    for slice in bytes[start...].split(separator: lf, omittingEmptySubsequences: false) {
        lineNumber += 1
        var text = slice
        if text.last == cr { text = text.dropLast() }
        guard text.contains(where: { ![UInt8(ascii: " "), UInt8(ascii: "\t")].contains($0) })
        else { continue }
        let line: JSONLine
        do {
            line = try decoder.decode(JSONLine.self, from: Data(text))
        } catch {
            throw .malformedJSON(file: file, line: lineNumber, detail: RawTable.reason(error, text))
        }
        guard case .object(let o) = line else {
            if case .notObject(let what) = line {
                throw .notAnObject(file: file, line: lineNumber, found: what)
            }
            continue
        }
        try RawTable.refuseRepeatedKeys(text, file: file, line: lineNumber)
        try body(lineNumber, o)
    }
}

extension RecordSource {
    /// The records of a JSON Lines file (one object per line; blank lines skipped).
    ///
    /// The columns are the keys of all objects, in order of first appearance (keys of one
    /// object sorted): finding them reads the whole file once, and `forEachRow` reads it again,
    /// so no more than one object is held at a time. A key missing from an object is a missing
    /// value. Throws `.empty` when no line holds an object, `.malformedJSON`, `.notAnObject` and
    /// `.duplicateKey` for bad lines.
    init(jsonLines bytes: [UInt8], file: String) throws(MeasurementInputError) {
        var columns: [String] = []
        var known = Set<String>()
        var objects = 0
        try forEachJSONObject(bytes, file: file) { _, o in
            objects += 1
            for key in o.keys.sorted() where !known.contains(key) {
                known.insert(key)
                columns.append(key)
            }
        }
        guard objects > 0 else { throw .empty(file: file, format: .jsonLines) }
        let names = columns
        self.init(columns: columns) { body throws(MeasurementInputError) in
            try forEachJSONObject(bytes, file: file) { line, o throws(MeasurementInputError) in
                try body(RawTable.Row(line: line, cells: names.map { o[$0]?.raw ?? .missing }))
            }
        }
    }
}

extension RawTable {
    /// A JSON Lines file (one object per line; blank lines skipped) as a raw table: the rows of
    /// `RecordSource(jsonLines:file:)`, held.
    init(jsonLines bytes: [UInt8], file: String) throws(MeasurementInputError) {
        try self.init(RecordSource(jsonLines: bytes, file: file))
    }

    /// Why a line is not valid JSON, with its start. JSONDecoder gives no detail, so the parse
    /// is repeated with JSONSerialization, whose message says where it failed.
    static func reason(_ error: any Error, _ text: ArraySlice<UInt8>) -> String {
        let shown = String(decoding: text.prefix(60), as: UTF8.self) + (text.count > 60 ? "…" : "")
        var why = "cannot parse"
        do {
            _ = try JSONSerialization.jsonObject(with: Data(text), options: [.fragmentsAllowed])
        } catch {
            let info = (error as NSError).userInfo
            why = (info[NSDebugDescriptionErrorKey] as? String) ?? error.localizedDescription
        }
        if why.hasSuffix(".") { why.removeLast() }
        return "\(MeasurementInputError.quote(why)) in \(shown)"
    }

    /// Throws `.duplicateKey` when the object on this line (valid JSON) has a top-level key
    /// twice: decoders keep one of the values silently, so reading it would be a guess.
    static func refuseRepeatedKeys(_ text: ArraySlice<UInt8>, file: String, line: Int)
        throws(MeasurementInputError)
    {
        var seen: [String: Int] = [:]
        for (n, raw) in topLevelKeys(text).enumerated() {
            let key: String
            if raw.contains(UInt8(ascii: "\\")) {
                let quoted = [UInt8(ascii: "\"")] + raw + [UInt8(ascii: "\"")]
                key = (try? JSONDecoder().decode(String.self, from: Data(quoted))) ?? String(decoding: raw, as: UTF8.self)
            } else {
                key = String(decoding: raw, as: UTF8.self)
            }
            if let first = seen[key] {
                throw .duplicateKey(file: file, line: line, key: key, positions: [first, n + 1])
            }
            seen[key] = n + 1
        }
    }

    /// The keys of the top-level object in `text` (valid JSON), as written between their
    /// quotes, in order. Keys of nested objects and text inside strings are skipped.
    static func topLevelKeys(_ text: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\")
        var keys: [ArraySlice<UInt8>] = []
        var depth = 0
        var expectingKey = false
        var i = text.startIndex
        while i < text.endIndex {
            let c = text[i]
            switch c {
            case quote:
                var j = i + 1
                while j < text.endIndex, text[j] != quote { j += text[j] == backslash ? 2 : 1 }
                if depth == 1 && expectingKey { keys.append(text[(i + 1)..<min(j, text.endIndex)]) }
                expectingKey = false
                i = j
            case UInt8(ascii: "{"):
                depth += 1
                expectingKey = depth == 1
            case UInt8(ascii: "["):
                depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
            case UInt8(ascii: ","):
                expectingKey = depth == 1
            default:
                break
            }
            i += 1
        }
        return keys
    }
}
