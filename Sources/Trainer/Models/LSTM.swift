/// Placeholder until the LSTM lands (priority 7).
func LSTMActivationFloatsPerSequence(_ s: ModelShape) -> Int { 0 }
public final class LSTMModel: LanguageModel {
    public let shape: ModelShape
    public let microBatch: Int
    public var tensors: [ParameterTensor] { [] }
    public var parameterCount: Int { 0 }
    public let parameters = UnsafeMutablePointer<Float>.allocate(capacity: 1)
    public let gradients = UnsafeMutablePointer<Float>.allocate(capacity: 1)
    public var activationFloats: Int { 0 }
    init(_ shape: ModelShape, microBatch: Int, threads: Int) { self.shape = shape; self.microBatch = microBatch }
    public func forward(inputs: UnsafePointer<UInt8>, targets: UnsafePointer<UInt8>, batch B: Int) -> Double { fatalError("LSTM not implemented") }
    public func backward(lossScale: Float) { fatalError("LSTM not implemented") }
}
