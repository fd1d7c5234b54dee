import Foundation
import Testing
@testable import LawFitting
import ScalingLaws

/// Seeded mutation fuzzing of the measurement readers: the published fixtures (as CSV and as
/// JSON Lines) mutated a few thousand times, byte by byte and cell by cell. Every mutant either
/// reads to positive finite values or throws a `MeasurementInputError`; none traps. Deterministic
/// (one seed); a few seconds in a debug build.
@Suite struct InputFuzzTests {
    /// The seeds: each fixture's header and first nine rows.
    static func seeds() throws -> [(name: String, csv: [UInt8])] {
        var paths = try FileManager.default.contentsOfDirectory(atPath: InputFixtures.directory.path)
            .filter { $0.hasSuffix(".csv") }.sorted().map(InputFixtures.path)
        paths.append(InputFixtures.packageRoot.appendingPathComponent("benchmarks/fit/chinchilla_240.csv").path)
        return try paths.map { path in
            // Split on the LF byte: as a String, a CRLF is one Character and would not split.
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            let lines = bytes.split(separator: 10, omittingEmptySubsequences: false).prefix(10)
            return (URL(fileURLWithPath: path).lastPathComponent, Array(lines.joined(separator: [10])) + [10])
        }
    }

    /// The same table as JSON Lines (numbers as numbers, other cells as strings).
    static func jsonLines(_ csv: [UInt8]) throws -> [UInt8] {
        let records = try splitCSVRecords(csv, file: "seed")
        guard let header = records.first else { return [] }
        var out = ""
        for r in records.dropFirst() {
            var object: [String: Any] = [:]
            for (k, v) in zip(header.fields, r.fields) { object[k] = Double(v).map { $0 as Any } ?? v }
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            out += String(decoding: data, as: UTF8.self) + "\n"
        }
        return Array(out.utf8)
    }

    /// Values that have broken readers: huge, tiny, non-finite, negative, not numbers.
    static let nasty: [String] = [
        "1e400", "-1e400", "1e308", "1.7976931348623157e308", "1e200", "-1", "0", "-0", "4.9e-324", "2.2e-308",
        "1e-320", "nan", "NaN", "inf", "-inf", "Infinity", "", " ", "\"", "\"\"", "null", "true", "[1]", "{}",
        "{\"a\":1}", "0x10", "1e", "--1", "1,5", "\u{FEFF}1", "1\u{0}", String(repeating: "9", count: 5000),
        "0." + String(repeating: "0", count: 400) + "1", String(repeating: "\u{301}", count: 300),
    ]

    /// One mutation of `bytes`, chosen and placed by `g`.
    static func mutate(_ bytes: [UInt8], json: Bool, _ g: inout SplitMix64) -> [UInt8] {
        var b = bytes
        func pos() -> Int { b.isEmpty ? 0 : Int(g.next() % UInt64(b.count)) }
        switch g.next() % 8 {
        case 0 where !b.isEmpty:                       // flip one bit
            b[pos()] ^= UInt8(1) << (g.next() % 8)
        case 1 where !b.isEmpty:                       // delete a range
            let i = pos(); b.removeSubrange(i..<min(b.count, i + 1 + Int(g.next() % 16)))
        case 2 where !b.isEmpty:                       // duplicate a range
            let i = pos(); let r = Array(b[i..<min(b.count, i + 1 + Int(g.next() % 40))]); b.insert(contentsOf: r, at: pos())
        case 3:                                        // insert structural bytes
            let pool = Array("\",\n\r{}[]:\\ \t\u{0}\u{FF}".utf8)
            b.insert(pool[Int(g.next() % UInt64(pool.count))], at: pos())
        case 4:                                        // truncate
            b = Array(b.prefix(pos()))
        default:                                       // replace one cell with a nasty value
            let value = nasty[Int(g.next() % UInt64(nasty.count))]
            // The first separator at or after a random place (cheap in a debug build).
            let (colon, comma, brace): (UInt8, UInt8, UInt8) = (58, 44, 125)
            let p = pos()
            guard let s = b[p...].firstIndex(where: { json ? $0 == colon : ($0 == comma || $0 == 10) }) else { break }
            let e = b[(s + 1)...].firstIndex { json ? ($0 == comma || $0 == brace) : ($0 == comma || $0 == 10 || $0 == 13) } ?? b.count
            b.replaceSubrange((s + 1)..<e, with: Array(value.utf8))
        }
        return b
    }

    /// Reads `bytes` and checks the outcome: finite positive values, or a typed error.
    static func check(_ bytes: [UInt8], format: MeasurementFileFormat, requiring: Set<ScaleVariable>) -> Bool {
        do {
            let set = try MeasurementReader(format: format).read(bytes: bytes, source: "mutant", format: format,
                                                                 requiring: requiring)
            for m in set.measurements {
                for v in [m.parameters, m.tokens, m.compute, m.uniqueTokens, m.loss].compactMap({ $0 }) {
                    guard v.isFinite, v > 0 else {
                        Issue.record("read a value \(v) that is not positive and finite from \(String(decoding: bytes.prefix(300), as: UTF8.self))")
                        return false
                    }
                }
            }
            return true
        } catch {
            // A MeasurementInputError (the reader's throws are typed); its message must be short,
            // whatever the input.
            if error.description.utf8.count > 4000 {
                Issue.record("message of \(error.description.utf8.count) bytes: \(error.description.prefix(200))")
            }
            return false
        }
    }

    @Test func mutatedFilesReadOrThrowTypedErrors() throws {
        // SCALELAB_FUZZ_SEED and SCALELAB_FUZZ_ITERATIONS explore further by hand; the suite
        // always runs seed 18, 3000 mutants.
        let env = ProcessInfo.processInfo.environment
        var g = SplitMix64(seed: env["SCALELAB_FUZZ_SEED"].flatMap { UInt64($0) } ?? 18)
        let iterations = env["SCALELAB_FUZZ_ITERATIONS"].flatMap { Int($0) } ?? 3000
        let requirements: [Set<ScaleVariable>] = [[], [.parameters, .tokens], [.compute], [.parameters, .tokens, .compute]]
        var seeds: [(bytes: [UInt8], format: MeasurementFileFormat)] = []
        for s in try Self.seeds() {
            seeds.append((s.csv, .csv))
            seeds.append((try Self.jsonLines(s.csv), .jsonLines))
        }
        let start = Date()
        var read = 0, total = 0
        var slowest = (seconds: 0.0, input: "")
        var inReader = 0.0
        for _ in 0..<iterations {
            let seed = seeds[Int(g.next() % UInt64(seeds.count))]
            var bytes = seed.bytes
            for _ in 0..<(1 + Int(g.next() % 3)) { bytes = Self.mutate(bytes, json: seed.format == .jsonLines, &g) }
            let req = requirements[Int(g.next() % UInt64(requirements.count))]
            total += 1
            let t0 = Date()
            if Self.check(bytes, format: seed.format, requiring: req) { read += 1 }
            let dt = Date().timeIntervalSince(t0)
            inReader += dt
            if dt > slowest.seconds { slowest = (dt, String(decoding: bytes.prefix(200), as: UTF8.self)) }
        }
        let seconds = Date().timeIntervalSince(start)
        #expect(seconds < 10 * Double(iterations) / 3000, "fuzzing took \(seconds) s (\(inReader) s reading); slowest \(slowest.seconds) s: \(slowest.input)")
        #expect(read > 0 && read < total, "\(read) of \(total) mutants read; the mutations should break some, not all")
    }
}
