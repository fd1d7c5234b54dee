import ArgumentParser
import Foundation
import Lab
import ScalingLaws
import Trainer

/// `scalelab ladder plan|run|status`: design a sweep into the store, train it, watch it.
struct LadderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ladder",
        abstract: "Design a sweep of training runs into the run store, run it (resumably), show its state.",
        subcommands: [Plan.self, Run.self, Status.self, Cancel.self, Suggest.self]
    )
}

/// A comma-separated list of positive numbers: `1e13,3e13,1e14`.
struct NumberList: ExpressibleByArgument {
    let values: [Double]
    init?(argument: String) {
        let parts = argument.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let v = parts.compactMap(Double.init)
        guard !v.isEmpty, v.count == parts.count, v.allSatisfy({ $0 > 0 && $0.isFinite }) else { return nil }
        values = v
    }
    static var defaultValueDescription: String { "x[,x…]" }
}

extension LadderCommand {
    struct Plan: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "plan",
            abstract: "Plan an IsoFLOP, fixed-size or fixed-data sweep and store it as queued runs.",
            discussion: """
            isoflop: for each budget C, --sizes-per-budget model sizes evenly spaced in log N over \
            N_opt(C)·10^(±spread), N_opt from the prior's closed form; tokens D = C / (exact training \
            FLOPs per token) rounded to whole steps. fixed-size: one N (--size), token budgets over \
            --range. fixed-data: one D (--tokens), sizes over --range. Shapes by the aspect-ratio rule \
            (d_model/n_layer ≈ 32, head size 16/32/64, byte vocabulary, --context); hyperparameters \
            by the trainer's default rule. Wall time is estimated from the store's finished runs when \
            it has some, else from a short calibration of the smallest and largest shapes.
            """
        )

        @Option(help: "isoflop, fixed-size or fixed-data.") var kind = "isoflop"
        @Option(help: "Compute budgets in FLOPs (isoflop).") var budgets: NumberList?
        @Option(name: .customLong("sizes-per-budget"), help: "Model sizes per budget (isoflop).") var sizesPerBudget = 5
        @Option(help: "Half-width of each budget's size range, in decades of N.") var spread = 0.5
        @Option(help: "Prior law for N_opt(C): a catalog law with Chinchilla constants.") var prior = "epoch2024"
        @Option(help: "Model size N (fixed-size).") var size: PositiveNumber?
        @Option(help: "Token budget D (fixed-data).") var tokens: PositiveNumber?
        @Option(help: "LOW,HIGH: token budgets (fixed-size) or model sizes (fixed-data).") var range: NumberList?
        @Option(help: "Points of a fixed-size or fixed-data sweep (default: --sizes-per-budget).") var count: Int?
        @Option(help: "transformer or lstm.") var arch = "transformer"
        @Option(help: "Context length T in bytes.") var context = 64
        @Option(help: "Seed of every run.") var seed: UInt64 = 0
        @Option(help: "Mix task lines into every run's training bytes: TASK:FRACTION items, such as addition-3:0.1 (see `train --mix`).")
        var mix: String?
        @Option(help: "Tasks every run evaluates at its learning-curve points, such as addition-3,reversal-4 (see `train --eval`).")
        var eval: String?
        @Option(name: .customLong("eval-examples"), help: "Held-out examples per --eval task (default 500).") var evalExamples: Int?
        @Option(name: .customLong("noise-scale-every"), help: "Every run measures the gradient noise scale every this many steps (see `train --noise-scale-every`).")
        var noiseScaleEvery: Int?
        @Option(help: "The rule for every run's hyperparameters: default, or candidate (the recipe `study hyperparameters` suggested: batch 634·(N/1e5)^0.72 tokens, 10% warm-up, beta2 0.99; under test).")
        var recipe: HyperparameterRecipe = .default
        @Option(help: "Name of the sweep.") var name: String?
        @Option(help: "Skip calibration: assume this many training FLOP/s.") var throughput: PositiveNumber?
        @Option(help: "Threads the estimate assumes (default: all cores).") var threads: Int?
        @Flag(name: .customLong("dry-run"), help: "Print the plan without storing it.") var dryRun = false
        @OptionGroup var storeOptions: StoreOptions
        @Flag(help: "Print one JSON document.") var json = false

        func spec() throws -> LadderSpec {
            guard let k = SweepKind(rawValue: kind.lowercased()) else {
                throw ValidationError("--kind must be one of \(SweepKind.allCases.map(\.rawValue).joined(separator: ", ")), got '\(kind)'")
            }
            guard let law = PublishedLaws.named(prior), let p = law.chinchillaParameters else {
                let ok = PublishedLaws.all.filter { $0.chinchillaParameters != nil }.map(\.identifier)
                throw ValidationError("--prior must be a law with Chinchilla constants: \(ok.joined(separator: ", ")); got '\(prior)'")
            }
            let a = try Architecture.parse(arch)
            guard context >= 1 else { throw ValidationError("--context must be at least 1, got \(context)") }
            guard context <= ModelShape.maxContext else {
                throw ValidationError("--context must be at most \(ModelShape.maxContext) bytes, got \(context); the "
                    + "attention scores (layers × heads × context²) would overflow")
            }
            if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
            var spec = LadderSpec(kind: k, budgets: budgets?.values ?? [], count: k == .isoflop ? sizesPerBudget : (count ?? sizesPerBudget),
                                  spreadDecades: spread, priorName: law.identifier, prior: p,
                                  fixedValue: k == .fixedSize ? size?.value : (k == .fixedData ? tokens?.value : nil),
                                  range: range?.values, rule: ShapeRule(architecture: a, context: context), seed: seed)
            do {
                if let mix { spec.mix = try TaskMixture.parseList(mix) }
                if let eval { spec.evaluationTasks = try TaskSuite.parseList(eval).map(\.description) }
            } catch let e as TrainerError { throw ValidationError(e.description) }
            spec.evaluationExamples = evalExamples
            spec.noiseScaleEvery = noiseScaleEvery
            spec.recipe = recipe.specValue
            return spec
        }

        func validate() throws { _ = try spec() }

        /// `--threads`, or all cores.
        var threadCount: Int { threads ?? ProcessInfo.processInfo.activeProcessorCount }

        func run() throws {
            var plan = try LadderPlanner.plan(try spec())
            let store = dryRun ? nil : try storeOptions.open()
            if let throughput {
                plan.estimate(with: ThroughputEstimate(source: "given: --throughput", threads: threadCount,
                                                       points: [.init(flopsPerToken: 1, flopsPerSecond: throughput.value)]))
            } else if let measured = try store.flatMap({ try Calibration.estimate(from: $0) }) {
                plan.estimate(with: measured)
            } else {
                plan.estimate(with: try Calibration.estimate(for: plan, threads: threadCount))
            }
            let stored = try store?.add(plan, name: name, version: ScaleLabVersion.current)
            let report = LadderPlanReport(store: dryRun ? nil : storeOptions.store, sweepID: stored?.sweep.id,
                                          runIDs: stored?.runs.compactMap(\.id), plan: plan)
            if json { return try Output.printJSON(report) }
            print(LadderText.plan(report))
        }
    }
}

