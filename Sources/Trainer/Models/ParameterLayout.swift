/// How a parameter tensor is initialized.
public enum Initialization: Sendable, Equatable {
    case zeros, ones
    /// Normal with mean 0 and this standard deviation.
    case normal(Float)
    /// Uniform in [−a, a].
    case uniform(Float)
}

/// One named tensor inside the flat parameter buffer.
public struct ParameterTensor: Sendable, Equatable {
    public let name: String
    public let offset: Int
    public let count: Int
    /// AdamW decays this tensor: true for matrices, false for biases and layer-norm gains.
    public let decays: Bool
    public let initialization: Initialization
    /// Counted as an embedding (Kaplan's N excludes these).
    public let isEmbedding: Bool
}

/// Appends tensors to a flat layout and hands back each one's offset.
struct LayoutBuilder {
    private(set) var tensors: [ParameterTensor] = []
    private(set) var count = 0

    mutating func add(_ name: String, _ n: Int, decays: Bool, _ initialization: Initialization,
                      embedding: Bool = false) -> Int {
        let offset = count
        tensors.append(ParameterTensor(name: name, offset: offset, count: n, decays: decays,
                                       initialization: initialization, isEmbedding: embedding))
        count += n
        return offset
    }
}

/// Fills the flat buffer tensor by tensor, in layout order, from one seeded generator: the same
/// seed gives the same parameters on every machine.
func initializeParameters(_ params: UnsafeMutablePointer<Float>, _ tensors: [ParameterTensor],
                          using rng: inout SeededGenerator) {
    for t in tensors {
        let p = params + t.offset
        switch t.initialization {
        case .zeros: p.update(repeating: 0, count: t.count)
        case .ones: p.update(repeating: 1, count: t.count)
        case .normal(let std): for i in 0..<t.count { p[i] = Float(rng.nextGaussian()) * std }
        case .uniform(let a): for i in 0..<t.count { p[i] = Float(2 * rng.nextUnit() - 1) * a }
        }
    }
}
