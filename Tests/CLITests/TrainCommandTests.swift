import Foundation
@testable import Lab
import ScalingLaws
import XCTest

/// Issue 14, bring your own trainer: `ladder run --train-command` drives any command through the
/// runner, checks the result file it writes and stores it; `scalelab simulate-run` is the
/// synthetic trainer that makes big ladders cheap.
extension LadderCommandTests {
    var scalelab: String { CLIRunner.executableURL!.path }

    /// A ladder of `budgets.count × sizes` runs, stored; returns the run ids.
    func planLadder(budgets: String, sizes: Int) throws -> [Int] {
        let r = try ok(["ladder", "plan", "--budgets", budgets, "--sizes-per-budget", String(sizes), "--context", "16",
                        "--throughput", "1e9", "--store", store, "--json"])
        let doc = try XCTUnwrap(try r.json() as? [String: Any])
        return try XCTUnwrap(doc["runIDs"] as? [Int])
    }

    /// 20 runs "trained" by simulate-run without noise through two local workers: every run is done
    /// once, with exactly the law's loss at its planned N and D, its log and its command line kept.
    func testAnyTrainCommandTrainsALadderThroughTheRunner() throws {
        let ids = try planLadder(budgets: "1e10,1e11,1e12,1e13", sizes: 6)
        XCTAssertGreaterThanOrEqual(ids.count, 20)
        let command = "\(TrainCommandTemplate.shellQuoted(scalelab)) simulate-run --law hoffmann2022 --params {params} "
            + "--tokens {tokens} --noise 0 --seed {run_id} --out {result} && echo trained run $SCALELAB_RUN_ID"
        let r = try ok(["ladder", "run", "--store", store, "--workers", "2", "--train-command", command, "--json"])
        let summary = try XCTUnwrap(try r.json() as? [String: Any])
        XCTAssertEqual(summary["finished"] as? Int, ids.count)
        let law = try XCTUnwrap(PublishedLaws.named("hoffmann2022")?.laws.first)
        let lab = try RunStore.open(path: store, create: false, readOnly: true)
        for run in try lab.runs() {
            let id = try XCTUnwrap(run.id)
            XCTAssertEqual(run.status, .done, "run \(id): \(run.message ?? "")")
            XCTAssertEqual(run.attempts, 1)
            XCTAssertEqual(run.executor, "local")
            let config = try XCTUnwrap(run.trainingConfig)
            let expected = law(LawInput(N: Double(config.shape.parameterCount), D: Double(config.tokens)))
            XCTAssertEqual(run.finalValidationLoss, expected, "run \(id): the law's loss, stored exactly")
            XCTAssertEqual(run.tokens, Double(config.tokens))
            XCTAssertEqual(try lab.curve(run: id).count, 8, "the learning curve is stored")
            let log = try XCTUnwrap(run.logPath)
            XCTAssertEqual((log as NSString).lastPathComponent, "run-\(id).log", "one log per run, named by its id")
            XCTAssertEqual(try String(contentsOfFile: log, encoding: .utf8), "trained run \(id)\n")
            XCTAssertTrue(run.command?.contains("--params \(config.shape.parameterCount) --tokens \(config.tokens)") == true,
                          run.command ?? "no command")
        }
        XCTAssertEqual(try lab.measurements().count, ids.count, "every run is a measurement for the fitter")
    }