/// The JSON of `ladder plan --json`.
struct LadderPlanReport: Codable {
    var store: String?
    var sweepID: Int64?
    var runIDs: [Int64]?
    var plan: LadderPlan
}

extension LadderCommand {
    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run",
            abstract: "Train the store's queued and interrupted runs, locally or on Slurm; resumable.",
            discussion: """
            Each run trains in a child `scalelab worker` process, on the run's stored config (written \
            to <store>.runs/run-<id>.config.json), with cores / --workers threads on its first start; \
            or with your own --train-command (docs/trainers.md). Locally, Ctrl-C or SIGTERM stops \
            every worker cleanly (each checkpoints); running the command again skips done runs and \
            continues interrupted ones from their checkpoints. With --executor slurm the runs are \
            tasks of Slurm job arrays (docs/slurm.md); Ctrl-C stops only the monitor, the tasks go \
            on, and the next `ladder run --executor slurm` re-attaches to them. Configs, results, \
            checkpoints and one log per run go to --run-dir (default <store>.runs/).
            """
        )

        @OptionGroup var storeOptions: StoreOptions
        @Option(help: "Worker processes at once.") var workers = 1
        @Option(help: "Threads per worker (default: cores / workers).") var threads: Int?
        @Option(help: "Text file or folder the workers train on.") var data = "data/shakespeare.txt"
        @Option(name: .customLong("max-attempts"), help: "Launches of a crashing run before it is marked failed.") var maxAttempts = 3
        @Option(name: .customLong("lock-timeout"), help: "Seconds to wait for another process's lock on the store before stopping the workers cleanly.")
        var lockTimeout: Double = 120
        @Option(name: .customLong("train-command"),
                help: "Train each run with this shell command instead of ScaleLab's trainer; {placeholders} for the planned fields (docs/trainers.md). It must write its result to {result}.")
        var trainCommand: String?
        @Option(name: .customLong("run-dir"), help: "Folder for each run's config, result, checkpoint and log (default: <store>.runs); with Slurm, on a filesystem the compute nodes share.")
        var runDir: String?
        @OptionGroup(title: "Executor") var executorOptions: ExecutorArguments
        @Flag(help: "Print one JSON summary at the end instead of progress.") var json = false

        func validate() throws {
            if let trainCommand {
                do { _ = try TrainCommandTemplate(trainCommand) } catch { throw ValidationError(error.description) }
            }
            if let runDir, runDir.isEmpty { throw ValidationError("--run-dir is empty; give a folder") }
            guard workers >= 1 else { throw ValidationError("--workers must be at least 1, got \(workers)") }
            if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
            guard maxAttempts >= 1 else { throw ValidationError("--max-attempts must be at least 1, got \(maxAttempts)") }
            guard lockTimeout > 0, lockTimeout.isFinite else { throw ValidationError("--lock-timeout must be a positive number of seconds, got \(lockTimeout)") }
        }

        func run() throws {
            // A short busy timeout per attempt: the runner retries up to --lock-timeout and says on stderr that it waits.
            let store = try RunStore.open(location: storeOptions.store, create: false, busyTimeout: min(1, lockTimeout))
            let runDirectory = URL(fileURLWithPath: runDir ?? LadderExecution.workDirectory(store: storeOptions.store)).path
            let summary = try LadderExecution.run(store: store, path: storeOptions.store, data: data, workers: workers,
                                                  threads: threads, maxAttempts: maxAttempts, lockTimeout: lockTimeout,
                                                  trainCommand: trainCommand.map { try! TrainCommandTemplate($0) },   // checked in validate()
                                                  runDirectory: runDirectory,
                                                  executor: try executorOptions.executor(workers: workers, runDirectory: runDirectory),
                                                  quiet: json)
            if json {
                try Output.printJSON(summary)
                if summary.stopped { throw ExitCode(130) }
                return
            }
            let counts = summary.byState.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
            let again = executorOptions.executor == "slurm"
                ? "monitor stopped; the Slurm tasks go on: `scalelab ladder run --executor slurm` re-attaches to them, `scalelab ladder cancel` cancels them. "
                : "stopped; run `scalelab ladder run` again to continue. "
            FileHandle.standardError.write(Data(((summary.stopped ? again : "") + "store: \(counts)\n").utf8))
            if summary.stopped { throw ExitCode(130) }
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "status", abstract: "Show the sweeps and runs in the store.")
        @OptionGroup var storeOptions: StoreOptions
        @Flag(help: "Print one JSON document.") var json = false

        func run() throws {
            let store = try storeOptions.openForReading()
            let report = StatusReport(store: storeOptions.store, summary: try store.summary(), sweeps: try store.sweeps().map {
                .init(id: $0.id!, name: $0.name, kind: $0.kind)
            }, runs: try store.runs().map(StatusReport.Row.init))
            if json { return try Output.printJSON(report) }
            print(LadderText.status(report))
        }
    }
}

