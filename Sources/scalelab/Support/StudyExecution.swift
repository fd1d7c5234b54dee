import Analysis
import ArgumentParser
import Foundation
import Lab
import LawFitting
import Report
import Studies

/// Runs any study from the command line: the store in --dir, training in worker processes,
/// then summary.json, report.html and the study's sections as text.
enum StudyExecution {
    /// A corpus a study's stages train on besides `--data`: its name in the study
    /// (`StudyStage.corpus`), its file, and the option and the fetch command that give it.
    struct Corpus {
        var name: String, path: String, option: String, fetch: String
    }

    /// The study's folder: --dir, or `study-NAME`.
    static func folder(_ a: StudyArguments, study name: String) -> String { a.dir ?? "study-\(name)" }

    /// The store in a study's folder.
    static func storePath(folder: String) -> String { (folder as NSString).appendingPathComponent("scalelab.sqlite") }

    static func run<S: Study>(_ study: S, arguments a: StudyArguments, options: AnalysisOptions, corpora: [Corpus] = []) throws {
        let clock = ContinuousClock.now
        let dir = folder(a, study: study.name)
        let say: (String) -> Void = { line in
            if a.json { FileHandle.standardError.write(Data((line + "\n").utf8)) } else { print(line) }
        }
        guard FileManager.default.fileExists(atPath: a.data) else {
            throw CommandFailure("no training text at \(a.data); fetch the default corpus with `bash scripts/fetch-corpus.sh` "
                + "(or `make corpus`), or pass --data PATH")
        }
        for c in corpora where !FileManager.default.fileExists(atPath: c.path) {
            throw CommandFailure("no \(c.name) text at \(c.path); fetch it with `\(c.fetch)`, or pass \(c.option) PATH")
        }
        for name in study.corpora.keys where !corpora.contains(where: { $0.name == name }) {
            throw CommandFailure("the study \(study.name) trains on a corpus named \(name) that its command does not give")
        }
        do { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
            throw CommandFailure("cannot create the study's folder \(dir): \(OutputFile.reason(error))")
        }
        let path = storePath(folder: dir)
        if a.fresh { try DemoCommand.removeStore(at: path) }
        try checkCorpus(study: study.name, data: a.data, corpora: corpora, dir: dir, storeExists: FileManager.default.fileExists(atPath: path))
        if FileManager.default.fileExists(atPath: path) && !a.fresh { say("Resuming the study in \(path)") }
        let store = try RunStore.open(path: path, create: true)
        let runner = StudyRunner(study: study, store: store, version: ScaleLabVersion.current)
        let outcome = try runner.run(train: { store, corpus in
            var data = a.data
            if let corpus {
                guard let c = corpora.first(where: { $0.name == corpus }) else {
                    throw CommandFailure("the study \(study.name) trains a stage on a corpus named \(corpus) that its command does not give")
                }
                data = c.path
            }
            // A stage with fewer runs than workers gives each worker more threads (the held-out
            // model trains alone on every core).
            let queued = try store.runs().filter { !$0.status.isFinal }.count
            let workers = max(1, min(a.workers, queued))
            let threads = max(1, ProcessInfo.processInfo.activeProcessorCount / workers)
            return try LadderExecution.run(store: store, path: path, data: data, workers: workers, threads: threads,
                                           quiet: a.json).stopped
        }, say: { say("\(study.name): " + $0) })
        guard case .finished(let summary) = outcome else {
            say("Stopped; run the same command again to resume.")
            throw ExitCode(130)
        }
        let sections = study.sections(summary)
        for s in sections { say(StudyText.render(s)) }
        try Output.writeJSON(summary, to: (dir as NSString).appendingPathComponent("summary.json"))
        var reportOptions = options
        reportOptions.compareLaws = false
        let report = try StoreReport.write(store: store, options: reportOptions,
                                           context: ReportContext(title: "ScaleLab study: \(study.name)", version: ScaleLabVersion.current,
                                                                  date: ReportContext.now, machine: ReportContext.thisMachine),
                                           sections: sections, to: (dir as NSString).appendingPathComponent("report.html"))
        say("Done in \(Output.duration(secondsSince(clock))); store \(path), summary \(dir)/summary.json, report \(report)")
        if a.json { try Output.printJSON(summary) }
    }
}

extension StudyExecution {
    /// What the study's folder keeps beside its store (`study.json`): the corpora it trains on.
    struct Settings: Codable, Equatable {
        var study: String
        var data: String
        /// The other corpora by name (absent for a study with none).
        var corpora: [String: String]?
    }

    /// Refuses to resume a study on other corpora than the ones it was started with (the plan
    /// does not hold the corpus, so the store alone cannot tell); records them on a new study.
    static func checkCorpus(study: String, data: String, corpora: [Corpus] = [], dir: String, storeExists: Bool) throws {
        let file = (dir as NSString).appendingPathComponent("study.json")
        let full = { (p: String) in URL(fileURLWithPath: p).standardizedFileURL.path }
        let now = Settings(study: study, data: full(data),
                           corpora: corpora.isEmpty ? nil : Dictionary(uniqueKeysWithValues: corpora.map { ($0.name, full($0.path)) }))
        if storeExists, let bytes = FileManager.default.contents(atPath: file),
           let saved = try? JSONDecoder().decode(Settings.self, from: bytes) {
            if saved.data != now.data {
                throw CommandFailure("the study in \(dir) was started on --data \(saved.data), not \(now.data); give that --data to "
                    + "resume it, or start afresh with --fresh (or another --dir)")
            }
            for c in corpora {
                if let was = saved.corpora?[c.name], was != now.corpora?[c.name] {
                    throw CommandFailure("the study in \(dir) was started on \(c.option) \(was), not \(full(c.path)); give that \(c.option) "
                        + "to resume it, or start afresh with --fresh (or another --dir)")
                }
            }
        }
        try Output.writeJSON(now, to: file)
    }
}

/// A report section as terminal text: the title, the paragraphs, the tables.
enum StudyText {
    static func render(_ s: ReportSection) -> String {
        var lines = [s.title, String(repeating: "=", count: s.title.count)]
        lines += s.paragraphs
        for t in s.tables { lines += ["", t.caption + ":", Output.table(t.header, t.rows)] }
        return lines.joined(separator: "\n")
    }
}
