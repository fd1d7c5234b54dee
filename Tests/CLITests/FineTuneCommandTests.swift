import Foundation
import Trainer
import XCTest

/// Issue 16's prerequisite: `train --init-from` fine-tunes a checkpoint on another corpus.
extension LadderCommandTests {
    /// A second domain: seeded pseudo-code lines (an LCG picks the tokens).
    func writeCodeCorpus() throws -> String {
        let path = dir.appendingPathComponent("code.txt").path
        let tokens = ["def", "f(x):", "return", "x", "+", "1", "if", "for", "i", "in", "range(n):", "self.", "=", "None"]
        var x: UInt64 = 777, text = ""
        for line in 0..<6_000 {
            x = x &* 6364136223846793005 &+ 1442695040888963407
            text += String(repeating: " ", count: 4 * Int((x >> 40) % 3)) + tokens[Int(x >> 33) % tokens.count] + " "
            text += tokens[Int(x >> 20) % tokens.count] + (line % 3 == 2 ? "\n\n" : "\n")
        }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func testTrainInitFromFineTunesACheckpointOnAnotherCorpus() throws {
        let parentRecord = dir.appendingPathComponent("parent.json").path, parentCheckpoint = parentRecord + ".ckpt"
        let p = try ok(["train", "--layers", "1", "--d-model", "16", "--heads", "2", "--context", "16", "--tokens", "2048",
                        "--batch", "4", "--threads", "1", "--curve-points", "2", "--data", corpus, "--out", parentRecord, "--json"])
        let parent = try RunRecord.jsonDecoder().decode(RunRecord.self, from: Data(p.stdout.utf8))
        let code = try writeCodeCorpus()

        // No shape options: the shape is the checkpoint's; the budget, batch and seed are the child's.
        let childRecord = dir.appendingPathComponent("child.json").path
        let args = ["train", "--init-from", parentCheckpoint, "--tokens", "1024", "--batch", "4", "--threads", "1",
                    "--curve-points", "2", "--seed", "5", "--data", code, "--out", childRecord]
        let c = try ok(args + ["--json"])
        let child = try RunRecord.jsonDecoder().decode(RunRecord.self, from: Data(c.stdout.utf8))
        XCTAssertEqual(child.status, .completed)
        XCTAssertEqual(child.config.shape, parent.config.shape)
        XCTAssertEqual(child.config.initFrom, parentCheckpoint)
        XCTAssertEqual(child.steps, 1024 / (4 * 16))
        XCTAssertEqual(child.data.source, code)
        let recorded = try XCTUnwrap(child.parent)
        XCTAssertEqual(recorded.checkpoint, parentCheckpoint)
        XCTAssertEqual(recorded.config, parent.config)
        XCTAssertEqual(recorded.steps, parent.steps)
        XCTAssertEqual(recorded.dataSource, corpus)
        XCTAssertTrue(recorded.completed)
        let onDisk = try RunRecord.jsonDecoder().decode(RunRecord.self, from: Data(contentsOf: URL(fileURLWithPath: childRecord)))
        XCTAssertEqual(onDisk.parent, recorded)

        // Without --json the summary names the parent.
        let text = try ok(["train", "--init-from", parentCheckpoint, "--tokens", "256", "--batch", "4", "--threads", "1",
                           "--curve-points", "1", "--data", code])
        XCTAssertTrue(text.stderr.contains("fine-tuning from \(parentCheckpoint)"), text.stderr)
        XCTAssertTrue(text.stderr.contains("fine-tuned from \(parentCheckpoint): \(parent.steps) steps, \(parent.tokens) tokens of \(corpus), parameters \(recorded.parameterDigest)"), text.stderr)

        // Resuming the (finished) fine-tuning run needs its own checkpoint, not the parent's file.
        let moved = dir.appendingPathComponent("moved.ckpt").path
        try FileManager.default.moveItem(atPath: parentCheckpoint, toPath: moved)
        let again = try RunRecord.jsonDecoder().decode(RunRecord.self, from: Data(try ok(args + ["--resume", "--json"]).stdout.utf8))
        XCTAssertEqual(again.stepLosses, child.stepLosses)
        XCTAssertEqual(again.parent, recorded)
        try FileManager.default.moveItem(atPath: moved, toPath: parentCheckpoint)

        // Errors: each a sentence saying what to fix, a non-zero exit and no trap.
        let garbage = dir.appendingPathComponent("garbage.ckpt").path
        try Data("not a checkpoint".utf8).write(to: URL(fileURLWithPath: garbage))
        let missing = dir.appendingPathComponent("none.ckpt").path
        for (extra, says) in [(["--init-from", parentCheckpoint, "--d-model", "32"], "has d_model 16, this run 32: fine-tune with the checkpoint's shape (--d-model 16"),
                              (["--init-from", parentCheckpoint, "--layers", "2", "--context", "32"], "layers 1, this run 2; context 16, this run 32"),
                              (["--init-from", missing], "--init-from '\(missing)' does not exist"),
                              (["--init-from", garbage], "not a ScaleLab checkpoint"),
                              (["--init-from", parentRecord], "give the checkpoint file a ScaleLab train run wrote (such as '\(parentCheckpoint)' beside it)"),
                              (["--init-from", dir.path], "is a folder"),
                              (["--init-from", parentCheckpoint, "--checkpoint", parentCheckpoint], "would overwrite the input")] {
            let bad = try CLIRunner.run(["train", "--tokens", "1024", "--threads", "1", "--data", code] + extra)
            XCTAssertNotEqual(bad.status, 0, "\(extra)")
            XCTAssertTrue(bad.stderr.contains(says), "\(extra): \(bad.stderr)")
            XCTAssertFalse(bad.stderr.contains("Fatal error"), bad.stderr)
        }
        // A shape option the checkpoint's shape makes invalid is a command-line error, with the usage.
        let heads = try CLIRunner.run(["train", "--init-from", parentCheckpoint, "--heads", "5", "--tokens", "1024", "--data", code])
        XCTAssertEqual(heads.status, 64, heads.stderr)
        XCTAssertTrue(heads.stderr.contains("--heads 5 does not divide --d-model 16"), heads.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: parentCheckpoint)).count > 0, true, "the parent is untouched")
    }
}
