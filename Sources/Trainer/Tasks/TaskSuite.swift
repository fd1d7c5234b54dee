import Foundation
import ScalingLaws

/// One problem of a task: a prompt and the answer a model should write after it.
///
/// In the training stream it is the line `prompt + answer + "\n"`; evaluation gives the model
/// `"\n" + prompt` (a line start, as in training) and scores what follows.
public struct TaskExample: Sendable, Equatable, Hashable {
    /// The bytes the model is given, ending with the task's `=`.
    public var prompt: [UInt8]
    /// The bytes the model should write next (without the closing newline).
    public var answer: [UInt8]

    /// An example from its prompt and answer.
    public init(prompt: [UInt8], answer: [UInt8]) { self.prompt = prompt; self.answer = answer }

    /// The example as one line of the training stream: prompt, answer, newline.
    public var line: [UInt8] { prompt + answer + [TaskSuite.newline] }
}

/// The kinds of task ScaleLab generates.
public enum TaskKind: String, Sendable, Codable, CaseIterable {
    /// K-digit addition: `aaa+bbb=` → the K+1-digit sum written least-significant digit first.
    case addition
    /// Reverse a K-letter string: `<abcd=` → `dcba`.
    case reversal
    /// Copy a K-letter string: `>abcd=` → `abcd`.
    case copy

    /// The largest K each kind accepts (problem indices must fit in 64 bits: 10^(2·9) and 26^13 do).
    public var maximumSize: Int {
        switch self {
        case .addition: return 9
        case .reversal, .copy: return 13
        }
    }
}

