import Analysis
import ArgumentParser
import Foundation
import LawFitting
import ScalingLaws

/// `scalelab plan`: compute-optimal N and D, the compute for a target loss, data-constrained and
/// inference-aware plans.
struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Plan a training run: N_opt, D_opt and loss for a compute budget.",
        discussion: """
        With --target-loss: the least compute reaching that loss. With --unique-tokens: the best \
        model when unique data is limited (Muennighoff et al. 2023). With --inference-tokens: the \
        model that minimizes training plus inference FLOPs (Sardana et al. 2023). See `scalelab laws`.
        """)

    @Option(parsing: .unconditional, help: "Training compute budget in FLOPs, e.g. 5.76e23.") var compute: Double
    @Option(help: "A published law (see `scalelab laws`).") var law: String = "epoch2024"
    @Option(name: .customLong("target-loss"), parsing: .unconditional, help: "Also find the least compute reaching this loss (nats/token).")
    var targetLoss: Double?
    @Option(name: .customLong("unique-tokens"), parsing: .unconditional, help: "Unique training tokens available (data-constrained plan).")
    var uniqueTokens: Double?
    @Option(name: .customLong("inference-tokens"), parsing: .unconditional, help: "Lifetime inference tokens (inference-aware plan).")
    var inferenceTokens: Double?
    @Option(help: "A fit report written by `scalelab fit --out FILE.json` (chinchilla, chinchilla-tied or data-constrained); overrides --law. With a bootstrap fit, every number gets an interval.")
    var fit: String?
    @Option(name: .customLong("critical-batch"), help: ArgumentHelp(
        "Also give the batch size and step count: kaplan2020 (Kaplan et al.'s B_crit(L)) or a file written by `scalelab fit --store DB --law critical-batch --out FILE`.",
        discussion: "The batch is the critical batch B_crit at the compute-optimal loss, where a run takes twice the fewest steps and twice the least data that reach it (McCandlish et al. 2018); the steps are D_opt/B_crit. The law's losses must be in the plan's units: a byte-level fit with a byte-level law."))
    var criticalBatch: String?
    @Flag(help: "Print one JSON document instead of text.") var json = false

    func validate() throws {
        guard compute > 0, compute.isFinite else { throw ValidationError("--compute must be a positive number of FLOPs, got \(compute)") }
        if let t = targetLoss, !(t > 0 && t.isFinite) { throw ValidationError("--target-loss must be a positive loss, got \(t)") }
        if let u = uniqueTokens, !(u > 0 && u.isFinite) { throw ValidationError("--unique-tokens must be positive, got \(u)") }
        if let t = inferenceTokens, !(t >= 0 && t.isFinite) { throw ValidationError("--inference-tokens must be ≥ 0, got \(t)") }
        if fit == nil, PublishedLaws.named(law) == nil {
            throw ValidationError(PlanningError.unknownLaw(law, known: PublishedLaws.identifiers).description)
        }
    }

    func run() throws {
        let request = PlanRequest(compute: compute, targetLoss: targetLoss, uniqueTokens: uniqueTokens,
                                  inferenceTokens: inferenceTokens)
        let result: PlanAnalysis
        if let fit {
            let report: FitReport
            do { report = try FitReport.read(path: fit) } catch { throw CommandFailure(error.description) }
            do { result = try PlanAnalysis.run(request, report: report, source: fit) } catch {
                throw CommandFailure("\(error)")
            }
        } else {
            let entry = PublishedLaws.named(law)!
            do {
                result = PlanAnalysis(plan: try Planner.plan(request, law: PlanningLaw(entry), name: entry.identifier,
                                                             citation: entry.citation, parameterConvention: entry.parameterConvention),
                                      refits: 0)
            } catch {
                throw CommandFailure(error.description)
            }
        }
        let (report, intervals) = (result.plan, result.intervals)
        let batch = try criticalBatch.map { source -> BatchPlan in
            guard let p = report.computeOptimal else { throw CommandFailure("--critical-batch needs a compute-optimal plan, which this law does not give") }
            do { return BatchPlan(source: source, law: try BatchPlan.law(from: source), loss: p.loss, tokens: p.tokens) } catch {
                throw CommandFailure("\(error)")
            }
        }
        if json { return try Output.printJSON(PlanOutput(plan: report, intervals: intervals, intervalLevel: result.level, batch: batch)) }
        print(PlanRendering.render(report))
        if let b = batch {
            print("\nBatch and steps (critical batch from \(b.source): B* = \(Output.sci(b.law.bStar)) tokens, alpha_B = \(Output.number(b.law.alphaB)))")
            print("  B_crit   \(Output.sci(b.criticalBatch)) tokens at the compute-optimal loss \(Output.number(b.loss))")
            print("  steps    \(Output.sci(b.steps)) = D_opt/B_crit: twice the fewest, \(Output.sci(b.minimumSteps)), at a huge batch; "
                  + "the tokens are twice the least, \(Output.sci(b.minimumTokens)), at a tiny one")
        }
        if let intervals, let level = result.level {
            print("\n\(Int((level * 100).rounded()))% bootstrap intervals (\(result.refits) refits):")
            print(Output.table(["quantity", "low", "high"], intervals.keys.sorted().map { k in
                [k, Output.sci(intervals[k]![0]), Output.sci(intervals[k]![1])]
            }))
        }
    }
}

