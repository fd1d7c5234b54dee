import Foundation
import XCTest

/// `scalelab fit FILE --approaches`: Chinchilla's three approaches on a file's rows, the budgets
/// said in text, the vertex methods and their options' errors.
final class FitApproachesCommandTests: XCTestCase {
    /// Epoch AI's constants (docs/science.md): a = β/(α+β).
    static let (E, A, B, alpha, beta) = (1.82, 482.0, 2085.0, 0.348, 0.366)
    static var a: Double { beta / (alpha + beta) }

    /// N_opt(C) of the law: G·(C/6)^a, G = (αA/(βB))^(1/(α+β)).
    static func optimalN(_ C: Double) -> Double {
        pow(alpha * A / (beta * B), 1 / (alpha + beta)) * pow(C / 6, a)
    }

    /// 5 budgets of 7 sizes 0.2 decades apart centred on N_opt, exact losses (C = 6ND: the C
    /// column is given at the budget, with a jitter of 0.2% that the 1% tolerance absorbs), and a
    /// sixth budget of 3 sizes that cannot be used.
    private func isoFLOPCSV() throws -> String {
        var text = "N,D,C,loss\n"
        for (b, C) in [1e17, 1e18, 1e19, 1e20, 1e21].enumerated() {
            for i in 0..<7 {
                let N = Self.optimalN(C) * pow(10, 0.2 * (Double(i) - 3)), D = C / (6 * N)
                let loss = Self.E + Self.A / pow(N, Self.alpha) + Self.B / pow(D, Self.beta)
                text += "\(N),\(D),\(C * (1 + 0.002 * Double((i + b) % 2))),\(loss)\n"
            }
        }
        for i in 0..<3 {
            let C = 1e22, N = Self.optimalN(C) * pow(10, 0.2 * Double(i)), D = C / (6 * N)
            text += "\(N),\(D),\(C),\(Self.E + Self.A / pow(N, Self.alpha) + Self.B / pow(D, Self.beta))\n"
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scalelab-approaches-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("isoflop.csv")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    /// Few starts: the debug build is slow and the law is exact.
    static let grid = ["--grid", "log_E=0.5", "--grid", "log_A=6", "--grid", "log_B=7", "--grid", "alpha=0.4", "--grid", "beta=0.4"]

    /// The table of the three approaches, every budget's line (the 3-size one not used), and a
    /// under each vertex method; approaches 2 and 3 recover a.
    func testTextShowsApproachesBudgetsAndSensitivity() throws {
        let path = try isoFLOPCSV()
        let r = try CLIRunner.run(["fit", path, "--approaches", "--bootstrap", "20", "--seed", "1"] + Self.grid)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("1 envelope"), r.stdout)
        XCTAssertTrue(r.stdout.contains("2 IsoFLOP"), r.stdout)
        XCTAssertTrue(r.stdout.contains("3 parametric"), r.stdout)
        XCTAssertTrue(r.stdout.contains("IsoFLOP budgets (approach 2, minimum by parabola):"), r.stdout)
        XCTAssertEqual(r.stdout.components(separatedBy: ": used").count - 1, 5, r.stdout)
        XCTAssertTrue(r.stdout.contains("budget 1.0e22 FLOPs: 3 sizes, fewer than 4: not used"), r.stdout)
        XCTAssertTrue(r.stdout.contains("a by vertex method: parabola "), r.stdout)
        XCTAssertTrue(r.stdout.contains("window(5) "), r.stdout)
        XCTAssertTrue(r.stdout.contains("of the 90% interval width"), r.stdout)

        let json = try CLIRunner.run(["fit", path, "--approaches", "--bootstrap", "0", "--vertex", "spline", "--json"] + Self.grid)
        XCTAssertEqual(json.status, 0, json.stderr)
        let doc = try XCTUnwrap(try json.json() as? [String: Any])
        let approaches = try XCTUnwrap(doc["approaches"] as? [String: Any])
        XCTAssertEqual(approaches["vertex"] as? String, "spline")
        let a2 = try XCTUnwrap((approaches["approach2"] as? [String: Any])?["a"] as? Double)
        XCTAssertEqual(a2, Self.a, accuracy: 0.01)
        let approach3 = try XCTUnwrap(approaches["approach3"] as? [String: Double])
        let a3 = try XCTUnwrap(approach3["beta"]) / (try XCTUnwrap(approach3["alpha"]) + XCTUnwrap(approach3["beta"]))
        XCTAssertEqual(a3, Self.a, accuracy: 1e-3)
        let sensitivity = try XCTUnwrap(approaches["vertexSensitivity"] as? [String: Double])
        XCTAssertEqual(Set(sensitivity.keys), ["parabola", "window(5)", "spline"])
        for (method, a) in sensitivity { XCTAssertEqual(a, Self.a, accuracy: 0.01, method) }
        let budgets = try XCTUnwrap(approaches["budgets"] as? [[String: Any]])
        XCTAssertEqual(budgets.map { $0["status"] as? String }, ["used", "used", "used", "used", "used", "tooFewSizes"])
        XCTAssertNil(approaches["approach1"], "every size is trained once: no curve of loss against compute")
    }

    /// Sizes trained for many token counts: each size's rows are its curve, and the envelope over
    /// them gives a coarse approach 1 near the truth.
    func testCoarseEnvelopeFromRepeatedSizes() throws {
        var text = "N,D,loss\n"
        for i in 0..<8 {
            for j in 0..<12 {
                let N = 1e7 * pow(10, 0.25 * Double(i)), D = 1e8 * pow(10, 0.25 * Double(j))
                text += "\(N),\(D),\(Self.E + Self.A / pow(N, Self.alpha) + Self.B / pow(D, Self.beta))\n"
            }
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scalelab-envelope-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("grid.csv").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let r = try CLIRunner.run(["fit", path, "--approaches", "--bootstrap", "0", "--json"] + Self.grid)
        XCTAssertEqual(r.status, 0, r.stderr)
        let approaches = try XCTUnwrap((try r.json() as? [String: Any])?["approaches"] as? [String: Any])
        let a1 = try XCTUnwrap((approaches["approach1"] as? [String: Any])?["a"] as? Double)
        XCTAssertEqual(a1, Self.a, accuracy: 0.1, "a coarse envelope: 8 sizes a quarter-decade apart")
    }

    /// A tolerance tighter than the C column's 0.2% jitter splits every budget into two of 3–4 sizes.
    func testBudgetToleranceGroupsRows() throws {
        let path = try isoFLOPCSV()
        let r = try CLIRunner.run(["fit", path, "--approaches", "--bootstrap", "0", "--budget-tolerance", "0.0001", "--json"] + Self.grid)
        XCTAssertEqual(r.status, 0, r.stderr)
        let doc = try XCTUnwrap(try r.json() as? [String: Any])
        let budgets = try XCTUnwrap((doc["approaches"] as? [String: Any])?["budgets"] as? [[String: Any]])
        XCTAssertEqual(budgets.count, 11)
    }

    /// Bad options fail with a message saying what to do.
    func testBadOptions() throws {
        let path = try isoFLOPCSV()
        for (args, message) in [
            (["--approaches", "--vertex", "cubic"], "--vertex must be parabola, window or spline, got cubic"),
            (["--approaches", "--vertex", "window", "--vertex-window", "2"], "--vertex-window must be at least 3"),
            (["--approaches", "--budget-tolerance", "-1"], "--budget-tolerance must be 0 or more"),
            (["--vertex", "spline"], "--vertex applies to Chinchilla's approach 2: add --approaches"),
            (["--approaches", "--law", "all"], "--law all compares laws without them"),
        ] {
            let r = try CLIRunner.run(["fit", path] + args)
            XCTAssertNotEqual(r.status, 0, "\(args)")
            XCTAssertEqual(r.stdout, "")
            XCTAssertTrue(r.stderr.contains(message), "\(args): \(r.stderr)")
        }
    }
}