extension LadderCommand {
    struct Cancel: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "cancel",
            abstract: "Stop the ladder's running runs: scancel its Slurm tasks, stop its local runner.",
            discussion: """
            Slurm tasks are cancelled with one scancel call (each command gets SIGTERM and can \
            checkpoint) and their runs become interrupted. A live local runner gets SIGTERM and \
            stops its workers cleanly. Queued runs stay queued; `ladder run` continues the ladder.
            """
        )
        @OptionGroup var storeOptions: StoreOptions
        @Option(name: .customLong("run"), help: "Cancel only this run (repeatable; default: every running run).") var runs: [Int64] = []
        @Flag(help: "Print one JSON document.") var json = false

        func run() throws {
            let store = try storeOptions.open(create: false)
            let outcome: LadderCancel.Outcome
            do {
                outcome = try LadderCancel.cancel(store: store, runs: runs.isEmpty ? nil : Set(runs), slurm: SlurmExecutor())
            } catch let e as ExecutorError {
                throw CommandFailure(e.description)
            }
            if json { return try Output.printJSON(outcome) }
            var lines: [String] = []
            for pid in outcome.stoppedMonitors { lines.append("stopped the Slurm monitor \(pid) (a `ladder run --executor slurm`)") }
            for pid in outcome.stoppedRunners where !outcome.stoppedMonitors.contains(pid) {
                lines.append("sent SIGTERM to runner \(pid): its workers checkpoint and stop")
            }
            if !outcome.cancelledRuns.isEmpty {
                let n = outcome.cancelledRuns.count
                let arrays = Set(outcome.slurmTasks.compactMap { $0.split(separator: "_").first.map(String.init) }).sorted()
                lines.append("cancelled \(n) Slurm task\(n == 1 ? "" : "s") (job array\(arrays.count == 1 ? "" : "s") "
                             + "\(arrays.joined(separator: ", "))); their runs are interrupted, and `ladder run` resumes them")
            }
            if !outcome.otherHosts.isEmpty {
                lines.append("left \(outcome.otherHostRuns.count) running run\(outcome.otherHostRuns.count == 1 ? "" : "s") of runner\(outcome.otherHosts.count == 1 ? "" : "s") "
                             + "on other machines (\(outcome.otherHosts.joined(separator: ", "))): run `scalelab ladder cancel` there")
            }
            if lines.isEmpty { lines.append("no running runs to cancel") }
            print(lines.joined(separator: "\n"))
        }
    }
}

