import XCTest
import Foundation
@testable import Trainer

final class TransformerTests: XCTestCase {
    func tokens(_ n: Int, seed: UInt64) -> [UInt8] {
        var g = SeededGenerator(seed: seed)
        return (0..<n).map { _ in UInt8(truncatingIfNeeded: g.next()) }
    }

    /// Whole-model gradient: the Float backward pass against a central difference of the
    /// independent Double reference forward, at random (non-degenerate) parameters, at head sizes
    /// 4, 8 and 16 and a context (5) that is not a multiple of anything.
    func testGradientMatchesNumericalGradientOfReferenceModel() throws {
        for shape in [ModelShape(layers: 2, dModel: 8, heads: 2, context: 4),
                      ModelShape(layers: 1, dModel: 16, heads: 2, context: 5),
                      ModelShape(layers: 1, dModel: 16, heads: 1, context: 5)] {
            try checkGradient(shape)
        }
    }

    func checkGradient(_ shape: ModelShape) throws {
        let B = 2, T = shape.context
        let model = try makeModel(shape, microBatch: B) as! TransformerModel
        var rng = SeededGenerator(seed: 7)
        let n = model.parameterCount
        var params = [Double](repeating: 0, count: n)
        for t in model.tensors {
            for i in t.offset..<(t.offset + t.count) {
                let u = 2 * rng.nextUnit() - 1
                params[i] = Double(Float(t.initialization == .ones ? 1 + 0.3 * u : 0.4 * u))
            }
        }
        for i in 0..<n { model.parameters[i] = Float(params[i]) }
        let x = tokens(B * T, seed: 1), y = tokens(B * T, seed: 2)

        let loss = x.withUnsafeBufferPointer { xp in y.withUnsafeBufferPointer { yp in
            model.forward(inputs: xp.baseAddress!, targets: yp.baseAddress!, batch: B) } }
        let refLoss = referenceTransformerLoss(params, shape: shape, inputs: x, targets: y, batch: B)
        XCTAssertEqual(loss, refLoss, accuracy: 1e-5, "forward loss vs Double reference, \(shape)")
        model.zeroGradients()
        model.backward(lossScale: 1)

        // Every parameter except most of wte (check every 5th entry there; its rows are alike).
        let layout = TransformerLayout(shape)
        let checked = (0..<n).filter { $0 >= layout.wpe || $0 % 5 == 0 || x.contains(UInt8($0 / shape.dModel)) }
        var worst = 0.0, worstIndex = -1
        for i in checked {
            var p = params, h = 1e-5
            p[i] += h; let fp = referenceTransformerLoss(p, shape: shape, inputs: x, targets: y, batch: B)
            p[i] -= 2 * h; let fm = referenceTransformerLoss(p, shape: shape, inputs: x, targets: y, batch: B)
            h *= 2
            let numeric = (fp - fm) / h, analytic = Double(model.gradients[i])
            let err = abs(numeric - analytic) / (2e-4 + abs(numeric))
            if err > worst { worst = err; worstIndex = i }
        }
        let name = model.tensors.first { $0.offset <= worstIndex && worstIndex < $0.offset + $0.count }?.name ?? "?"
        XCTAssertLessThan(worst, 1e-3, "worst relative error at parameter \(worstIndex) (\(name)), \(shape)")
        XCTAssertGreaterThan(checked.count, 1000)
    }

    func testLossAtInitializationIsLn256() throws {
        let shape = ModelShape(layers: 2, dModel: 32, heads: 4, context: 16)
        let model = try makeModel(shape, microBatch: 4)
        var rng = SeededGenerator(seed: 3)
        model.initialize(using: &rng)
        let x = tokens(64, seed: 5), y = tokens(64, seed: 6)
        let loss = x.withUnsafeBufferPointer { xp in y.withUnsafeBufferPointer { yp in
            model.forward(inputs: xp.baseAddress!, targets: yp.baseAddress!, batch: 4) } }
        XCTAssertEqual(loss, log(256), accuracy: 0.05)
    }

    /// Exact count of the layout against the closed form 12·L·C² + 13·L·C + V·C + T·C + 2·C
    /// (d_ff = 4C), and the general-d_ff form.
    func testParameterCountMatchesClosedForm() throws {
        for (L, C, T) in [(1, 8, 4), (3, 64, 128), (4, 256, 256)] {
            let s = ModelShape(layers: L, dModel: C, heads: 4, context: T)
            let layout = TransformerLayout(s)
            XCTAssertEqual(layout.count, 12 * L * C * C + 13 * L * C + 256 * C + T * C + 2 * C)
            XCTAssertEqual(s.parameterCount, layout.count)
            XCTAssertEqual(s.nonEmbeddingParameterCount, layout.count - 256 * C - T * C)
        }
        let s = ModelShape(layers: 2, dModel: 16, heads: 2, context: 8, dFF: 24)
        XCTAssertEqual(TransformerLayout(s).count, s.parameterCount)
        XCTAssertEqual(s.parameterCount, 2 * (4 * 16 * 16 + 2 * 16 * 24 + 9 * 16 + 24) + 256 * 16 + 8 * 16 + 32)
    }
}
