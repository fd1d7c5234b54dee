/// What the training loop needs from a model: one flat parameter buffer with its gradient,
/// a forward pass returning the mean loss, and a backward pass adding into the gradient.
///
/// Models are reference types because they own large buffers; they are used by one training
/// loop at a time and are not shared across threads (their kernels split work internally).
public protocol LanguageModel: AnyObject {
    var shape: ModelShape { get }
    /// The largest batch (sequences) one forward pass takes; bigger batches use accumulation.
    var microBatch: Int { get }
    /// Every parameter tensor with its offset, decay flag and initialization.
    var tensors: [ParameterTensor] { get }
    var parameterCount: Int { get }
    var parameters: UnsafeMutablePointer<Float> { get }
    var gradients: UnsafeMutablePointer<Float> { get }
    /// Floats this model allocated for activations and gradient work space.
    var activationFloats: Int { get }

    /// Mean cross-entropy (nats/token) of predicting `targets` from `inputs`; both (B, T),
    /// B ≤ microBatch, T = shape.context. Keeps what the backward pass needs.
    func forward(inputs: UnsafePointer<UInt8>, targets: UnsafePointer<UInt8>, batch B: Int) -> Double
    /// Adds `lossScale · ∂(mean loss of the last forward)/∂θ` into `gradients`.
    func backward(lossScale: Float)
    /// The next-byte probabilities (B, T, vocab) the last `forward` computed: the softmax the
    /// cross-entropy kernel leaves in place of the logits. Valid until the next `backward` or
    /// `forward`; row `b·T + t` is the distribution of the byte after `inputs[b, 0...t]`.
    var lastProbabilities: UnsafePointer<Float> { get }
}

extension LanguageModel {
    public func zeroGradients() { gradients.update(repeating: 0, count: parameterCount) }

    /// Parameters outside the embedding tables (Kaplan et al. 2020's N).
    public var nonEmbeddingParameterCount: Int {
        parameterCount - tensors.filter(\.isEmbedding).reduce(0) { $0 + $1.count }
    }

    public func initialize(using rng: inout SeededGenerator) {
        initializeParameters(parameters, tensors, using: &rng)
    }

    /// Per-row losses of the last forward pass, summed in Double in a fixed order.
    func sumLosses(_ losses: UnsafePointer<Float>, count n: Int) -> Double {
        var s = 0.0
        for i in 0..<n { s += Double(losses[i]) }
        return s
    }
}

/// Builds the model for a shape.
public func makeModel(_ shape: ModelShape, microBatch: Int, threads: Int = 1) throws -> any LanguageModel {
    try shape.validate()
    guard microBatch >= 1 else { throw TrainerError.invalidConfiguration("micro-batch must be at least 1, got \(microBatch)") }
    switch shape.architecture {
    case .transformer: return TransformerModel(shape, microBatch: microBatch, threads: threads)
    case .lstm: return LSTMModel(shape, microBatch: microBatch, threads: threads)
    }
}
