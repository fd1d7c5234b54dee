import XCTest
import Foundation
import ScalingLaws
@testable import Trainer

/// The trainer's counts are ScalingLaws' counts, and both describe the buffers the models
/// actually allocate (one source of truth: `scalelab flops`, the run record and the planner
/// agree).
final class ModelShapeAccountingTests: XCTestCase {
    /// Shapes covering one and several layers, several head counts, a d_ff other than 4·d, and
    /// a context longer than d_model.
    let transformers = [
        ModelShape(layers: 1, dModel: 8, heads: 1, context: 4),
        ModelShape(layers: 2, dModel: 16, heads: 2, context: 8, dFF: 24),
        ModelShape(layers: 3, dModel: 48, heads: 6, context: 64),
        ModelShape(layers: 4, dModel: 64, heads: 4, context: 128, dFF: 100),
        ModelShape(layers: 2, dModel: 128, heads: 8, context: 32),
    ]

    /// N from `ModelShape` = N from `TransformerShape` = the length of the flat buffer the model
    /// allocates; likewise Kaplan's N against the buffer's non-embedding tensors.
    func testTransformerParameterCountsEqualTransformerShapeAndTheFlatBuffer() throws {
        for s in transformers {
            let model = try makeModel(s, microBatch: 1)
            let t = try XCTUnwrap(s.transformerShape)
            XCTAssertEqual(model.parameterCount, model.tensors.map(\.count).reduce(0, +), "\(s)")
            XCTAssertEqual(s.parameterCount, model.parameterCount, "\(s)")
            XCTAssertEqual(t.parameterCount, model.parameterCount, "\(s)")
            XCTAssertEqual(s.nonEmbeddingParameterCount, model.nonEmbeddingParameterCount, "\(s)")
            XCTAssertEqual(t.nonEmbeddingParameterCount, model.nonEmbeddingParameterCount, "\(s)")
        }
    }

    /// The executed count against PaLM's model-FLOPs formula computed from the layout, not from
    /// `TransformerShape`: 6 × (every matrix that multiplies an activation: the decayed tensors
    /// except the position table, which is a gather) + 12·L·T·d for Q·Kᵀ and P·V over the full
    /// T×T square, less the attention blocks above the diagonal that the kernel skips. The scaling-law count attends the causal context, (T+1)/2 positions on
    /// average, so it is 6·L·d·(T−1) smaller.
    func testFLOPCountsAreTransformerShapesAndMatchTheLayout() throws {
        for s in transformers {
            let t = try XCTUnwrap(s.transformerShape)
            let (L, d, T) = (Double(s.layers), Double(s.dModel), Double(s.context))
            let matmul = TransformerLayout(s).tensors.filter { $0.decays && $0.name != "wpe" }.map(\.count).reduce(0, +)
            let palm = 6 * Double(matmul) + 12 * L * T * d
            XCTAssertEqual(t.trainingFLOPsPerToken(method: .exactFullContext), palm, "\(s)")
            // Executed: each query row attends the keys up to its block's end, counted row by row.
            let attendedKeys = (0..<s.context).map { i in min(s.context, (i / attentionBlockRows + 1) * attentionBlockRows) }
            let executed = palm - 12 * L * d * (T - Double(attendedKeys.reduce(0, +)) / T)
            XCTAssertEqual(s.executedTrainingFLOPsPerToken, executed, accuracy: 1e-9 * palm, "\(s)")
            XCTAssertLessThanOrEqual(s.executedTrainingFLOPsPerToken, palm, "\(s)")
            XCTAssertGreaterThanOrEqual(s.executedTrainingFLOPsPerToken, s.trainingFLOPsPerToken, "\(s)")
            XCTAssertEqual(s.trainingFLOPsPerToken, t.trainingFLOPsPerToken(method: .exact), "\(s)")
            XCTAssertEqual(s.trainingFLOPsPerToken, palm - 6 * L * d * (T - 1), "\(s)")
        }
    }

    /// The LSTM has no `TransformerShape`; its one count matches its buffer, and its FLOPs are
    /// 6 × the matrices that multiply an activation (the gate weights and the tied embedding).
    func testLSTMCountsMatchTheFlatBuffer() throws {
        for (L, H, T) in [(1, 8, 4), (2, 32, 16), (4, 64, 8)] {
            let s = ModelShape(architecture: .lstm, layers: L, dModel: H, context: T)
            let model = try makeModel(s, microBatch: 1)
            XCTAssertNil(s.transformerShape)
            XCTAssertEqual(s.parameterCount, model.parameterCount, "\(s)")
            XCTAssertEqual(s.nonEmbeddingParameterCount, model.nonEmbeddingParameterCount, "\(s)")
            let matmul = model.tensors.filter(\.decays).map(\.count).reduce(0, +)
            XCTAssertEqual(s.trainingFLOPsPerToken, 6 * Double(matmul), "\(s)")
            XCTAssertEqual(s.executedTrainingFLOPsPerToken, s.trainingFLOPsPerToken, "\(s)")
        }
    }
}
