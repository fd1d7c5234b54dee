import Foundation
@testable import Lab
import Trainer
import XCTest

/// Issue 15: task evaluations end to end. A `--train-command` writes `evaluations` (and
/// `metrics`) in its result file; the runner stores them with the run; `export --evaluations`
/// writes them with each run's N, D and C; a store dump carries them to another store (SQLite,
/// and PostgreSQL when the tests have one); a bad entry fails only its run, saying which entry.
extension LadderCommandTests {
    func testEvaluationsFromATrainCommandAreStoredExportedAndDumped() throws {
        let ids = try planLadder(budgets: "1e10,1e11", sizes: 2)
        XCTAssertGreaterThanOrEqual(ids.count, 3)
        let bad = ids[0]
        let command = """
            case {run_id} in
            \(bad)) printf '{{"status": "completed", "final_loss": 2.5, "parameters": %s, "tokens": %s, "evaluations": [{{"step": -1, "tokens": 0, "task": "addition-3", "metric": "exact_match", "value": 0.5}}]}}' {params} {tokens} > {result} ;;
            *) printf '{{"status": "completed", "final_loss": 2.5, "parameters": %s, "tokens": %s, "metrics": {{"arc/acc": 0.5}}, "evaluations": [{{"step": 5, "tokens": 100, "task": "addition-3", "metric": "exact_match", "value": 0.25}}, {{"step": 10, "tokens": 200, "task": "addition-3", "metric": "exact_match", "value": 0.%s}}]}}' {params} {tokens} {run_id} > {result}.tmp && mv {result}.tmp {result} ;;
            esac
            """
        let r = try CLIRunner.run(["ladder", "run", "--store", store, "--train-command", command, "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)

        let lab = try RunStore.open(path: store, create: false, readOnly: true)
        defer { lab.close() }
        let failed = try lab.run(id: Int64(bad))
        XCTAssertEqual(failed.status, .failed)
        XCTAssertTrue(failed.message?.contains("evaluations[0] (task 'addition-3', metric 'exact_match'): step must be >= 0, got -1") == true,
                      failed.message ?? "")
        XCTAssertEqual(try lab.evaluations(run: Int64(bad)), [], "nothing stored from a refused file")
        let good = ids.dropFirst().map(Int64.init)
        for id in good {
            let run = try lab.run(id: id)
            XCTAssertEqual(run.status, .done, run.message ?? "")
            let D = try XCTUnwrap(run.tokens)
            XCTAssertEqual(try lab.evaluations(run: id).map(\.evaluation), [
                TaskEvaluation(step: 5, tokens: 100, task: "addition-3", metric: "exact_match", value: 0.25),
                TaskEvaluation(step: 10, tokens: 200, task: "addition-3", metric: "exact_match", value: Double("0.\(id)")!),
                TaskEvaluation(step: 10, tokens: D, task: "arc", metric: "acc", value: 0.5),
            ], "run \(id)")
        }

        // export --evaluations: one row per evaluation, with the run's N, D, C and the FLOPs at the step.
        let csv = try ok(["export", "--store", store, "--evaluations"]).stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(csv.first, RunExport.evaluationColumns.joined(separator: ","))
        XCTAssertEqual(csv.count, 1 + 3 * good.count)
        let run = try lab.run(id: good[0])
        let (N, D, C) = (run.parameters, try XCTUnwrap(run.tokens), try XCTUnwrap(run.flops))
        let sweep = try XCTUnwrap(try lab.sweeps().first { $0.id == run.sweepID }).name
        XCTAssertEqual(csv[2], "\(good[0]),\(RunExport.Value.text(sweep).csv),isoflop,done,\(N),\(run.nonEmbeddingParameters!),\(D),\(C),2.5,10,200.0,\(C / D * 200),"
                       + "addition-3,exact_match,\(Double("0.\(good[0])")!)")
        let jsonl = try ok(["export", "--store", store, "--evaluations", "--format", "jsonl"]).stdout.split(separator: "\n")
        XCTAssertEqual(jsonl.count, 3 * good.count)
        let last = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(jsonl.last!.utf8)) as? [String: Any])
        XCTAssertEqual(last["task"] as? String, "arc")
        XCTAssertEqual(last["metric"] as? String, "acc")
        XCTAssertEqual(last["run_id"] as? Int, Int(good.last!))
        XCTAssertEqual(Set(last.keys), Set(RunExport.evaluationColumns))
        let refused = try CLIRunner.run(["export", "--store", store, "--evaluations", "--format", "store"])
        XCTAssertEqual(refused.status, 64, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("--format store already dumps every evaluation"), refused.stderr)

        // A store dump carries them: SQLite → SQLite, and SQLite → PostgreSQL when there is one.
        let dumpFile = dir.appendingPathComponent("lab.dump").path
        _ = try ok(["export", "--store", store, "--format", "store", "--out", dumpFile])
        let text = try String(contentsOfFile: dumpFile, encoding: .utf8)
        XCTAssertTrue(text.contains(#""evaluation":\#(3 * good.count)"#), String(text.prefix(200)))
        var destinations = [dir.appendingPathComponent("copy.sqlite").path]
        if let url = try? postgresStoreURL() { destinations.append(url) }
        for destination in destinations {
            let restored = try ok(["import", dumpFile, "--store", destination])
            XCTAssertTrue(restored.stdout.contains("\(3 * good.count) evaluations"), restored.stdout)
            XCTAssertEqual(try ok(["export", "--store", destination, "--evaluations"]).stdout, csv.map { $0 + "\n" }.joined(), destination)
            XCTAssertEqual(try ok(["export", "--store", destination, "--format", "store"]).stdout, text, destination)
        }
    }
}
