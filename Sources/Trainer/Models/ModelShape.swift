import ScalingLaws

/// The architecture family of a language model.
public enum Architecture: String, Sendable, Codable, CaseIterable {
    case transformer, lstm
}

/// The shape of a byte-level language model; everything that fixes its parameter count.
///
/// - `layers`: transformer blocks or stacked LSTM layers.
/// - `dModel`: residual width (transformer) or hidden size (LSTM).
/// - `heads`: attention heads (transformer only; must divide `dModel`).
/// - `context`: tokens per training sequence, T. The transformer learns one position embedding
///   per position, so T is also part of its parameter count; the LSTM truncates backpropagation
///   through time at T.
/// - `dFF`: MLP width, 4·d_model by default as in GPT-2 (Radford et al. 2019).
/// - `vocab`: 256, one token per byte, so losses are directly bits per byte after ÷ ln 2.
public struct ModelShape: Sendable, Codable, Equatable {
    public var architecture: Architecture
    public var layers: Int
    public var dModel: Int
    public var heads: Int
    public var context: Int
    public var dFF: Int
    public var vocab: Int

    public init(architecture: Architecture = .transformer, layers: Int, dModel: Int, heads: Int = 1,
                context: Int, dFF: Int? = nil, vocab: Int = 256) {
        self.architecture = architecture
        self.layers = layers
        self.dModel = dModel
        self.heads = heads
        self.context = context
        self.dFF = dFF ?? 4 * dModel
        self.vocab = vocab
    }

    /// The longest context: layers × heads × T² attention scores must stay far inside an Int.
    public static let maxContext = 65_536

    /// Checks the shape up front; the message says which value to change.
    public func validate() throws {
        func bad(_ m: String) -> TrainerError { .invalidConfiguration(m) }
        guard layers >= 1 else { throw bad("--layers must be at least 1, got \(layers)") }
        guard dModel >= 1 else { throw bad("--d-model must be at least 1, got \(dModel)") }
        guard context >= 1 else { throw bad("--context must be at least 1, got \(context)") }
        guard context <= Self.maxContext else {
            throw bad("--context must be at most \(Self.maxContext) bytes, got \(context); the attention scores "
                + "(layers × heads × context²) would overflow")
        }
        guard vocab == 256 else { throw bad("vocab must be 256 (bytes), got \(vocab)") }
        if architecture == .transformer {
            guard heads >= 1 else { throw bad("--heads must be at least 1, got \(heads)") }
            guard dModel % heads == 0 else {
                throw bad("--heads \(heads) does not divide --d-model \(dModel); choose heads from \(divisors(dModel))")
            }
            guard dFF >= 1 else { throw bad("--d-ff must be at least 1, got \(dFF)") }
            // The counts are Ints: the same up-front limit as `scalelab flops` (2^53).
            do {
                _ = try TransformerShape.validated(
                    layers: layers, dModel: dModel, heads: heads, dFF: dFF, headSize: dModel / heads,
                    keyValueHeads: heads, vocabulary: vocab, context: context, tiedEmbeddings: true, gated: false,
                    sharedKeyValue: false, learnedPositions: true, biases: true)
            } catch {
                throw bad(error.description)   // a ShapeError: `validated` throws only those
            }
        } else {
            let (L, H, V) = (Double(layers), Double(dModel), Double(vocab))
            let bound = L * (8 * H * H + 4 * H) + V * H
            guard bound <= TransformerShape.maxParameterCount else {
                throw bad(ShapeError.tooLarge(parameters: bound).description)
            }
        }
    }

    private func divisors(_ n: Int) -> [Int] { (1...max(1, n)).filter { n % $0 == 0 } }
}

extension Architecture {
    /// Parses a command-line name, with an error listing the choices.
    public static func parse(_ name: String) throws -> Architecture {
        guard let a = Architecture(rawValue: name.lowercased()) else { throw TrainerError.unknownArchitecture(name) }
        return a
    }
}
