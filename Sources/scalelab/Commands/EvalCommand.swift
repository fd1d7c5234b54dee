import ArgumentParser
import Foundation
import Trainer

/// `scalelab eval`: scores a checkpointed model on task suites' held-out examples.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Score a trained model (a checkpoint) on task suites: exact match, partial credit, answer bits and probabilities.",
        discussion: """
        Tasks: addition-K (K-digit addition, answer least-significant digit first), reversal-K \
        (reverse K letters) and copy-K (copy K letters). Each task is scored on held-out problems \
        drawn with --seed, which training streams never contain; tasks with fewer than 10000 \
        problems (addition-1, reversal-1/2, copy-1/2) evaluate on problems they also train on, \
        and the output says so. The checkpoint is what `train --checkpoint` (or `train --out`, \
        as <out>.ckpt) leaves behind.
        """
    )

    @Option(help: "Checkpoint file written by `scalelab train`.") var checkpoint: String
    @Option(help: "Tasks to evaluate, such as addition-2,addition-3,reversal-4.") var tasks: String
    @Option(help: "Held-out examples per task.") var examples: Int = TaskSuite.defaultEvaluationExamples
    @Option(help: "Seed of the evaluation sets (training runs evaluate with seed 0).") var seed: UInt64 = 0
    @Option(help: "Sequences per forward pass.") var batch: Int = 64
    @Option(help: "Threads for the kernels (default: all cores).") var threads: Int?
    @Option(help: "Also write the result (JSON) to this file.") var out: String?
    @Flag(help: "Print the result as JSON instead of a table.") var json = false

    /// The `--json` and `--out` document.
    struct Result: Codable {
        struct Task: Codable {
            var task: String
            var examples: Int
            /// True when the task is too small to hold problems out of training.
            var overlapsTraining: Bool
            var seconds: Double
        }
        var checkpoint: String
        var steps: Int
        var tokens: Int
        var seed: UInt64
        var tasks: [Task]
        var evaluations: [TaskEvaluation]
    }

    func validate() throws {
        guard examples >= 1 else { throw ValidationError("--examples must be at least 1, got \(examples)") }
        guard (1...4096).contains(batch) else { throw ValidationError("--batch must be in 1…4096, got \(batch)") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
        do { _ = try TaskSuite.parseList(tasks) } catch let e as TrainerError { throw ValidationError(e.description) }
    }

    func run() throws {
        try OutputFile.check([("--out", out)], inputs: [OutputFile.Input("--checkpoint", checkpoint)])
        let suites: [TaskSuite], loaded: CheckpointedModel
        do {
            suites = try TaskSuite.parseList(tasks)
            loaded = try CheckpointedModel(path: checkpoint, microBatch: batch,
                                           threads: threads ?? ProcessInfo.processInfo.activeProcessorCount)
        } catch let e as TrainerError { throw CommandFailure(e.description) }
        let predictor = LanguageModelPredictor(loaded.model)
        let clock = ContinuousClock()
        var result = Result(checkpoint: checkpoint, steps: loaded.steps, tokens: loaded.tokens, seed: seed, tasks: [], evaluations: [])
        for t in suites {
            let start = clock.now
            let score: TaskScore
            do {
                let set = try t.evaluationSet(count: examples, seed: seed)
                score = try TaskEvaluator.score(t, examples: set, with: predictor)
            } catch let e as TrainerError { throw CommandFailure(e.description) }
            result.tasks.append(.init(task: t.description, examples: score.examples, overlapsTraining: score.overlapsTraining,
                                      seconds: (clock.now - start) / .seconds(1)))
            result.evaluations += score.records(step: loaded.steps, tokens: Double(loaded.tokens))
        }
        let data = try RunRecord.jsonEncoder().encode(result)
        if let out { try OutputFile.write(data, to: out) }
        if json { print(String(decoding: data, as: UTF8.self)); return }
        let s = loaded.config.shape
        var text = "\(checkpoint): \(s.architecture.rawValue) L=\(s.layers) d=\(s.dModel) T=\(s.context), N=\(s.parameterCount), "
            + "step \(loaded.steps), \(loaded.tokens) tokens\n"
        text += TaskTable.text(result.evaluations)
        for t in result.tasks {
            text += "  \(t.task): \(t.examples) examples in " + String(format: "%.2f s", t.seconds)
                + (t.overlapsTraining ? " (small task: these problems are also in its training stream)" : "") + "\n"
        }
        print(text, terminator: "")
    }
}
