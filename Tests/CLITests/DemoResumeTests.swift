import Foundation
import Lab
import Trainer
import XCTest

/// `scalelab demo --resume` continues only the demo its folder holds: other budgets, another seed
/// or another recipe are refused before anything trains, and the stored plan is left as it was.
final class DemoResumeTests: XCTestCase {
    var dir: URL!
    var store: String { dir.appendingPathComponent("scalelab.sqlite").path }
    var corpus: String { dir.appendingPathComponent("corpus.txt").path }

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("demo-resume-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try LadderCommandTests.writeCorpus(to: corpus)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    /// Stores the ladder `demo --quick --seed 0` plans (four budgets from 3e9 to 3e11), under `name`.
    func storeQuickDemoLadder(name: String = "demo ladder") throws {
        let budgets = (0..<4).map { 3e9 * pow(100, Double($0) / 3) }
        let plan = try LadderPlanner.plan(LadderSpec(kind: .isoflop, budgets: budgets, count: 5, seed: 0))
        let s = try RunStore.open(path: store, create: true)
        _ = try s.add(plan, name: name, version: "test")
    }

    func resume(_ extra: [String]) throws -> CLIRunner.Result {
        try CLIRunner.run(["demo", "--quick", "--resume", "--dir", dir.path, "--data", corpus] + extra)
    }

    func assertRefused(_ r: CLIRunner.Result, saying words: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertNotEqual(r.status, 0, file: file, line: line)
        for w in words { XCTAssertTrue(r.stderr.contains(w), "\(w) not in: \(r.stderr)", file: file, line: line) }
        XCTAssertFalse(r.stderr.contains("Fatal error"), r.stderr, file: file, line: line)
        // Nothing trained and nothing was lost: the one stored sweep, every run still queued.
        let s = try RunStore.open(path: store, create: false)
        XCTAssertEqual(try s.sweeps().count, 1, file: file, line: line)
        XCTAssertEqual(try s.runs(sweep: try s.sweeps()[0].id!).filter { $0.status != .queued }.count, 0, file: file, line: line)
    }

    func testAnotherSeedIsRefused() throws {
        try storeQuickDemoLadder()
        try assertRefused(try resume(["--seed", "3"]), saying: ["planned with other options", "seed 0 there, 3 now", "drop --resume"])
    }

    func testAnotherRecipeIsRefused() throws {
        try storeQuickDemoLadder()
        try assertRefused(try resume(["--recipe", "candidate"]), saying: ["recipe default there, candidate now"])
    }

    func testOtherBudgetsAreRefused() throws {
        try storeQuickDemoLadder()
        try assertRefused(try resume(["--largest-budget", "1e12"]), saying: ["budgets", "there", "now"])
    }

    func testAStoreThatIsNotADemosIsRefused() throws {
        try storeQuickDemoLadder(name: "my sweep")
        try assertRefused(try resume([]), saying: ["not a demo's", "my sweep"])
    }
}
