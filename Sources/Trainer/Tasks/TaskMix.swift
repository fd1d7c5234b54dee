import Foundation

/// One task's share of a run's training bytes (`--mix addition-3:0.1`).
public struct TaskMixture: Sendable, Codable, Equatable, Hashable {
    /// The task's name, such as `addition-3`.
    public var task: String
    /// The fraction of training bytes that are this task's example lines, in (0, 1).
    public var fraction: Double

    /// A share from a task name and a fraction.
    public init(task: String, fraction: Double) { self.task = task; self.fraction = fraction }

    /// Parses `addition-3:0.1,reversal-5:0.05` and validates it (see `validate`).
    public static func parseList(_ list: String) throws -> [TaskMixture] {
        var out: [TaskMixture] = []
        for item in list.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !item.isEmpty {
            let parts = item.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, let f = Double(parts[1]) else {
                throw TrainerError.invalidConfiguration("--mix item '\(item)' is not TASK:FRACTION, such as addition-3:0.1")
            }
            out.append(TaskMixture(task: String(parts[0]), fraction: f))
        }
        try validate(out)
        return out
    }

    /// Checks a mix: at least one task, every task known and named once, every fraction in
    /// (0, 1), and their sum at most ``maximumTaskShare`` (the rest of the training bytes come
    /// from the corpus, which is kept whole: the mixed stream is the corpus's size ÷ its share).
    @discardableResult
    public static func validate(_ mix: [TaskMixture]) throws -> [TaskSuite] {
        func bad(_ m: String) -> TrainerError { .invalidConfiguration(m) }
        guard !mix.isEmpty else { throw bad("--mix names no task; give TASK:FRACTION items such as addition-3:0.1") }
        var seen = Set<TaskSuite>(), suites: [TaskSuite] = []
        for m in mix {
            let t = try TaskSuite(parsing: m.task)
            guard seen.insert(t).inserted else { throw bad("--mix names task '\(t)' twice") }
            guard m.fraction > 0, m.fraction < 1 else {
                throw bad("--mix fraction of '\(m.task)' must be in (0, 1), got \(m.fraction)")
            }
            suites.append(t)
        }
        let sum = mix.reduce(0) { $0 + $1.fraction }
        guard sum <= maximumTaskShare else {
            throw bad("--mix fractions sum to \(sum); they may sum to at most \(maximumTaskShare), leaving at least "
                + "\(Int((100 * (1 - maximumTaskShare)).rounded()))% of the training bytes to --data (the whole corpus is kept, "
                + "so the mixed stream is the corpus's size divided by its share)")
        }
        return suites
    }

    /// The largest share of the training bytes tasks may take: the stream then holds the corpus 20 times over.
    public static let maximumTaskShare = 0.95

    /// Longest piece of corpus placed between two task lines (a corpus without newlines is cut here).
    static let corpusPieceLimit = 256

    /// The training stream of a mixed run: the corpus's training bytes, in order, cut at
    /// newlines (or every `corpusPieceLimit` bytes), with whole task example lines placed
    /// between the pieces so that each task's running share of the bytes stays within one line
    /// of its fraction (at every point the source furthest below its share writes next; the
    /// corpus's share is 1 − Σ fractions). It ends when the corpus is used up, so every corpus
    /// byte appears once and the stream has about `corpus / (1 − Σ fractions)` bytes. The task
    /// lines come from each task's `trainingStream(seed:)`, so the stream depends only on the
    /// corpus, the mix and the seed, and never holds a held-out evaluation problem.
    public static func mixedStream(corpus train: [UInt8], mix: [TaskMixture], seed: UInt64) throws -> [UInt8] {
        let suites = try validate(mix)
        var streams = suites.map { $0.trainingStream(seed: seed) }
        let shares = [1 - mix.reduce(0) { $0 + $1.fraction }] + mix.map(\.fraction)
        var written = [Double](repeating: 0, count: shares.count)
        var out: [UInt8] = []
        out.reserveCapacity(Int(Double(train.count) / shares[0]) + 1024)
        var position = 0
        while position < train.count {
            let total = Double(out.count)
            var pick = 0, most = -Double.infinity
            for i in shares.indices {
                let deficit = shares[i] * total - written[i]
                if deficit > most { most = deficit; pick = i }
            }
            let before = out.count
            if pick == 0 {
                var end = position
                let limit = min(train.count, position + corpusPieceLimit)
                while end < limit {
                    end += 1
                    if train[end - 1] == TaskSuite.newline { break }
                }
                out.append(contentsOf: train[position..<end])
                position = end
            } else {
                // A task line starts a line, as evaluation prompts do.
                if let last = out.last, last != TaskSuite.newline { out.append(TaskSuite.newline) }
                out.append(contentsOf: streams[pick - 1].next().line)
            }
            written[pick] += Double(out.count - before)
        }
        return out
    }
}
