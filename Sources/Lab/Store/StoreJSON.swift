import Foundation
import ScalingLaws

/// The JSON the store keeps in its text columns (a run's config and record, a fit's parameters
/// and intervals, a sweep's spec): one encoder and one decoder, with non-finite numbers written
/// as the strings "inf", "-inf" and "nan" and read back.
enum StoreJSON {
    static func encode<T: Encodable>(_ value: T, what: String) throws(StoreError) -> String {
        do { return String(decoding: try JSONConventions.encoder().encode(value), as: UTF8.self) } catch {
            throw .unencodable(what: what, detail: "\(error)")
        }
    }

    static var decoder: JSONDecoder { JSONConventions.decoder() }

    /// Decodes column `column` of row `id` of `table`; nil for a NULL column, `corruptColumn` for
    /// text that is not JSON of `T`.
    static func decode<T: Decodable>(_ type: T.Type, from text: String?, path: String, table: String, id: Int64?,
                                     column: String) throws(StoreError) -> T? {
        guard let text else { return nil }
        do { return try decoder.decode(T.self, from: Data(text.utf8)) } catch {
            throw .corruptColumn(path: path, table: table, id: id ?? 0, column: column, detail: describe(error, as: T.self))
        }
    }

    /// A short reason: "not JSON" or what JSON was expected where.
    static func describe<T>(_ error: any Error, as: T.Type) -> String {
        guard let e = error as? DecodingError else { return "\(error)" }
        let want = String(describing: T.self)
        switch e {
        case .dataCorrupted(let c) where c.codingPath.isEmpty: return "not valid JSON"
        case .dataCorrupted(let c), .keyNotFound(_, let c), .typeMismatch(_, let c), .valueNotFound(_, let c):
            let at = c.codingPath.map(\.stringValue).joined(separator: ".")
            return "not a \(want)" + (at.isEmpty ? "" : " at '\(at)'") + ": \(c.debugDescription)"
        @unknown default: return "not a \(want): \(e)"
        }
    }
}
