import Foundation
import Trainer
import XCTest

/// Issue 15: `train --mix/--eval` and `scalelab eval` on the checkpoint a run leaves behind.
extension LadderCommandTests {
    func testEvalScoresTheCheckpointOfAMixedRun() throws {
        let record = dir.appendingPathComponent("run.json").path
        let r = try ok(["train", "--layers", "1", "--d-model", "16", "--heads", "2", "--context", "32", "--tokens", "8192",
                        "--batch", "8", "--threads", "1", "--seed", "2", "--data", corpus, "--out", record,
                        "--mix", "addition-2:0.2,reversal-3:0.1", "--eval", "addition-2,reversal-3", "--eval-examples", "20",
                        "--curve-points", "3", "--json"])
        let run = try RunRecord.jsonDecoder().decode(RunRecord.self, from: Data(r.stdout.utf8))
        XCTAssertEqual(run.config.mix, [TaskMixture(task: "addition-2", fraction: 0.2), TaskMixture(task: "reversal-3", fraction: 0.1)])
        let evaluations = try XCTUnwrap(run.evaluations)
        XCTAssertEqual(evaluations.count, run.config.curveSteps.count * 2 * TaskMetric.all.count)
        let checkpoint = record + ".ckpt"
        XCTAssertTrue(FileManager.default.fileExists(atPath: checkpoint), "a completed run leaves its checkpoint")

        let e = try ok(["eval", "--checkpoint", checkpoint, "--tasks", "addition-2,reversal-3,addition-1", "--examples", "20", "--json"])
        let doc = try XCTUnwrap(try e.json() as? [String: Any])
        XCTAssertEqual(doc["steps"] as? Int, run.steps)
        let tasks = try XCTUnwrap(doc["tasks"] as? [[String: Any]])
        XCTAssertEqual(tasks.map { $0["task"] as? String }, ["addition-2", "reversal-3", "addition-1"])
        XCTAssertEqual(tasks.map { $0["overlapsTraining"] as? Bool }, [false, false, true])
        let scored = try XCTUnwrap(doc["evaluations"] as? [[String: Any]])
        XCTAssertEqual(scored.count, 3 * TaskMetric.all.count)
        // Same problems (seed 0, 20 examples), same model: what training recorded at its last step.
        for last in evaluations where last.step == run.steps {
            let value = try XCTUnwrap(scored.first { $0["task"] as? String == last.task && $0["metric"] as? String == last.metric }?["value"] as? Double)
            XCTAssertEqual(value, last.value, accuracy: 1e-5 * max(1, abs(last.value)), "\(last.task) \(last.metric)")
        }
        let text = try ok(["eval", "--checkpoint", checkpoint, "--tasks", "addition-1", "--examples", "500"])
        XCTAssertTrue(text.stdout.contains("exact_match") && text.stdout.contains("token_probability"), text.stdout)
        XCTAssertTrue(text.stdout.contains("addition-1: 100 examples") && text.stdout.contains("also in its training stream"), text.stdout)

        let garbage = dir.appendingPathComponent("garbage.ckpt").path
        try Data("not a checkpoint".utf8).write(to: URL(fileURLWithPath: garbage))
        let truncated = dir.appendingPathComponent("truncated.ckpt").path
        try Data(contentsOf: URL(fileURLWithPath: checkpoint)).prefix(200).write(to: URL(fileURLWithPath: truncated))
        for (args, says) in [(["--checkpoint", dir.appendingPathComponent("none.ckpt").path, "--tasks", "addition-2"], "no checkpoint at"),
                             (["--checkpoint", garbage, "--tasks", "addition-2"], "not a ScaleLab checkpoint"),
                             (["--checkpoint", truncated, "--tasks", "addition-2"], "checkpoint"),
                             (["--checkpoint", checkpoint, "--tasks", "subtraction-2"], "unknown task 'subtraction-2'"),
                             (["--checkpoint", checkpoint, "--tasks", "addition-2", "--examples", "900"], "at most"),
                             (["--checkpoint", checkpoint, "--tasks", "addition-9"], "context of at least 33")] {
            let bad = try CLIRunner.run(["eval"] + args)
            XCTAssertNotEqual(bad.status, 0, "\(args)")
            XCTAssertTrue(bad.stderr.contains(says), "\(args): \(bad.stderr)")
        }
        for (args, says) in [(["--mix", "addition-2:0.7,copy-2:0.4"], "sum to"), (["--mix", "add-2:0.1"], "unknown task"),
                             (["--eval", "addition-2", "--eval-examples", "0"], "at least 1"),
                             (["--eval", "addition-9", "--context", "16"], "context of at least 33")] {
            let bad = try CLIRunner.run(["train", "--tokens", "2048", "--data", corpus] + args)
            XCTAssertNotEqual(bad.status, 0, "\(args)")
            XCTAssertTrue(bad.stderr.contains(says), "\(args): \(bad.stderr)")
        }
    }
}

