import Foundation

/// One JSON value as far as a measurement cares: a number, a string, null, or anything else.
private enum JSONCell: Decodable {
    case number(Double)
    case string(String)
    case null
    case other(String)

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null; return }
        // Bool first: some decoders read true as 1.
        if let b = try? c.decode(Bool.self) { self = .other(b ? "true" : "false"); return }
        if let x = try? c.decode(Double.self) { self = .number(x); return }
        if let s = try? c.decode(String.self) { self = .string(s); return }
        if (try? c.decode([JSONCell].self)) != nil { self = .other("an array"); return }
        self = .other("an object")
    }

    var raw: RawCell {
        switch self {
        case .number(let x): .number(x)
        case .string(let s): s.trimmingSpaces.isEmpty ? .missing : .text(s.trimmingSpaces)
        case .null: .missing
        case .other(let what): .other(what)
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
        }
    }
}

extension RawTable {
    /// A JSON Lines file (one object per line; blank lines skipped) as a raw table.
    ///
    /// The columns are the keys of all objects, in order of first appearance (keys of one
    /// object sorted). A key missing from an object is a missing value. Throws `.empty` when
    /// no line holds an object, `.malformedJSON` and `.notAnObject` for bad lines.
    init(jsonLines bytes: [UInt8], file: String) throws(MeasurementInputError) {
        let start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        let lf = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")
        var objects: [(line: Int, object: [String: JSONCell])] = []
        var columns: [String] = []
        var known = Set<String>()
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
                throw .malformedJSON(file: file, line: lineNumber, detail: Self.reason(error, text))
            }
            guard case .object(let o) = line else {
                if case .notObject(let what) = line {
                    throw .notAnObject(file: file, line: lineNumber, found: what)
                }
                continue
            }
            for key in o.keys.sorted() where !known.contains(key) {
                known.insert(key)
                columns.append(key)
            }
            objects.append((lineNumber, o))
        }
        guard !objects.isEmpty else { throw .empty(file: file, format: .jsonLines) }
        let rows = objects.map { entry in
            Row(line: entry.line, cells: columns.map { entry.object[$0]?.raw ?? .missing })
        }
        self.init(columns: columns, rows: rows)
    }

    /// Why a line is not valid JSON, with its start. JSONDecoder gives no detail, so the parse
    /// is repeated with JSONSerialization, whose message says where it failed.
    private static func reason(_ error: any Error, _ text: ArraySlice<UInt8>) -> String {
        let shown = String(decoding: text.prefix(60), as: UTF8.self) + (text.count > 60 ? "…" : "")
        var why = "cannot parse"
        do {
            _ = try JSONSerialization.jsonObject(with: Data(text), options: [.fragmentsAllowed])
        } catch {
            let info = (error as NSError).userInfo
            why = (info[NSDebugDescriptionErrorKey] as? String) ?? error.localizedDescription
        }
        if why.hasSuffix(".") { why.removeLast() }
        return "\(why) in \(shown)"
    }
}
