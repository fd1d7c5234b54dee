import Foundation
import XCTest
@testable import Analysis
import LawFitting
import ScalingLaws

/// Seeded mutation fuzzing of the fit-file reader and the plan made from it (`plan --fit`): a
/// valid fit report mutated a few thousand times, byte by byte and value by value. Every mutant
/// either gives a plan whose numbers are all finite or throws a typed error (`FitFileError`,
/// `AnalysisError`, `PlanningError`); none traps. Deterministic and bounded to a few seconds.
final class FitFileFuzzTests: XCTestCase {
    static let seeds: [String] = [
        #"""
        {"law":"chinchilla","formula":"L = E + A/N^alpha + B/D^beta","parameterOrder":["E","A","B","alpha","beta"],
        "parameters":{"E":1.69,"A":406.4,"B":410.7,"alpha":0.34,"beta":0.28},"derived":{},"budgets":[],
        "fit":{"objective":0,"objectiveKind":"huber","rmseLog":0,"points":10,"starts":1,"convergedStarts":1,
        "status":"converged","message":"","seconds":0,"evaluations":1,"spread":{"E":[1.6,1.7]},"bestStartObjectives":[0]},
        "bootstrap":{"samples":3,"failed":0,"level":0.9,"seed":0,"seconds":0,
        "parameters":[[1.69,406.4,410.7,0.34,0.28],[1.7,400,410,0.35,0.29],[1.68,410,405,0.33,0.27]]},
        "scalelabVersion":"0.1.0"}
        """#,
        #"""
        {"law":"data-constrained","formula":"","parameterOrder":["E","A","B","alpha","beta","R_D_star","R_N_star"],
        "parameters":{"E":1.87,"A":521,"B":1488,"alpha":0.35,"beta":0.35,"R_D_star":15.4,"R_N_star":5.3},
        "derived":{},"budgets":[],"fit":{"objective":0,"objectiveKind":"huber","rmseLog":0,"points":10,"starts":1,
        "convergedStarts":1,"status":"converged","message":"","seconds":0,"evaluations":1,"spread":{},
        "bestStartObjectives":[]},"bootstrap":{"samples":2,"failed":0,"level":0.8,"seed":1,"seconds":0,
        "parameters":[[1.87,521,1488,0.35,0.35,15.4,5.3],[1.9,500,1500,0.36,0.34,14,6]]},"scalelabVersion":"0.1.0"}
        """#,
    ]

    static let nasty: [String] = [
        "-0.3", "0", "-0", "1e308", "-1e308", "1e-320", "4.9e-324", "7", "1", "0.999999", "\"nan\"", "\"inf\"",
        "\"-inf\"", "null", "true", "[]", "{}", "[1,2]", "\"chinchilla\"", "\"bnsl-3\"", "\"power-n\"", "1e400",
        "\"E\"", "[\"E\",\"E\"]", "10.5", "-1e-9", "1e30", "\"" + String(repeating: "x", count: 3000) + "\"",
    ]

    static func mutate(_ bytes: [UInt8], _ g: inout SplitMix64) -> [UInt8] {
        var b = bytes
        func pos() -> Int { b.isEmpty ? 0 : Int(g.next() % UInt64(b.count)) }
        switch g.next() % 7 {
        case 0 where !b.isEmpty: b[pos()] ^= UInt8(1) << (g.next() % 8)
        case 1 where !b.isEmpty: let i = pos(); b.removeSubrange(i..<min(b.count, i + 1 + Int(g.next() % 12)))
        case 2 where !b.isEmpty:
            let i = pos(); let r = Array(b[i..<min(b.count, i + 1 + Int(g.next() % 30))]); b.insert(contentsOf: r, at: pos())
        case 3: b = Array(b.prefix(pos()))
        default:
            // Replace one value: after a colon, a comma or an opening bracket, up to the next , ] or }.
            let value = Array(nasty[Int(g.next() % UInt64(nasty.count))].utf8)
            let starts = b.indices.filter { [UInt8(ascii: ":"), UInt8(ascii: ","), UInt8(ascii: "[")].contains(b[$0]) }
            guard !starts.isEmpty else { break }
            let s = starts[Int(g.next() % UInt64(starts.count))]
            let stops: [UInt8] = [UInt8(ascii: ","), UInt8(ascii: "]"), UInt8(ascii: "}")]
            let e = b[(s + 1)...].firstIndex { stops.contains($0) } ?? b.count
            guard b[(s + 1)..<e].allSatisfy({ $0 != UInt8(ascii: "{") && $0 != UInt8(ascii: "[") && $0 != UInt8(ascii: ":") })
            else { break }
            b.replaceSubrange((s + 1)..<e, with: value)
        }
        return b
    }

    func testMutatedFitFilesPlanOrThrowTypedErrors() throws {
        // SCALELAB_FUZZ_SEED and SCALELAB_FUZZ_ITERATIONS explore further by hand.
        let env = ProcessInfo.processInfo.environment
        var g = SplitMix64(seed: env["SCALELAB_FUZZ_SEED"].flatMap { UInt64($0) } ?? 18)
        let iterations = env["SCALELAB_FUZZ_ITERATIONS"].flatMap { Int($0) } ?? 2500
        let requests = [PlanRequest(compute: 5.76e23), PlanRequest(compute: 1e21, targetLoss: 2.5),
                        PlanRequest(compute: 1e22, uniqueTokens: 1e10), PlanRequest(compute: 1e22, inferenceTokens: 1e13)]
        let start = Date()
        var planned = 0, refused = 0
        for _ in 0..<iterations {
            var bytes = Array(Self.seeds[Int(g.next() % UInt64(Self.seeds.count))].utf8)
            for _ in 0..<(1 + Int(g.next() % 2)) { bytes = Self.mutate(bytes, &g) }
            let text = String(decoding: bytes.prefix(400), as: UTF8.self)
            let report: FitReport
            do { report = try FitReport.read(Data(bytes), source: "mutant.json") } catch {
                XCTAssertLessThan(error.description.utf8.count, 4000, text)
                refused += 1
                continue
            }
            let request = requests[Int(g.next() % UInt64(requests.count))]
            if let trace = env["SCALELAB_FUZZ_TRACE"] {   // the last mutant tried, to replay a crash
                try? (String(decoding: bytes, as: UTF8.self) + "\n\(request)").write(toFile: trace, atomically: false, encoding: .utf8)
            }
            do {
                let result = try PlanAnalysis.run(request, report: report, source: "mutant.json")
                XCTAssertNil(try PlanAnalysis.nonFinite(in: result.plan), "a plan with a non-finite number from \(text)")
                for (k, v) in result.intervals ?? [:] {
                    XCTAssertTrue(v.allSatisfy(\.isFinite), "interval \(k) = \(v) from \(text)")
                }
                planned += 1
            } catch is FitFileError {
                refused += 1
            } catch is AnalysisError {
                refused += 1
            } catch is PlanningError {
                refused += 1
            } catch {
                XCTFail("an untyped error \(error) from \(text)")
            }
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 30 * Double(iterations) / 2500)
        XCTAssertGreaterThan(planned, 0)
        XCTAssertGreaterThan(refused, 0)
    }
}
