import XCTest
import Foundation
@testable import Trainer

final class OptimizerTests: XCTestCase {
    /// Two AdamW steps against the formula evaluated in Double; one decayed and one
    /// non-decayed tensor; no clipping (small gradients).
    func testAdamWMatchesFormula() {
        let tensors = [
            ParameterTensor(name: "w", offset: 0, count: 3, decays: true, initialization: .zeros, isEmbedding: false),
            ParameterTensor(name: "b", offset: 3, count: 2, decays: false, initialization: .zeros, isEmbedding: false),
        ]
        var cfg = AdamWConfig(); cfg.clipNorm = 0
        let opt = AdamW(config: cfg, tensors: tensors, count: 5)
        let p = FloatBuffer([0.5, -1, 2, 0.3, -0.7])
        let grads: [[Double]] = [[0.1, -0.2, 0.05, 0.3, -0.01], [-0.05, 0.1, 0.2, 0.1, 0.02]]
        var theta = p.doubles, m = [Double](repeating: 0, count: 5), v = m
        let lr = 0.01
        for (k, g) in grads.enumerated() {
            let fg = FloatBuffer(g)
            opt.update(parameters: p.p, gradients: fg.p, learningRate: lr)
            let t = Double(k + 1)
            for i in 0..<5 {
                let gi = Double(Float(g[i]))
                m[i] = 0.9 * m[i] + 0.1 * gi
                v[i] = 0.95 * v[i] + 0.05 * gi * gi
                let mh = m[i] / (1 - pow(0.9, t)), vh = v[i] / (1 - pow(0.95, t))
                theta[i] -= lr * (mh / (vh.squareRoot() + 1e-8) + (i < 3 ? 0.1 : 0) * theta[i])
            }
        }
        assertClose(p.doubles, theta, rtol: 1e-6, atol: 1e-7, "AdamW two steps")
    }

    /// The sixteen-lane kernel is bitwise the scalar one (37 = two vectors and a tail of 5).
    func testAdamWKernelMatchesScalarKernelBitwise() {
        let n = 37
        let p0 = randomDoubles(n, seed: 40), g = FloatBuffer(randomDoubles(n, seed: 41))
        let m0 = randomDoubles(n, scale: 0.1, seed: 42), v0 = randomDoubles(n, seed: 43).map { $0 * $0 }
        var results: [[Double]] = []
        for vector in [true, false] {
            let p = FloatBuffer(p0), m = FloatBuffer(m0), v = FloatBuffer(v0)
            let kernel = vector ? adamwKernel : adamwKernelScalar
            kernel(p.p, g.c, m.p, v.p, n, 0.01, 0.9, 0.95, 1e-8, 0.1, 0.5, 1.2, 3.4)
            results.append(p.doubles + m.doubles + v.doubles)
        }
        XCTAssertEqual(results[0], results[1])
    }

    func testDecayOnlyOnMatricesAndClipping() {
        let tensors = [
            ParameterTensor(name: "w", offset: 0, count: 2, decays: true, initialization: .zeros, isEmbedding: false),
            ParameterTensor(name: "g", offset: 2, count: 2, decays: false, initialization: .ones, isEmbedding: false),
        ]
        let opt = AdamW(config: AdamWConfig(), tensors: tensors, count: 4)
        let p = FloatBuffer([1, 1, 1, 1]), zero = FloatBuffer(zeros: 4)
        opt.update(parameters: p.p, gradients: zero.p, learningRate: 0.5)
        assertClose(p.doubles, [0.95, 0.95, 1, 1], rtol: 0, atol: 1e-7, "θ·(1 − η·λ) on w only")

        let g = FloatBuffer([6, 0, 0, 8])                 // ‖g‖ = 10 → scaled by 1/10
        let norm = opt.update(parameters: p.p, gradients: g.p, learningRate: 0)
        XCTAssertEqual(norm, 10, accuracy: 1e-9)
        XCTAssertEqual(Double(opt.m[0]), 0.1 * 0.6, accuracy: 1e-7)
        XCTAssertEqual(Double(opt.m[3]), 0.1 * 0.8, accuracy: 1e-7)
    }

    func testScheduleWarmupCosineEndsAtTenPercent() {
        let s = LearningRateSchedule(peak: 1, warmupSteps: 4, totalSteps: 20)
        XCTAssertEqual(s.rate(atStep: 0), 0.25, accuracy: 1e-12)
        XCTAssertEqual(s.rate(atStep: 3), 1, accuracy: 1e-12)
        XCTAssertEqual(s.rate(atStep: 4), 1, accuracy: 1e-12)
        XCTAssertEqual(s.rate(atStep: 19), 0.1, accuracy: 1e-12)
        XCTAssertEqual(s.rate(atStep: 4 + 15 / 2 ), 0.1 + 0.9 * 0.5 * (1 + cos(Double.pi * 7 / 15)), accuracy: 1e-12)
        for k in 4..<19 { XCTAssertGreaterThan(s.rate(atStep: k), s.rate(atStep: k + 1)) }
        XCTAssertEqual(LearningRateSchedule(peak: 2, warmupSteps: 0, totalSteps: 1).rate(atStep: 0), 0.2, accuracy: 1e-12)
    }