/// The JSON of `ladder status --json`.
struct StatusReport: Codable {
    struct SweepRow: Codable { var id: Int64; var name: String; var kind: String }
    struct Row: Codable {
        var id: Int64, sweep: Int64, status: String, arch: String?, parameters: Double, tokens: Double?, flops: Double?
        var budget: Double?, loss: Double?, wallSeconds: Double?, attempts: Int, resumes: Int, workerPID: Int64?
        var message: String?
        /// Where it was launched (`local` or `slurm`), Slurm's task id, its log, its command line.
        var executor: String?, jobID: String?, log: String?, command: String?
        /// Task metrics its trainer reported.
        var metrics: [String: Double]?
        init(_ r: StoredRun) {
            id = r.id!; sweep = r.sweepID; status = r.status.rawValue; arch = r.arch; parameters = r.parameters
            tokens = r.tokens; flops = r.flops; budget = r.budget; loss = r.finalValidationLoss; wallSeconds = r.wallSeconds
            attempts = r.attempts; resumes = r.resumes; workerPID = r.workerPID; message = r.message
            executor = r.executor; jobID = r.jobID; log = r.logPath; command = r.command; metrics = r.metrics
        }
    }
    var store: String
    var summary: StoreSummary
    var sweeps: [SweepRow]
    var runs: [Row]
}