    /// What a training command can get wrong, each marking only its own run failed with the reason:
    /// a result missing a field, a result that is not JSON, no result at all (the log's last line
    /// says why), a result with a non-finite loss. The run that did it right is done, with metrics.
    func testBadResultsFailTheirRunWithTheReason() throws {
        let ids = try planLadder(budgets: "1e10,1e11", sizes: 3)
        XCTAssertGreaterThanOrEqual(ids.count, 5)
        let command = """
            case {run_id} in
            \(ids[0])) echo '{{"status": "completed", "parameters": 1000, "tokens": 5000}}' > {result} ;;
            \(ids[1])) echo 'loss was 3.2' > {result} ;;
            \(ids[2])) echo 'CUDA out of memory' >&2; exit 3 ;;
            \(ids[3])) echo '{{"status": "completed", "final_loss": "nan", "parameters": 1000, "tokens": 5000}}' > {result} ;;
            *) printf '{{"status": "completed", "final_loss": 2.5, "parameters": %s, "tokens": %s, "metrics": {{"acc": 0.25}}}}' {params} {tokens} > {result}.tmp && mv {result}.tmp {result} ;;
            esac
            """
        let r = try CLIRunner.run(["ladder", "run", "--store", store, "--train-command", command, "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let runs = Dictionary(uniqueKeysWithValues: try status().map { ($0["id"] as! Int, $0) })
        func expect(_ id: Int, _ state: String, _ parts: [String]) {
            let row = runs[id] ?? [:]
            XCTAssertEqual(row["status"] as? String, state, "\(row)")
            let message = row["message"] as? String ?? ""
            for p in parts { XCTAssertTrue(message.contains(p), "run \(id): '\(p)' not in: \(message)") }
        }
        expect(ids[0], "failed", ["run-\(ids[0]).json", "a completed run's result needs \"final_loss\""])
        expect(ids[1], "failed", ["not a JSON object"])
        expect(ids[2], "failed", ["exited with status 3", "CUDA out of memory"])
        expect(ids[3], "failed", ["\"final_loss\" must be a positive finite number"])
        for id in ids[4...] {
            expect(id, "done", [])
            XCTAssertEqual(runs[id]?["metrics"] as? [String: Double], ["acc": 0.25])
            XCTAssertEqual(runs[id]?["loss"] as? Double, 2.5)
        }
    }

    /// A template with an unknown placeholder or an unbalanced brace is a usage error before
    /// anything runs; the store is unchanged.
    func testABadTrainCommandIsAUsageError() throws {
        _ = try planLadder(budgets: "1e10", sizes: 2)
        let before = try Data(contentsOf: URL(fileURLWithPath: store))
        for (template, says) in [("train.py --size {size}", "unknown placeholder {size}"), ("train.py {params", "without its '}'"),
                                 ("  ", "--train-command is empty")] {
            let r = try CLIRunner.run(["ladder", "run", "--store", store, "--train-command", template])
            XCTAssertEqual(r.status, 64, r.stderr)
            XCTAssertTrue(r.stderr.contains(says), r.stderr)
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: store)), before)
        XCTAssertEqual(Set(try status().map { $0["status"] as? String }), ["queued"])
    }

    /// The template's values are shell-quoted: a run folder with a space and a quote in its name
    /// reaches the command as one word each.
    func testPlaceholdersAreShellQuoted() throws {
        XCTAssertEqual(TrainCommandTemplate.shellQuoted("1e9"), "1e9")
        XCTAssertEqual(TrainCommandTemplate.shellQuoted("/tmp/a b/it's"), "'/tmp/a b/it'\\''s'")
        let t = try TrainCommandTemplate("train --out {result} --lr {learning_rate} {{literal}}")
        XCTAssertEqual(t.expand(["result": "/a b/r.json", "learning_rate": "0.001"]), "train --out '/a b/r.json' --lr 0.001 {literal}")
        let ids = try planLadder(budgets: "1e10", sizes: 2)
        let runDir = dir.appendingPathComponent("run's dir").path
        let command = "\(TrainCommandTemplate.shellQuoted(scalelab)) simulate-run --params {params} --tokens {tokens} --out {result}"
        _ = try ok(["ladder", "run", "--store", store, "--run-dir", runDir, "--train-command", command])
        XCTAssertEqual(Set(try status().map { $0["status"] as? String }), ["done"])
        for id in ids { XCTAssertTrue(FileManager.default.fileExists(atPath: runDir + "/run-\(id).log")) }
    }

    /// The simulated trainer: the same seed gives the same result, its losses follow the law with
    /// the asked relative noise, and bad options are usage errors.
    func testSimulateRunIsSeededAndFollowsItsLaw() throws {
        let law = try XCTUnwrap(PublishedLaws.named("epoch2024")?.laws.first)
        var ratios: [Double] = []
        for seed in 0..<400 as Range<UInt64> {
            let r = SimulatedRun.result(law: law, parameters: 1e8, tokens: 2e9, noise: 0.02, seed: seed, curvePoints: 0)
            ratios.append(log(try XCTUnwrap(r.finalLoss) / law(LawInput(N: 1e8, D: 2e9))))
        }
        let mean = ratios.reduce(0, +) / 400, sd = (ratios.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 399).squareRoot()
        XCTAssertEqual(mean, 0, accuracy: 0.004, "unbiased in log (4 standard errors)")
        XCTAssertEqual(sd, 0.02, accuracy: 0.003)
        let out = dir.appendingPathComponent("r.json").path, again = dir.appendingPathComponent("s.json").path
        _ = try ok(["simulate-run", "--law", "epoch2024", "--params", "1e8", "--tokens", "2e9", "--seed", "7", "--out", out])
        _ = try ok(["simulate-run", "--law", "epoch2024", "--params", "1e8", "--tokens", "2e9", "--seed", "7", "--out", again])
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: out)), try Data(contentsOf: URL(fileURLWithPath: again)))
        guard case .success(.trainer(let result))? = RunResult.read(out) else { return XCTFail("not a result file") }
        XCTAssertEqual(result.learningCurve?.count, 8)
        for bad in [["--law", "kaplan2020-n"], ["--noise", "-1"], ["--params", "0"], ["--law", "deepseek2024"]] {
            let r = try CLIRunner.run(["simulate-run", "--params", "1e8", "--tokens", "1e9", "--out", out] + bad)
            XCTAssertEqual(r.status, 64, "\(bad): \(r.stderr)")
        }
    }
}
