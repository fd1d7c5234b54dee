import Foundation
import XCTest

/// Issue 18: a disk that fills up while ScaleLab writes. Each case runs the real command in a
/// private mount namespace (`unshare -m`) on a small tmpfs filled to within `free` KiB of its
/// end, so the write fails part-way as on a full disk: the command must say that the disk is
/// full and what to do, exit non-zero without a trap, and leave what was stored before intact.
final class DiskFullTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("scalelab-diskfull-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    struct Outcome {
        var status: Int32
        var stderr: String
        /// The folder the tmpfs's files were copied to after the command ended (with space freed).
        var after: URL
    }

    /// Mounts a `size`-KiB tmpfs on `disk/`, copies `files` (names in `dir`) onto it, fills it to
    /// within `free` KiB, runs `scalelab args` (where `@` stands for the tmpfs folder), then frees
    /// the space and copies every file on it to `after/`. Nil where mount namespaces are not
    /// allowed; under CI that fails instead (the machine is expected to allow it, as root).
    func onFullDisk(sizeKiB: Int = 4096, free: Int, files: [String], _ args: [String]) throws -> Outcome? {
        func q(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        let exe = try XCTUnwrap(CLIRunner.executableURL).path
        let disk = dir.appendingPathComponent("disk"), after = dir.appendingPathComponent("after")
        for d in [disk, after] { try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true) }
        let command = ([exe] + args.map { $0.replacingOccurrences(of: "@", with: disk.path) }).map(q).joined(separator: " ")
        let D = q(disk.path), A = q(after.path), R = q(dir.path)
        let script = """
            mount -t tmpfs -o size=\(sizeKiB)k tmpfs \(D) || exit 97
            for f in \(files.map(q).joined(separator: " ")); do cp \(R)/"$f" \(D)/ || exit 96; done
            avail=$(df -k --output=avail \(D) | tail -1)
            dd if=/dev/zero of=\(D)/fill bs=1k count=$((avail - \(free))) 2>/dev/null
            \(command) > \(R)/cmd.out 2> \(R)/cmd.err
            echo $? > \(R)/cmd.status
            rm -f \(D)/fill
            cp -a \(D)/. \(A)/
            """
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare") else { return try unavailable("no unshare") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        p.arguments = ["-m", "sh", "-c", script]
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let shellErr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        if p.terminationStatus == 97 || shellErr.contains("unshare:") { return try unavailable(shellErr) }
        XCTAssertEqual(p.terminationStatus, 0, shellErr)
        let status = try String(contentsOf: dir.appendingPathComponent("cmd.status"), encoding: .utf8)
        return Outcome(status: Int32(status.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1,
                       stderr: try String(contentsOf: dir.appendingPathComponent("cmd.err"), encoding: .utf8), after: after)
    }

    private func unavailable(_ why: String) throws -> Outcome? {
        if ProcessInfo.processInfo.environment["CI"] != nil {
            XCTFail("CI: a tmpfs in a private mount namespace (unshare -m, as root) is needed for the full-disk tests: \(why)")
        }
        return nil
    }

    func scalelab(_ args: [String]) throws -> CLIRunner.Result {
        let r = try CLIRunner.run(args)
        XCTAssertEqual(r.status, 0, "\(args): \(r.stderr)")
        return r
    }

    /// A CSV of `rows` runs (N, D, loss), in `dir`.
    func runsFile(_ name: String, rows: Int) throws -> String {
        var text = "params,tokens,loss\n"
        for i in 0..<rows {
            let N = 1e6 * (1 + Double(i % 97)), D = 2e7 * (1 + Double(i % 89))
            text += "\(N),\(D),\(1.7 + 400 / pow(N, 0.34) + 410 / pow(D, 0.28))\n"
        }
        let path = dir.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func assertSaysDiskFull(_ outcome: Outcome, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertNotEqual(outcome.status, 0, outcome.stderr, file: file, line: line)
        XCTAssertNotEqual(outcome.status, 132, "a trap: \(outcome.stderr)", file: file, line: line)
        XCTAssertFalse(outcome.stderr.contains("Fatal error"), outcome.stderr, file: file, line: line)
        XCTAssertTrue(outcome.stderr.contains("full"), "the message should say the disk is full: \(outcome.stderr)",
                      file: file, line: line)
        XCTAssertTrue(outcome.stderr.contains("free"), "the message should say to free space: \(outcome.stderr)",
                      file: file, line: line)
    }

    /// An import that runs out of space part-way is rolled back: the store holds what it held.
    func testAnImportThatFillsTheDiskKeepsTheStoreAsItWas() throws {
        let store = dir.appendingPathComponent("s.sqlite").path
        _ = try scalelab(["import", try runsFile("small.csv", rows: 12), "--store", store])
        let before = try scalelab(["export", "--store", store, "--format", "store"]).stdout
        let big = try runsFile("big.csv", rows: 30_000)
        guard let outcome = try onFullDisk(free: 96, files: ["s.sqlite"], ["import", big, "--store", "@/s.sqlite"]) else {
            throw XCTSkip("mount namespaces (unshare -m) are not allowed here")
        }
        assertSaysDiskFull(outcome)
        let after = try scalelab(["export", "--store", outcome.after.appendingPathComponent("s.sqlite").path, "--format", "store"]).stdout
        XCTAssertEqual(after, before)
    }

    /// A ladder whose store's disk fills while it trains stops with the message; once there is
    /// space again, the next `ladder run` finishes every run (none is lost or left running).
    func testALadderRunOnAFullDiskStopsAndTheNextRunFinishesIt() throws {
        let corpus = dir.appendingPathComponent("corpus.txt").path
        try LadderCommandTests.writeCorpus(to: corpus)
        let store = dir.appendingPathComponent("s.sqlite").path
        _ = try scalelab(["ladder", "plan", "--budgets", "1.6e10", "--sizes-per-budget", "2", "--spread", "0.3", "--context", "16",
                          "--throughput", "1e9", "--store", store])
        guard let outcome = try onFullDisk(free: 150, files: ["s.sqlite"],
                                           ["ladder", "run", "--store", "@/s.sqlite", "--data", corpus, "--threads", "1", "--workers", "1"])
        else { throw XCTSkip("mount namespaces (unshare -m) are not allowed here") }
        assertSaysDiskFull(outcome)
        let moved = outcome.after.appendingPathComponent("s.sqlite").path
        _ = try scalelab(["ladder", "run", "--store", moved, "--data", corpus, "--threads", "1", "--workers", "1"])
        let doc = try XCTUnwrap(try scalelab(["ladder", "status", "--store", moved, "--json"]).json() as? [String: Any])
        let runs = try XCTUnwrap(doc["runs"] as? [[String: Any]])
        XCTAssertEqual(runs.count, 2)
        XCTAssertEqual(Set(runs.map { $0["status"] as? String }), ["done"], "\(runs)")
    }

    /// A report that cannot be written says so and leaves no partial page behind.
    func testAReportOnAFullDiskSaysSoAndLeavesNoPartialPage() throws {
        let runs = try runsFile("runs.csv", rows: 40)
        guard let outcome = try onFullDisk(free: 8, files: [], ["report", runs, "--out", "@/report.html", "--bootstrap", "0", "--no-compare", "--law", "power-n"]) else {
            throw XCTSkip("mount namespaces (unshare -m) are not allowed here")
        }
        assertSaysDiskFull(outcome)
        let left = try FileManager.default.contentsOfDirectory(atPath: outcome.after.path)
        XCTAssertEqual(left, [], "files left on the full disk: \(left)")
    }
}