/// Text for the ladder commands.
enum LadderText {
    static func plan(_ r: LadderPlanReport) -> String {
        let p = r.plan, s = p.spec
        var out: String
        switch s.kind {
        case .isoflop:
            out = "IsoFLOP ladder: \(s.budgets.count) budget\(s.budgets.count == 1 ? "" : "s") × \(s.count) sizes → \(p.runs.count) runs, "
                + "N centred on N_opt(C) of \(s.priorName) ±\(Output.number(s.spreadDecades)) decades"
        case .fixedSize: out = "Fixed-size sweep: N ≈ \(Output.sci(s.fixedValue ?? 0)), \(p.runs.count) token budgets"
        case .fixedData: out = "Fixed-data sweep: D = \(Output.sci(s.fixedValue ?? 0)), \(p.runs.count) model sizes"
        }
        out += "; total \(Output.sci(p.totalFLOPs)) FLOPs\n"
        if let id = r.sweepID, let store = r.store { out += "stored as sweep \(id) in \(store) (\(p.runs.count) queued runs)\n" }
        out += "\n" + Output.table(
            ["budget C", "target N", "N", "N non-emb", "L", "d", "heads", "D tokens", "D/N", "steps", "batch", "lr", "C run", "ΔC", "est. time"],
            p.runs.map { run in
                let c = run.config, C = run.budget
                return [C.map(Output.sci) ?? "-", Output.sci(run.targetParameters), groupedDigits(run.parameters),
                        groupedDigits(run.nonEmbeddingParameters), "\(c.shape.layers)", "\(c.shape.dModel)", "\(c.shape.heads)",
                        groupedDigits(run.tokens), Output.number(Double(run.tokens) / Double(run.parameters), digits: 3),
                        "\(c.steps)", "\(c.hyperparameters.batch)", Output.number(c.hyperparameters.learningRate, digits: 3),
                        Output.sci(run.flops), C.map { Output.percent(run.flops / $0 - 1) } ?? "-",
                        run.estimatedSeconds.map(Output.duration) ?? "-"]
            })
        if let t = p.throughput, let total = p.estimatedSeconds {
            out += "\n\nestimated wall time \(Output.duration(total)) at \(t.threads) thread\(t.threads == 1 ? "" : "s") (\(t.source))"
        }
        for w in p.warnings { out += "\nwarning: \(w)" }
        return out
    }

    static func status(_ r: StatusReport) -> String {
        let s = r.summary
        let counts = s.byState.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        var out = "\(r.store): \(s.sweeps) sweep\(s.sweeps == 1 ? "" : "s"), \(s.runs) runs (\(counts.isEmpty ? "none" : counts)), "
            + "\(Output.sci(s.doneFLOPs)) of \(Output.sci(s.plannedFLOPs)) planned FLOPs done, \(s.fits) fit\(s.fits == 1 ? "" : "s")\n"
        for sw in r.sweeps { out += "sweep \(sw.id): \(sw.kind) '\(sw.name)'\n" }
        out += "\n" + Output.table(["run", "sweep", "status", "N", "D", "C", "loss", "time", "tries", "note"], r.runs.map { x in
            [String(x.id), String(x.sweep), x.status, Output.sci(x.parameters), x.tokens.map(Output.sci) ?? "-",
             x.flops.map(Output.sci) ?? "-", x.loss.map { Output.number($0, digits: 4) } ?? "-",
             x.wallSeconds.map(Output.duration) ?? "-", "\(x.attempts)", String((x.message ?? "").prefix(60))]
        })
        return out
    }
}

/// Draws the runner's progress: on a terminal, an overall line and a line per worker, redrawn
/// in place; otherwise one line per started or finished run.
final class RunnerDisplay {
    let terminal: Bool, quiet: Bool
    private var drawn = 0
    init(terminal: Bool, quiet: Bool) { self.terminal = terminal; self.quiet = quiet }

    func write(_ s: String) { FileHandle.standardError.write(Data(s.utf8)) }

