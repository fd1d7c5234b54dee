import XCTest
import Foundation
@testable import Trainer

/// The LSTM's mean loss computed independently in Double with plain loops.
func referenceLSTMLoss(_ params: [Double], shape s: ModelShape, inputs: [UInt8], targets: [UInt8], batch B: Int) -> Double {
    let layout = LSTMLayout(s)
    let T = s.context, H = s.dModel, V = s.vocab
    var xs: [[Double]] = (0..<(B * T)).map { r in Array(params[(layout.wte + Int(inputs[r]) * H)..<(layout.wte + Int(inputs[r]) * H + H)]) }
    for y in layout.layers {
        var out = xs
        for b in 0..<B {
            var h = [Double](repeating: 0, count: H), c = h
            for t in 0..<T {
                let xh = xs[b * T + t] + h
                var pre = [Double](repeating: 0, count: 4 * H)
                for j in 0..<(4 * H) {
                    pre[j] = params[y.b + j]
                    for k in 0..<(2 * H) { pre[j] += params[y.w + j * 2 * H + k] * xh[k] }
                }
                (c, h) = lstmCellReference(pre: pre, cPrev: c, batch: 1, hidden: H)
                out[b * T + t] = h
            }
        }
        xs = out
    }
    let logits = xs.flatMap { h in (0..<V).map { v in (0..<H).reduce(0.0) { $0 + h[$1] * params[layout.wte + v * H + $1] } } }
    return crossEntropyReference(logits: logits, targets: targets, rows: B * T, vocab: V).reduce(0, +) / Double(B * T)
}

final class LSTMTests: XCTestCase {
    func tokens(_ n: Int, seed: UInt64) -> [UInt8] {
        var g = SeededGenerator(seed: seed)
        return (0..<n).map { _ in UInt8(truncatingIfNeeded: g.next() % 16) }
    }

    func testCellBackwardMatchesFiniteDifference() {
        let B = 2, H = 3
        let pre = toFloatExact(randomDoubles(B * 4 * H, scale: 2, seed: 1))
        let cPrev = toFloatExact(randomDoubles(B * H, seed: 2))
        let dh = toFloatExact(randomDoubles(B * H, seed: 3)), dcNext = toFloatExact(randomDoubles(B * H, seed: 4))
        let f = { (pre: [Double], cp: [Double]) -> Double in
            let (c, h) = lstmCellReference(pre: pre, cPrev: cp, batch: B, hidden: H)
            return dot(h, dh) + dot(c, dcNext)
        }
        let gPre = numericalGradient(pre) { f($0, cPrev) }
        let gC = numericalGradient(cPrev) { f(pre, $0) }
        let gates = FloatBuffer(pre), c = FloatBuffer(zeros: B * H), tc = FloatBuffer(zeros: B * H), h = FloatBuffer(zeros: B * H)
        let fc = FloatBuffer(cPrev)
        lstmCellForward(c.p, tc.p, h.p, gates.p, fc.c, batch: B, hidden: H, gateStride: 4 * H, stateStride: H)
        let ref = lstmCellReference(pre: pre, cPrev: cPrev, batch: B, hidden: H)
        assertClose(h.doubles, ref.h, rtol: 1e-5, atol: 1e-6, "lstm cell h")
        assertClose(c.doubles, ref.c, rtol: 1e-5, atol: 1e-6, "lstm cell c")
        let dgates = FloatBuffer(zeros: B * 4 * H), dc = FloatBuffer(dcNext), fdh = FloatBuffer(dh)
        lstmCellBackward(dgates.p, dc.p, fdh.c, gates.c, tc.c, fc.c, batch: B, hidden: H, gateStride: 4 * H, stateStride: H)
        assertClose(dgates.doubles, gPre, rtol: 1e-4, atol: 1e-6, "lstm cell ∂pre-activations")
        assertClose(dc.doubles, gC, rtol: 1e-4, atol: 1e-6, "lstm cell ∂c_prev")
    }

    func testGradientMatchesNumericalGradientOfReferenceModel() throws {
        let shape = ModelShape(architecture: .lstm, layers: 2, dModel: 4, context: 5)
        let B = 2
        let model = try makeModel(shape, microBatch: B)
        var rng = SeededGenerator(seed: 5)
        let n = model.parameterCount
        let params = (0..<n).map { _ in Double(Float(0.8 * (2 * rng.nextUnit() - 1))) }
        for i in 0..<n { model.parameters[i] = Float(params[i]) }
        let x = tokens(B * 5, seed: 1), y = tokens(B * 5, seed: 2)
        let loss = x.withUnsafeBufferPointer { xp in y.withUnsafeBufferPointer { yp in
            model.forward(inputs: xp.baseAddress!, targets: yp.baseAddress!, batch: B) } }
        XCTAssertEqual(loss, referenceLSTMLoss(params, shape: shape, inputs: x, targets: y, batch: B), accuracy: 1e-5)
        model.zeroGradients()
        model.backward(lossScale: 1)
        let layout = LSTMLayout(shape)
        let checked = (0..<n).filter { $0 >= layout.layers[0].w || $0 % 3 == 0 }
        var worst = 0.0, worstIndex = -1
        for i in checked {
            var p = params
            p[i] += 1e-5; let fp = referenceLSTMLoss(p, shape: shape, inputs: x, targets: y, batch: B)
            p[i] -= 2e-5; let fm = referenceLSTMLoss(p, shape: shape, inputs: x, targets: y, batch: B)
            let numeric = (fp - fm) / 2e-5
            let err = abs(numeric - Double(model.gradients[i])) / (2e-4 + abs(numeric))
            if err > worst { worst = err; worstIndex = i }
        }
        XCTAssertLessThan(worst, 1e-3, "worst relative error at parameter \(worstIndex)")
    }

    func testParameterCountLossAtInitAndLearning() throws {
        let two = ModelShape(architecture: .lstm, layers: 2, dModel: 32, context: 16)
        XCTAssertEqual(LSTMLayout(two).count, two.parameterCount)
        XCTAssertEqual(two.parameterCount, 2 * (8 * 32 * 32 + 4 * 32) + 256 * 32)
        let shape = ModelShape(architecture: .lstm, layers: 1, dModel: 32, context: 16)
        let source = MarkovSource(order: 1, alphabet: 8, sharpness: 3, seed: 7)
        var h = Hyperparameters.defaults(for: shape, tokens: 100_000)
        h.batch = 8; h.microBatch = 8; h.learningRate = 3e-2; h.warmupTokens = 2_000
        var c = TrainingConfig(shape: shape, tokens: 100_000, seed: 1, hyperparameters: h)
        c.curvePoints = 3
        c.curveValidationBytes = 4096
        let r = try train(c, corpus: source.generate(count: 150_000, seed: 3), options: TrainingOptions(version: "test"))
        XCTAssertEqual(r.status, .completed)
        XCTAssertEqual(r.flops, 6 * Double(8 * 32 * 32 + 256 * 32) * Double(r.tokens), "C = 6·(L·8H² + V·H) per token")
        XCTAssertEqual(r.executedFLOPsPerToken, r.flopsPerToken)
        XCTAssertEqual(r.stepLosses.first!, log(256), accuracy: 0.05)
        XCTAssertGreaterThan(try XCTUnwrap(r.finalValidationLoss), source.entropyRate - 0.02)
        XCTAssertLessThan(try XCTUnwrap(r.finalValidationLoss), source.entropyRate + 0.1)
    }
}