    func testDefaultHyperparameterRule() {
        let small = ModelShape(layers: 2, dModel: 64, heads: 4, context: 128)     // N ≈ 1e5
        let h = Hyperparameters.defaults(for: small, tokens: 10_000_000)
        XCTAssertEqual(h.learningRate, 1e-2 * pow(Double(small.nonEmbeddingParameterCount) / 1e5, -1.0 / 3), accuracy: 1e-12)
        XCTAssertEqual(h.batch * small.context, 512)                               // 2048·√0.1 = 648 → 2⁹
        XCTAssertEqual(h.warmupTokens, small.parameterCount)
        XCTAssertEqual(h.batch % h.microBatch, 0)
        let big = ModelShape(layers: 8, dModel: 512, heads: 8, context: 256)      // N ≈ 2.5e7
        let hb = Hyperparameters.defaults(for: big, tokens: 100_000)
        XCTAssertLessThan(hb.learningRate, h.learningRate)
        XCTAssertEqual(hb.warmupTokens, 10_000)                                    // capped at a tenth
        XCTAssertLessThanOrEqual(hb.batch * big.context, max(big.context, 250))    // ≥ ~400 steps (one sequence at least)
        let tiny = ModelShape(layers: 1, dModel: 16, heads: 1, context: 64)       // N ≈ 3e3: capped at 1e-2
        XCTAssertEqual(Hyperparameters.defaults(for: tiny, tokens: 1_000_000).learningRate, 1e-2)
        let mid = ModelShape(layers: 4, dModel: 256, heads: 8, context: 256)      // N ≈ 3.2e6
        XCTAssertEqual(Hyperparameters.defaults(for: mid, tokens: 100_000_000).batch * mid.context, 4096)
    }

    /// The default rule's and the candidate recipe's batches, now computed by one shared helper,
    /// are the batches of the two rules as first written (each written out here), over shapes of
    /// 3·10³ to 2.5·10⁷ parameters, contexts 16 to 256 and runs of 10⁴ to 10⁹ tokens.
    func testBothBatchRulesAreTheirFirstFormulas() {
        func defaultAsWritten(_ shape: ModelShape, _ tokens: Int) -> Int {
            let n = Double(max(10_000, shape.nonEmbeddingParameterCount))
            var b = pow(2, (log2(2048 * pow(n / 1e6, 0.5))).rounded())
            b = min(65_536, max(256, b))
            b = min(b, max(1, Double(tokens) / 400))
            return max(1, Int(b) / shape.context)
        }
        func candidateAsWritten(_ shape: ModelShape, _ tokens: Int) -> Int {
            let n = Double(max(10_000, shape.nonEmbeddingParameterCount))
            var b = pow(2, log2(634 * pow(n / 1e5, 0.72)).rounded())
            b = min(65_536, max(Double(shape.context), b))
            b = min(b, max(Double(shape.context), Double(tokens) / 400))
            return max(1, Int(b) / shape.context)
        }
        var checked = 0
        for (layers, d, heads) in [(1, 8, 1), (1, 16, 2), (2, 32, 2), (2, 64, 4), (3, 80, 4), (4, 256, 8), (8, 512, 8)] {
            for context in [16, 64, 128, 256] {
                let shape = ModelShape(layers: layers, dModel: d, heads: heads, context: context)
                for tokens in [10_000, 221_568, 1_498_752, 7_504_896, 100_000_000, 1_000_000_000] {
                    XCTAssertEqual(Hyperparameters.defaults(for: shape, tokens: tokens).batch, defaultAsWritten(shape, tokens),
                                   "default rule, \(layers)/\(d)/T\(context), \(tokens) tokens")
                    XCTAssertEqual(CandidateRecipe().batch(for: shape, tokens: tokens), candidateAsWritten(shape, tokens),
                                   "candidate, \(layers)/\(d)/T\(context), \(tokens) tokens")
                    checked += 1
                }
            }
        }
        XCTAssertEqual(checked, 168)
    }

    /// A tiny model memorizes one fixed batch: the loss must fall from ln 256 to near zero.
    func testTinyTransformerOverfitsOneBatch() throws {
        let shape = ModelShape(layers: 1, dModel: 32, heads: 2, context: 16)
        let model = try makeModel(shape, microBatch: 2)
        var rng = SeededGenerator(seed: 11)
        model.initialize(using: &rng)
        var cfg = AdamWConfig(); cfg.weightDecay = 0
        let opt = AdamW(config: cfg, tensors: model.tensors, count: model.parameterCount)
        let x = (0..<32).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let y = (0..<32).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        var first = 0.0, last = 0.0
        for step in 0..<150 {
            let loss = x.withUnsafeBufferPointer { xp in y.withUnsafeBufferPointer { yp in
                model.forward(inputs: xp.baseAddress!, targets: yp.baseAddress!, batch: 2) } }
            if step == 0 { first = loss }
            last = loss
            model.zeroGradients()
            model.backward(lossScale: 1)
            opt.update(parameters: model.parameters, gradients: model.gradients, learningRate: 1e-2)
        }
        XCTAssertEqual(first, log(256), accuracy: 0.1)
        XCTAssertLessThan(last, 0.1, "loss after 150 steps on one batch")
    }

    /// The clipping norm is bitwise the same for any thread count and matches a Double loop.
    func testGlobalNormIndependentOfThreads() {
        for n in [1, 100, globalNormChunk + 7, 5 * globalNormChunk + 3] {
            let g = FloatBuffer(randomDoubles(n, seed: UInt64(n)))
            let norms = [1, 2, 3].map { globalNorm(g.c, count: n, threads: $0) }
            XCTAssertEqual(Set(norms).count, 1, "n \(n): \(norms)")
            XCTAssertEqual(norms[0], g.doubles.map { $0 * $0 }.reduce(0, +).squareRoot(), accuracy: 1e-9 * norms[0], "n \(n)")
        }
    }
}
