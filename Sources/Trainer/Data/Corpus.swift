import Foundation

/// A byte corpus read from a text file or from every regular file under a folder.
///
/// Files in a folder are joined in sorted relative-path order (hidden files and folders
/// skipped), so the same folder always gives the same byte stream. Every byte is a token.
public struct Corpus: Sendable {
    public let bytes: [UInt8]
    /// Where the bytes came from (the path, or a synthetic source's description).
    public let source: String

    public init(bytes: [UInt8], source: String) {
        self.bytes = bytes
        self.source = source
    }

    public static func load(path: String) throws -> Corpus {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: path, isDirectory: &isDirectory) else { throw TrainerError.missingData(path: path) }
        var files: [String] = []
        if isDirectory.boolValue {
            let root = URL(fileURLWithPath: path)
            guard let walker = fm.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey],
                                             options: [.skipsHiddenFiles]) else { throw TrainerError.missingData(path: path) }
            for case let url as URL in walker
            where (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
                files.append(url.path)
            }
            files.sort()
        } else {
            files = [path]
        }
        var bytes: [UInt8] = []
        for f in files {
            guard let d = fm.contents(atPath: f) else { throw TrainerError.missingData(path: f) }
            bytes.append(contentsOf: d)
        }
        guard !bytes.isEmpty else { throw TrainerError.emptyData(path: path) }
        return Corpus(bytes: bytes, source: path)
    }
}

/// The deterministic split of a corpus into training and validation bytes that never overlap:
/// validation is the last `validationFraction` of the stream (default 10%), training the rest.
///
/// The split depends only on the corpus, never on the model or the run, so every run of a
/// ladder sees the same validation bytes.
public struct CorpusSplit: Sendable {
    public let train: [UInt8]
    public let validation: [UInt8]

    public init(_ corpus: Corpus, validationFraction: Double = 0.1, context T: Int) throws {
        let n = corpus.bytes.count
        let nv = Int((Double(n) * validationFraction).rounded(.down))
        guard nv >= T + 1, n - nv >= T + 1 else {
            throw TrainerError.corpusTooShort(bytes: n, needed: Int((Double(T + 1) / min(validationFraction, 1 - validationFraction)).rounded(.up)))
        }
        train = Array(corpus.bytes[0..<(n - nv)])
        validation = Array(corpus.bytes[(n - nv)...])
    }
}

/// Draws training sequences: uniform random start offsets into the training bytes, from its
/// own seeded generator. Its whole state (generator + count) is the "data position" a
/// checkpoint saves.
public struct BatchSampler: Sendable, Codable, Equatable {
    public var rng: SeededGenerator
    public var sequencesDrawn = 0

    public init(seed: UInt64) { rng = SeededGenerator(seed: seed) }

    /// Fills inputs and targets (B, T): targets are inputs shifted one byte ahead.
    public mutating func fill(_ inputs: UnsafeMutablePointer<UInt8>, _ targets: UnsafeMutablePointer<UInt8>,
                              batch B: Int, context T: Int, from train: [UInt8]) {
        precondition(train.count >= T + 1, "training bytes \(train.count) < context + 1 = \(T + 1)")
        train.withUnsafeBufferPointer { src in
            for b in 0..<B {
                let start = rng.nextInt(below: train.count - T)
                (inputs + b * T).update(from: src.baseAddress! + start, count: T)
                (targets + b * T).update(from: src.baseAddress! + start + 1, count: T)
            }
        }
        sequencesDrawn += B
    }
}