    func show(_ e: RunnerEvent) {
        if case .waiting(let message) = e, quiet { return write(message + "\n") }   // always said: the run is not stuck
        if quiet { return }
        switch e {
        case .progress(let p) where terminal:
            var lines = [String(format: "runs %d/%d  FLOPs %@ of %@ (%.0f%%)  ETA %@", p.runsDone, p.runsTotal, Output.sci(p.flopsDone),
                                Output.sci(p.flopsTotal), 100 * p.flopsDone / max(p.flopsTotal, 1), p.etaSeconds.map(Output.duration) ?? "-")]
            lines += p.workers.map { w in
                var line = "  run \(w.runID) \(w.jobID.map { "Slurm task \($0)" } ?? "pid \(w.pid)"): \(w.shape), \(Output.sci(w.flops)) FLOPs, \(Output.duration(w.seconds))"
                if let q = w.progress {
                    line += String(format: ", %.0f%% of tokens, loss %.3f, %.0f tokens/s, ETA %@",
                                   100 * Double(q.tokens) / Double(max(1, q.totalTokens)), q.loss, q.tokensPerSecond, Output.duration(q.etaSeconds))
                }
                return line + (w.resumed ? " (resumed)" : "")
            }
            clear()
            write(lines.joined(separator: "\n") + "\n")
            drawn = lines.count
        case .progress: break
        case .started(let w) where !terminal:
            write("started run \(w.runID) (\(w.jobID.map { "Slurm task \($0)" } ?? "pid \(w.pid)")): \(w.shape)\(w.resumed ? ", resuming from its checkpoint" : "")\n")
        case .started: break
        case .finished(let id, let state, let message):
            clear()
            write("run \(id) \(state.rawValue): \(message)\n")
        case .recovered(let id, let message):
            write("run \(id): \(message)\n")
        case .waiting(let message):
            clear()
            write(message + "\n")
        }
    }

    private func clear() {
        guard terminal, drawn > 0 else { return }
        write(String(repeating: "\u{1B}[1A\u{1B}[2K", count: drawn))
        drawn = 0
    }

    func finish() {}
}

/// Runs a store's queued and interrupted runs in worker processes, with SIGINT/SIGTERM turned into
/// a clean stop and progress on stderr; shared by `ladder run` and `demo`.
enum LadderExecution {
    /// Where the runs' configs, records, checkpoints and logs go: next to an SQLite store
    /// (`scalelab.sqlite.runs/`); for a PostgreSQL store, `scalelab-runs/<host>-<port>-<database>[-<schema>]/`
    /// in the current folder.
    static func workDirectory(store path: String) -> String {
        guard RunStore.isPostgreSQL(path), let url = URLComponents(string: path) else { return RunnerOptions.defaultWorkDirectory(store: path) }
        let schema = url.queryItems?.first(where: { $0.name == "schema" })?.value
        let name = [url.host ?? "localhost", "\(url.port ?? 5432)", String(url.path.dropFirst()), schema ?? ""]
            .filter { !$0.isEmpty }.joined(separator: "-")
        return "scalelab-runs/" + String(name.map { $0.isLetter || $0.isNumber || "._-".contains($0) ? $0 : "_" })
    }

    static func run(store: RunStore, path: String, data: String, workers: Int, threads: Int?,
                    maxAttempts: Int = 3, lockTimeout: Double = 120, trainCommand: TrainCommandTemplate? = nil,
                    runDirectory: String? = nil, executor: (any RunExecutor)? = nil, quiet: Bool) throws -> RunnerSummary {
        // A user's trainer reads its own data; ScaleLab's needs the corpus.
        guard trainCommand != nil || FileManager.default.fileExists(atPath: data) else {
            throw CommandFailure(TrainerError.missingData(path: data).description)
        }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        var options = RunnerOptions(executable: WorkerCommand.currentExecutable(), workers: workers,
                                    threadsPerWorker: threads ?? max(1, cores / workers),
                                    data: URL(fileURLWithPath: data).path,
                                    workDirectory: URL(fileURLWithPath: runDirectory ?? workDirectory(store: path)).path)
        options.maxAttempts = maxAttempts
        options.trainCommand = trainCommand
        options.lockTimeout = lockTimeout
        return try Interrupts.stoppingOn([SIGINT, SIGTERM]) { stop in
            let display = RunnerDisplay(terminal: !quiet && isatty(STDERR_FILENO) == 1, quiet: quiet)
            let summary = try LadderRunner(store: store, options: options, stop: stop, executor: executor).run { display.show($0) }
            display.finish()
            return summary
        }
    }
}