/// `plan --json`: the plan, and with a bootstrap fit the percentile interval of each of its numbers,
/// keyed by the number's path in the plan (e.g. `computeOptimal.parameters`).
struct PlanOutput: Encodable {
    var plan: PlanReport
    var intervals: [String: [Double]]?
    var intervalLevel: Double?
    var batch: BatchPlan? = nil

    func encode(to encoder: Encoder) throws {
        try plan.encode(to: encoder)
        var c = encoder.container(keyedBy: Key.self)
        try c.encodeIfPresent(intervals, forKey: Key("intervals"))
        try c.encodeIfPresent(intervalLevel, forKey: Key("interval_level"))
        try c.encodeIfPresent(batch, forKey: Key("batch"))
    }

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ s: String) { stringValue = s }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}

/// The text form of a plan.
enum PlanRendering {
    static func render(_ r: PlanReport) -> String {
        typealias O = Output
        var lines = ["Law: \(r.law)" + (r.citation.map { "  (\($0.text))" } ?? "") + "; N: \(r.parameterConvention)",
                     "Compute: \(O.sci(r.request.compute)) FLOPs", ""]
        if let p = r.computeOptimal {
            lines += ["Compute-optimal (C = 6ND, unlimited data)"] + point(p)
        }
        if let t = r.target {
            lines += ["", "Least compute reaching loss \(r.request.targetLoss!)"] + point(t)
        }
        if let d = r.dataConstrained {
            lines += ["", "Data-constrained, \(O.sci(d.uniqueTokens)) unique tokens",
                      "  N        \(O.sci(d.parameters)) parameters",
                      "  D        \(O.sci(d.tokens)) tokens (\(String(format: "%.2f", d.epochs)) epochs, \(String(format: "%.1f", d.tokensPerParameter)) tokens/parameter)",
                      "  loss     \(String(format: "%.4f", d.loss))  (+\(String(format: "%.4f", d.lossPenalty)) vs unlimited data)"]
        }
        if let i = r.inferenceAware {
            lines += ["", "Inference-aware, \(O.sci(i.inferenceTokens)) inference tokens, loss \(String(format: "%.4f", i.targetLoss))",
                      "  N        \(O.sci(i.parameters)) parameters (\(String(format: "%.3f", i.parameterRatio))× Chinchilla-optimal)",
                      "  D        \(O.sci(i.trainingTokens)) tokens (\(String(format: "%.3f", i.tokenRatio))×, \(String(format: "%.1f", i.tokensPerParameter)) tokens/parameter)",
                      "  FLOPs    \(O.sci(i.totalCompute)) total = \(O.sci(i.trainingCompute)) training + \(O.sci(i.inferenceCompute)) inference "
                        + "(\(String(format: "%.3f", i.totalComputeRatio))× Chinchilla-optimal's \(O.sci(i.chinchillaOptimalTotalCompute)))"]
        }
        if let k = r.kaplan {
            lines += ["Kaplan et al. 2020",
                      "  loss     \(String(format: "%.4f", k.loss))  (L(C) of compute-efficient training)",
                      "  N_opt    \(O.sci(k.parameters)) non-embedding parameters",
                      "  D        \(O.sci(k.tokens)) tokens (\(String(format: "%.1f", k.tokensPerParameter)) tokens/parameter)"]
            if let c = k.computeForTargetLoss { lines.append("  C for loss \(r.request.targetLoss!): \(O.sci(c)) FLOPs") }
        } else if let a = r.allocation {
            lines += ["Published allocation",
                      "  N_opt    \(O.sci(a.parameters)) parameters",
                      "  D_opt    \(O.sci(a.tokens)) tokens (\(String(format: "%.1f", a.tokensPerParameter)) tokens/parameter)"]
            lines += a.extras.map { "  \(O.pad($0.quantity.rawValue, 16)) \(O.sci($0.value))" }
        }
        if !r.notes.isEmpty { lines += [""] + r.notes.map { "Note: \($0)" } }
        return lines.joined(separator: "\n")
    }

    static func point(_ p: ComputeOptimalPlan) -> [String] {
        [
            "  N_opt    \(Output.sci(p.parameters)) parameters",
            "  D_opt    \(Output.sci(p.tokens)) tokens (\(String(format: "%.1f", p.tokensPerParameter)) tokens/parameter)",
            "  C        \(Output.sci(p.compute)) FLOPs",
            "  loss     \(String(format: "%.4f", p.loss))",
        ]
    }
}