/// A task suite: a kind and a size K (`addition-3`), its problems numbered 0..<`problemCount`,
/// a held-out part of them for evaluation, and deterministic streams of training examples.
///
/// Every problem has an index. Where there are at least `TaskSuite.smallSpace` problems, a fixed
/// hash of the index (independent of any seed) puts about one in ten into the held-out part:
/// evaluation sets are drawn only from it and training examples never are, whatever the seeds
/// and sizes, so training and evaluation never share a problem. Smaller tasks (`addition-1` has
/// 100 problems, `reversal-2` 676) cannot spare a held-out tenth big enough to measure on, so
/// they train and evaluate on the same problems: `evaluationOverlapsTraining` says so, and the
/// metrics measure memorisation as much as skill.
public struct TaskSuite: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// The kind of task.
    public let kind: TaskKind
    /// Digits per operand (addition) or letters per string (reversal, copy).
    public let size: Int

    /// The byte that ends every example line.
    public static let newline = UInt8(ascii: "\n")
    /// Tasks with fewer problems than this evaluate on problems they also train on.
    public static let smallSpace = 10_000
    /// One in this many problems of a large task is held out for evaluation.
    public static let heldOutOneIn: UInt64 = 10
    /// Examples per task in an evaluation set unless told otherwise.
    public static let defaultEvaluationExamples = 500

    /// A suite from its kind and size; throws if the size is outside 1…`kind.maximumSize`.
    public init(kind: TaskKind, size: Int) throws {
        guard (1...kind.maximumSize).contains(size) else {
            throw TrainerError.invalidConfiguration(
                "task '\(kind.rawValue)-\(size)': the size must be in 1…\(kind.maximumSize) for \(kind.rawValue) tasks, got \(size)")
        }
        self.kind = kind; self.size = size
    }

    /// Parses a name such as `addition-3`, `reversal-5` or `copy-4`.
    public init(parsing name: String) throws {
        let known = TaskKind.allCases.map { "\($0.rawValue)-K" }.joined(separator: ", ")
        let parts = name.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let kind = TaskKind(rawValue: String(parts[0])) else {
            throw TrainerError.invalidConfiguration("unknown task '\(name)'; tasks are \(known) (for example addition-3)")
        }
        guard let size = Int(parts[1]) else {
            throw TrainerError.invalidConfiguration("task '\(name)': '\(parts[1])' is not a whole number; write \(kind.rawValue)-K such as \(kind.rawValue)-3")
        }
        try self.init(kind: kind, size: size)
    }

    /// Parses a comma-separated list of task names (`addition-2,reversal-4`); throws on an
    /// empty list, an unknown name or a name given twice.
    public static func parseList(_ list: String) throws -> [TaskSuite] {
        let names = list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !names.isEmpty else { throw TrainerError.invalidConfiguration("no task named in '\(list)'; give names such as addition-3,reversal-4") }
        var seen = Set<TaskSuite>(), out: [TaskSuite] = []
        for n in names {
            let t = try TaskSuite(parsing: n)
            guard seen.insert(t).inserted else { throw TrainerError.invalidConfiguration("task '\(t)' is named twice") }
            out.append(t)
        }
        return out
    }

    /// The task's name, such as `addition-3`.
    public var description: String { "\(kind.rawValue)-\(size)" }

    /// Bytes of the prompt.
    public var promptLength: Int {
        switch kind {
        case .addition: return 2 * size + 2
        case .reversal, .copy: return size + 2
        }
    }

    /// Bytes of the answer: K + 1 digits for addition (the carry digit always written), K letters otherwise.
    public var answerLength: Int { kind == .addition ? size + 1 : size }

    /// Bytes an evaluation needs in one context: a newline, the prompt, the answer and the two
    /// extra bytes greedy decoding may write past it.
    public var evaluationContext: Int { 1 + promptLength + answerLength + 2 }

    /// How many different problems the task has: 10^(2K) for addition, 26^K for strings.
    public var problemCount: Int {
        var n = 1
        for _ in 0..<(kind == .addition ? 2 * size : size) { n *= kind == .addition ? 10 : 26 }
        return n
    }

    /// True when the task is too small to hold problems out: evaluation sets come from the
    /// problems the training stream also draws from.
    public var evaluationOverlapsTraining: Bool { problemCount < Self.smallSpace }

    /// True when problem `index` is held out for evaluation (always false for small tasks,
    /// whose evaluation sets draw from all problems).
    public func isHeldOut(_ index: Int) -> Bool {
        guard !evaluationOverlapsTraining else { return false }
        var m = SplitMix64(seed: UInt64(index) ^ salt)
        return m.next() % Self.heldOutOneIn == 0
    }

    /// A constant per task (kind and size) that keys its hash and its generators.
    var salt: UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325                    // FNV-1a of the name
        for b in description.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        return h
    }

    /// The problem with index `index` in 0..<`problemCount`.
    public func example(_ index: Int) -> TaskExample {
        let zero = UInt8(ascii: "0"), a = UInt8(ascii: "a")
        switch kind {
        case .addition:
            var p = 1
            for _ in 0..<size { p *= 10 }
            let x = index / p, y = index % p, s = x + y
            func digits(_ v: Int, _ n: Int) -> [UInt8] {         // most significant first, zero-padded
                var d = [UInt8](repeating: zero, count: n), v = v
                for i in stride(from: n - 1, through: 0, by: -1) { d[i] = zero + UInt8(v % 10); v /= 10 }
                return d
            }
            return TaskExample(prompt: digits(x, size) + [UInt8(ascii: "+")] + digits(y, size) + [UInt8(ascii: "=")],
                               answer: Array(digits(s, size + 1).reversed()))
        case .reversal, .copy:
            var letters = [UInt8](repeating: a, count: size), v = index
            for i in 0..<size { letters[i] = a + UInt8(v % 26); v /= 26 }
            let marker = UInt8(ascii: kind == .reversal ? "<" : ">")
            return TaskExample(prompt: [marker] + letters + [UInt8(ascii: "=")],
                               answer: kind == .reversal ? Array(letters.reversed()) : letters)
        }
    }

    /// Problems a held-out set can draw from: all of them for a small task, else about a tenth.
    public var evaluationProblemCount: Int {
        evaluationOverlapsTraining ? problemCount : Int(Double(problemCount) / Double(Self.heldOutOneIn))
    }

    /// The most evaluation examples a large task gives: its held-out part is about a tenth of its
    /// problems, and at most half of that is asked for, so drawing distinct problems by rejection
    /// stays quick. A small task gives all its problems (and any larger count is cut to them).
    public var maximumEvaluationExamples: Int {
        evaluationOverlapsTraining ? problemCount : evaluationProblemCount / 2
    }

    /// The evaluation set: `count` different held-out problems in a seeded order (all of a small
    /// task's problems when it has no more than `count`, so `addition-1` evaluates on its 100).
    /// The same seed always gives the same set, and a smaller count gives a prefix of a larger one.
    /// Throws if a large task's held-out part cannot supply `count` problems.
    public func evaluationSet(count: Int, seed: UInt64 = 0) throws -> [TaskExample] {
        guard count >= 1 else { throw TrainerError.invalidConfiguration("evaluation examples must be at least 1, got \(count)") }
        let count = evaluationOverlapsTraining ? min(count, problemCount) : count
        let available = maximumEvaluationExamples
        guard count <= available else {
            throw TrainerError.invalidConfiguration(
                "task '\(self)' can give at most \(available) held-out evaluation examples, asked for \(count); ask for fewer or use a larger K")
        }
        var rng = SeededGenerator(seed: seed ^ salt ^ 0xE7A1_5E70)
        var seen = Set<Int>(), out: [TaskExample] = []
        while out.count < count {
            let i = rng.nextInt(below: problemCount)
            guard evaluationOverlapsTraining || isHeldOut(i), seen.insert(i).inserted else { continue }
            out.append(example(i))
        }
        return out
    }

    /// A deterministic stream of training examples: uniform over the problems that are not
    /// held out (over all problems for a small task), with repeats, from its own generator.
    public struct TrainingStream: Sendable {
        let task: TaskSuite
        var rng: SeededGenerator

        /// The next training example.
        public mutating func next() -> TaskExample {
            while true {
                let i = rng.nextInt(below: task.problemCount)
                if !task.isHeldOut(i) { return task.example(i) }
            }
        }
    }

    /// The training examples for a run seeded `seed` (the same seed gives the same stream).
    public func trainingStream(seed: UInt64) -> TrainingStream {
        TrainingStream(task: self, rng: SeededGenerator(seed: seed ^ salt ^ 0x7A15_0000))
    }
}
