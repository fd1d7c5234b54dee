import XCTest
@testable import Trainer

/// Each fast Float kernel against its naive Double reference, and each backward against a
/// central finite difference of the Double reference forward. Inputs are rounded to Float first,
/// so both sides see the same numbers; tolerances are Float-sized (≈1e-4 relative).
final class KernelTests: XCTestCase {
    let BT = 6, C = 8, OC = 5

    func testMatmulForwardMatchesReference() {
        let inp = toFloatExact(randomDoubles(BT * C, seed: 1))
        let w = toFloatExact(randomDoubles(OC * C, seed: 2))
        let b = toFloatExact(randomDoubles(OC, seed: 3))
        let out = FloatBuffer(zeros: BT * OC), fi = FloatBuffer(inp), fw = FloatBuffer(w), fb = FloatBuffer(b)
        matmulForward(out.p, fi.c, fw.c, fb.c, rows: BT, inChannels: C, outChannels: OC)
        let ref = matmulForwardReference(inp: inp, weight: w, bias: b, rows: BT, inChannels: C, outChannels: OC)
        assertClose(out.doubles, ref, rtol: 1e-5, atol: 1e-5, "matmul forward")
        matmulForward(out.p, fi.c, fw.c, nil, rows: BT, inChannels: C, outChannels: OC)
        let refNoBias = matmulForwardReference(inp: inp, weight: w, bias: nil, rows: BT, inChannels: C, outChannels: OC)
        assertClose(out.doubles, refNoBias, rtol: 1e-5, atol: 1e-5, "matmul forward without bias")
    }

    /// `out = residual + inp·Wᵀ + bias`, into a separate buffer and in place over the residual.
    func testMatmulResidualForwardMatchesReference() {
        let inp = toFloatExact(randomDoubles(BT * C, seed: 31))
        let w = toFloatExact(randomDoubles(OC * C, seed: 32))
        let b = toFloatExact(randomDoubles(OC, seed: 33))
        let res = toFloatExact(randomDoubles(BT * OC, seed: 34))
        let proj = matmulForwardReference(inp: inp, weight: w, bias: b, rows: BT, inChannels: C, outChannels: OC)
        let ref = zip(res, proj).map { $0 + $1 }
        let fi = FloatBuffer(inp), fw = FloatBuffer(w), fb = FloatBuffer(b), fr = FloatBuffer(res)
        let out = FloatBuffer(zeros: BT * OC)
        matmulResidualForward(out.p, fr.c, fi.c, fw.c, fb.c, rows: BT, inChannels: C, outChannels: OC)
        assertClose(out.doubles, ref, rtol: 1e-5, atol: 1e-5, "residual + projection")
        matmulResidualForward(fr.p, fr.c, fi.c, fw.c, fb.c, rows: BT, inChannels: C, outChannels: OC)
        XCTAssertEqual(fr.doubles, out.doubles, "in place")
    }

    /// The input gradient in 32-row pieces (C ≤ 64: 70 rows = 32 + 32 + 6) and in one call (C > 64).
    func testMatmulBackwardInputInPiecesMatchesReference() {
        for (rows, c, oc) in [(70, 8, 5), (70, 72, 5)] {
            let w = toFloatExact(randomDoubles(oc * c, seed: 41))
            let dout = toFloatExact(randomDoubles(rows * oc, seed: 42))
            let ref = matmulBackwardReference(dout: dout, inp: [Double](repeating: 0, count: rows * c), weight: w,
                                              rows: rows, inChannels: c, outChannels: oc).dinp
            let di = FloatBuffer(zeros: rows * c), fd = FloatBuffer(dout), fw = FloatBuffer(w)
            di.p.update(repeating: .nan, count: rows * c)
            matmulBackwardInput(di.p, fd.c, fw.c, rows: rows, inChannels: c, outChannels: oc, accumulate: false)
            assertClose(di.doubles, ref, rtol: 1e-4, atol: 1e-5, "dinp, \(rows) rows, C \(c)")
        }
    }

    func testFillRowsCopiesTheRowIntoEveryRow() {
        for rows in [0, 1, 2, 3, 5, 8, 13] {
            let out = FloatBuffer(zeros: max(1, rows * 3)), row = FloatBuffer([1, -2, 3])
            out.p.update(repeating: .nan, count: max(1, rows * 3))
            fillRows(out.p, with: row.c, rows: rows, channels: 3)
            XCTAssertEqual(Array(out.doubles.prefix(rows * 3)), (0..<rows).flatMap { _ in [1.0, -2, 3] }, "rows \(rows)")
        }
    }

    /// The bias gradient's column sums, by channel ranges (vector blocks and scalar tails), are
    /// bitwise a row-by-row loop's.
    func testSumRowsMatchesRowByRowLoop() {
        let rows = 7, C = 40
        let x = FloatBuffer(randomDoubles(rows * C, seed: 40)), start = randomDoubles(C, seed: 41)
        var expected = start.map(Float.init)
        for r in 0..<rows { for c in 0..<C { expected[c] += x.pointer[r * C + c] } }
        for split in [[0..<40], [0..<21, 21..<40], [0..<3, 3..<40]] {
            let acc = FloatBuffer(start)
            for cs in split { sumRows(into: acc.p, x.c, rows: rows, channels: C, range: cs) }
            XCTAssertEqual(acc.doubles, expected.map(Double.init), "split \(split)")
        }
    }

    func testMatmulBackwardMatchesFiniteDifferenceAndAccumulates() {
        let inp = toFloatExact(randomDoubles(BT * C, seed: 4))
        let w = toFloatExact(randomDoubles(OC * C, seed: 5))
        let b = toFloatExact(randomDoubles(OC, seed: 6))
        let dout = toFloatExact(randomDoubles(BT * OC, seed: 7))
        let f = { (i: [Double], w: [Double], b: [Double]) in
            dot(matmulForwardReference(inp: i, weight: w, bias: b, rows: self.BT, inChannels: self.C, outChannels: self.OC), dout)
        }
        let gi = numericalGradient(inp) { f($0, w, b) }
        let gw = numericalGradient(w) { f(inp, $0, b) }
        let gb = numericalGradient(b) { f(inp, w, $0) }
        let ref = matmulBackwardReference(dout: dout, inp: inp, weight: w, rows: BT, inChannels: C, outChannels: OC)
        assertClose(ref.dinp, gi, rtol: 1e-7, atol: 1e-8, "reference dinp vs finite difference")
        assertClose(ref.dweight, gw, rtol: 1e-7, atol: 1e-8, "reference dweight vs finite difference")

        let di = FloatBuffer(zeros: BT * C), dw = FloatBuffer(zeros: OC * C), db = FloatBuffer(zeros: OC)
        let fd = FloatBuffer(dout), fi = FloatBuffer(inp), fw = FloatBuffer(w)
        for pass in 1...2 {   // the second pass must double every gradient: backward adds
            matmulBackward(di.p, dw.p, db.p, fd.c, fi.c, fw.c, rows: BT, inChannels: C, outChannels: OC)
            let k = Double(pass)
            assertClose(di.doubles, gi.map { $0 * k }, rtol: 1e-4, atol: 1e-5, "matmul dinp pass \(pass)")
            assertClose(dw.doubles, gw.map { $0 * k }, rtol: 1e-4, atol: 1e-5, "matmul dweight pass \(pass)")
            assertClose(db.doubles, gb.map { $0 * k }, rtol: 1e-4, atol: 1e-5, "matmul dbias pass \(pass)")
        }
        di.p.update(repeating: .nan, count: BT * C)   // accumulate: false overwrites whatever was there
        matmulBackwardInput(di.p, fd.c, fw.c, rows: BT, inChannels: C, outChannels: OC, accumulate: false)
        assertClose(di.doubles, gi, rtol: 1e-4, atol: 1e-5, "matmul dinp, accumulate false")
    }

    func testLayerNormForwardAndBackward() {
        let inp = toFloatExact(randomDoubles(BT * C, scale: 2, seed: 8))
        let w = toFloatExact(randomDoubles(C, seed: 9).map { 1 + 0.5 * $0 })
        let b = toFloatExact(randomDoubles(C, seed: 10))
        let dout = toFloatExact(randomDoubles(BT * C, seed: 11))
        let out = FloatBuffer(zeros: BT * C), mean = FloatBuffer(zeros: BT), rstd = FloatBuffer(zeros: BT)
        let fi = FloatBuffer(inp), fw = FloatBuffer(w), fb = FloatBuffer(b), fd = FloatBuffer(dout)
        layernormForward(out.p, mean.p, rstd.p, fi.c, fw.c, fb.c, rows: BT, channels: C)
        assertClose(out.doubles, layernormForwardReference(inp: inp, weight: w, bias: b, rows: BT, channels: C),
                    rtol: 1e-5, atol: 1e-5, "layernorm forward")

        let f = { (i: [Double], w: [Double], b: [Double]) in
            dot(layernormForwardReference(inp: i, weight: w, bias: b, rows: self.BT, channels: self.C), dout)
        }
        let gi = numericalGradient(inp) { f($0, w, b) }
        let gw = numericalGradient(w) { f(inp, $0, b) }
        let gb = numericalGradient(b) { f(inp, w, $0) }
        let ref = layernormBackwardReference(dout: dout, inp: inp, weight: w, rows: BT, channels: C)
        assertClose(ref.dinp, gi, rtol: 1e-6, atol: 1e-7, "reference layernorm dinp vs finite difference")

        let di = FloatBuffer(zeros: BT * C), dw = FloatBuffer(zeros: C), db = FloatBuffer(zeros: C)
        layernormBackward(di.p, dw.p, db.p, fd.c, fi.c, fw.c, mean.c, rstd.c, rows: BT, channels: C)
        assertClose(di.doubles, gi, rtol: 1e-4, atol: 1e-4, "layernorm dinp")
        assertClose(dw.doubles, gw, rtol: 1e-4, atol: 1e-4, "layernorm dweight")
        assertClose(db.doubles, gb, rtol: 1e-4, atol: 1e-4, "layernorm dbias")
    }

    /// Rows wider than the sixteen-lane reductions (C = 40: two vectors and a tail of 8).
    func testLayerNormWideRowsMatchReference() {
        let BT = 3, C = 40
        let inp = toFloatExact(randomDoubles(BT * C, scale: 2, seed: 28))
        let w = toFloatExact(randomDoubles(C, seed: 29).map { 1 + 0.5 * $0 })
        let b = toFloatExact(randomDoubles(C, seed: 30))
        let dout = toFloatExact(randomDoubles(BT * C, seed: 31))
        let out = FloatBuffer(zeros: BT * C), mean = FloatBuffer(zeros: BT), rstd = FloatBuffer(zeros: BT)
        let fi = FloatBuffer(inp), fw = FloatBuffer(w), fb = FloatBuffer(b), fd = FloatBuffer(dout)
        layernormForward(out.p, mean.p, rstd.p, fi.c, fw.c, fb.c, rows: BT, channels: C)
        assertClose(out.doubles, layernormForwardReference(inp: inp, weight: w, bias: b, rows: BT, channels: C),
                    rtol: 1e-5, atol: 1e-5, "layernorm forward C 40")
        let ref = layernormBackwardReference(dout: dout, inp: inp, weight: w, rows: BT, channels: C)
        let di = FloatBuffer(zeros: BT * C), dw = FloatBuffer(zeros: C), db = FloatBuffer(zeros: C)
        layernormBackward(di.p, dw.p, db.p, fd.c, fi.c, fw.c, mean.c, rstd.c, rows: BT, channels: C)
        assertClose(di.doubles, ref.dinp, rtol: 1e-4, atol: 1e-5, "layernorm dinp C 40")
        assertClose(dw.doubles, ref.dweight, rtol: 1e-4, atol: 1e-5, "layernorm dweight C 40")
        assertClose(db.doubles, ref.dbias, rtol: 1e-4, atol: 1e-5, "layernorm dbias C 40")
        // The parameter half on its own, over channel ranges as the threads split them (vector
        // blocks and scalar tails), is bitwise the full kernel's.
        for split in [[0..<40], [0..<21, 21..<40], [0..<3, 3..<40]] {
            let pw = FloatBuffer(zeros: C), pb = FloatBuffer(zeros: C)
            for cs in split {
                layernormBackwardParameters(pw.p, pb.p, fd.c, fi.c, mean.c, rstd.c, rows: BT, channels: C, range: cs)
            }
            XCTAssertEqual(pw.doubles, dw.doubles, "layernorm dweight by channel ranges \(split)")
            XCTAssertEqual(pb.doubles, db.doubles, "layernorm dbias by channel ranges \(split)")
        }
    }

    func testGELUForwardAndBackward() {
        let x = toFloatExact(randomDoubles(40, scale: 4, seed: 12))
        let dout = toFloatExact(randomDoubles(40, seed: 13))
        let out = FloatBuffer(zeros: 40), fx = FloatBuffer(x), fd = FloatBuffer(dout), dx = FloatBuffer(zeros: 40)
        geluForward(out.p, fx.c, count: 40)
        assertClose(out.doubles, x.map(geluReference), rtol: 1e-5, atol: 1e-6, "gelu forward")
        let g = numericalGradient(x) { dot($0.map(geluReference), dout) }
        assertClose(zip(x, dout).map { geluDerivativeReference($0) * $1 }, g, rtol: 1e-7, atol: 1e-8,
                    "reference gelu derivative vs finite difference")
        geluBackward(dx.p, fx.c, fd.c, count: 40)
        assertClose(dx.doubles, g, rtol: 1e-4, atol: 1e-5, "gelu backward")
        geluBackward(dx.p, fx.c, fd.c, count: 40)   // backward adds: the second call doubles it
        assertClose(dx.doubles, g.map { 2 * $0 }, rtol: 1e-4, atol: 1e-5, "gelu backward, second call")
        dx.p.update(repeating: .nan, count: 40)      // accumulate: false overwrites whatever was there
        geluBackward(dx.p, fx.c, fd.c, count: 40, accumulate: false)
        assertClose(dx.doubles, g, rtol: 1e-4, atol: 1e-5, "gelu backward, accumulate false")
    }

    func testEmbeddingForwardAndBackward() {
        let B = 2, T = 3, V = 5, Cc = 4
        let tokens: [UInt8] = [1, 4, 1, 0, 1, 2]   // token 1 repeats: its gradient must sum
        let wte = toFloatExact(randomDoubles(V * Cc, seed: 14))
        let wpe = toFloatExact(randomDoubles(T * Cc, seed: 15))
        let dout = toFloatExact(randomDoubles(B * T * Cc, seed: 16))
        func ref(_ wte: [Double], _ wpe: [Double]) -> [Double] {
            var o = [Double](repeating: 0, count: B * T * Cc)
            for b in 0..<B { for t in 0..<T { for c in 0..<Cc {
                o[(b * T + t) * Cc + c] = wte[Int(tokens[b * T + t]) * Cc + c] + wpe[t * Cc + c]
            } } }
            return o
        }
        let out = FloatBuffer(zeros: B * T * Cc), fte = FloatBuffer(wte), fpe = FloatBuffer(wpe)
        tokens.withUnsafeBufferPointer { tk in
            embeddingForward(out.p, tk.baseAddress!, fte.c, fpe.c, batch: B, time: T, channels: Cc)
        }
        assertClose(out.doubles, ref(wte, wpe), rtol: 0, atol: 1e-6, "embedding forward")
        let gte = numericalGradient(wte) { dot(ref($0, wpe), dout) }
        let gpe = numericalGradient(wpe) { dot(ref(wte, $0), dout) }
        let dte = FloatBuffer(zeros: V * Cc), dpe = FloatBuffer(zeros: T * Cc), fd = FloatBuffer(dout)
        tokens.withUnsafeBufferPointer { tk in
            embeddingBackward(dte.p, dpe.p, fd.c, tk.baseAddress!, batch: B, time: T, channels: Cc)
        }
        assertClose(dte.doubles, gte, rtol: 1e-5, atol: 1e-6, "embedding dwte")
        assertClose(dpe.doubles, gpe, rtol: 1e-5, atol: 1e-6, "embedding dwpe")
    }

    func testCrossEntropyForwardAndBackward() {
        let V = 256, rows = 3
        let logits = toFloatExact(randomDoubles(rows * V, scale: 3, seed: 17))
        let targets: [UInt8] = [0, 255, 97]
        let buffer = FloatBuffer(logits), losses = FloatBuffer(zeros: rows)
        targets.withUnsafeBufferPointer { t in
            crossEntropyForward(buffer.p, losses.p, t.baseAddress!, rows: rows, vocab: V)
        }
        let ref = crossEntropyReference(logits: logits, targets: targets, rows: rows, vocab: V)
        assertClose(losses.doubles, ref, rtol: 1e-5, atol: 1e-5, "cross-entropy forward")
        for r in 0..<rows {   // the logits became probabilities
            XCTAssertEqual(buffer.doubles[r * V..<(r + 1) * V].reduce(0, +), 1, accuracy: 1e-5, "row \(r)")
        }
        let scale = 1.0 / Double(rows)
        let g = numericalGradient(logits) {
            crossEntropyReference(logits: $0, targets: targets, rows: rows, vocab: V).reduce(0, +) * scale
        }
        assertClose(crossEntropyBackwardReference(logits: logits, targets: targets, scale: scale, rows: rows, vocab: V),
                    g, rtol: 1e-6, atol: 1e-8, "reference cross-entropy gradient vs finite difference")
        targets.withUnsafeBufferPointer { t in
            crossEntropyBackward(buffer.p, t.baseAddress!, scale: Float(scale), rows: rows, vocab: V)
        }
        assertClose(buffer.doubles, g, rtol: 1e-4, atol: 1e-6, "cross-entropy backward")
    }

    func testCrossEntropyIsFiniteForHugeLogitsAndNaNPropagates() {
        let V = 4
        let losses = FloatBuffer(zeros: 1)
        let big = FloatBuffer([1e30, 0, -1e30, 5])
        [UInt8(0)].withUnsafeBufferPointer { t in
            crossEntropyForward(big.p, losses.p, t.baseAddress!, rows: 1, vocab: V)
        }
        XCTAssertEqual(losses.doubles[0], 0, accuracy: 1e-6)
        let bad = FloatBuffer([.nan, 0, 0, 0])
        [UInt8(1)].withUnsafeBufferPointer { t in
            crossEntropyForward(bad.p, losses.p, t.baseAddress!, rows: 1, vocab: V)
        }
        XCTAssertFalse(losses.doubles[0].isFinite)
    }

    func testAttentionForwardAndBackward() {
        // blockRows 2 splits T = 5 into blocks 2, 2, 1: the skipped upper blocks must not matter.
        for (B, T, Cc, NH, rows) in [(2, 5, 8, 2, attentionBlockRows), (2, 5, 8, 2, 2), (1, 4, 6, 3, 3)] {
            let qkv = toFloatExact(randomDoubles(B * T * 3 * Cc, seed: 18))
            let dout = toFloatExact(randomDoubles(B * T * Cc, seed: 19))
            let out = FloatBuffer(zeros: B * T * Cc), att = FloatBuffer(zeros: B * NH * T * T)
            let fq = FloatBuffer(qkv)
            att.p.update(repeating: .nan, count: B * NH * T * T)   // every entry must be written
            attentionForward(out.p, att.p, fq.c, batch: B, time: T, channels: Cc, heads: NH, blockRows: rows)
            let ref = attentionForwardReference(qkv: qkv, batch: B, time: T, channels: Cc, heads: NH)
            assertClose(out.doubles, ref, rtol: 1e-5, atol: 1e-5, "attention forward B\(B) T\(T) C\(Cc) NH\(NH) rows \(rows)")
            // Causality: every weight above the diagonal is exactly zero.
            for bh in 0..<(B * NH) { for i in 0..<T { for j in (i + 1)..<T where j < T {
                XCTAssertEqual(att.pointer[bh * T * T + i * T + j], 0)
            } } }
            let g = numericalGradient(qkv) {
                dot(attentionForwardReference(qkv: $0, batch: B, time: T, channels: Cc, heads: NH), dout)
            }
            let dq = FloatBuffer(zeros: qkv.count), scratch = FloatBuffer(zeros: T * T), fd = FloatBuffer(dout)
            scratch.p.update(repeating: .nan, count: T * T)
            attentionBackward(dq.p, scratch.p, fd.c, fq.c, att.c, batch: B, time: T, channels: Cc, heads: NH, blockRows: rows)
            assertClose(dq.doubles, g, rtol: 1e-4, atol: 1e-5, "attention backward B\(B) T\(T) C\(Cc) NH\(NH) rows \(rows)")
            attentionBackward(dq.p, scratch.p, fd.c, fq.c, att.c, batch: B, time: T, channels: Cc, heads: NH, blockRows: rows)
            assertClose(dq.doubles, g.map { 2 * $0 }, rtol: 1e-4, atol: 1e-5, "attention backward adds, rows \(rows)")
            dq.p.update(repeating: .nan, count: qkv.count)   // accumulate: false overwrites whatever was there
            attentionBackward(dq.p, scratch.p, fd.c, fq.c, att.c, batch: B, time: T, channels: Cc, heads: NH,
                              blockRows: rows, accumulate: false)
            assertClose(dq.doubles, g, rtol: 1e-4, atol: 1e-5, "attention backward, accumulate false, rows \(rows)")
        }
    }
}

final class FastMathAndParallelTests: XCTestCase {
    func testFastExpAndTanhAgainstFoundation() {
        var g = SeededGenerator(seed: 1)
        for _ in 0..<16000 {
            let x = Float(160 * g.nextUnit() - 80)
            let e = exp(Double(x))
            XCTAssertEqual(Double(fastExp(x)), e, accuracy: 4e-7 * e, "exp(\(x))")
            XCTAssertEqual(Double(fastTanh(x / 8)), tanh(Double(x / 8)), accuracy: 3e-7, "tanh(\(x / 8))")
        }
        XCTAssertTrue(fastExp(.nan).isNaN)
        XCTAssertEqual(fastExp(.infinity), Float(exp(88.0)), accuracy: 1e32)   // clamped, finite
        XCTAssertLessThan(fastExp(-.infinity), 1e-37)
        XCTAssertEqual(fastExp(0), 1)
        XCTAssertEqual(fastTanh(50), 1)
        XCTAssertEqual(fastTanh(-50), -1)
        XCTAssertTrue(fastTanh(.nan).isNaN)
    }

    /// The reductions behind softmax and its backward, against plain loops in Double.
    func testRowMaxSumAndDot() {
        for n in [1, 7, 8, 15, 16, 17, 40, 256] {
            let a = toFloatExact(randomDoubles(n, seed: UInt64(n))), b = toFloatExact(randomDoubles(n, seed: UInt64(n + 1)))
            let fa = FloatBuffer(a), fb = FloatBuffer(b)
            XCTAssertEqual(Double(rowMax(fa.c, count: n)), a.max()!, "max n \(n)")
            XCTAssertEqual(Double(rowSum(fa.c, count: n)), a.reduce(0, +), accuracy: 1e-5, "sum n \(n)")
            XCTAssertEqual(Double(rowDot(fa.c, fb.c, count: n)), zip(a, b).map { $0 * $1 }.reduce(0, +), accuracy: 1e-5, "dot n \(n)")
            fa.p[n - 1] = .nan   // a NaN is skipped by the max, as by Swift.max
            if n > 1 { XCTAssertEqual(Double(rowMax(fa.c, count: n)), a.dropLast().max()!, "max with NaN n \(n)") }
        }
    }

    /// Splitting the kernels across threads changes nothing but (at most) rounding.
    func testTwoThreadsMatchOneThread() throws {
        let shape = ModelShape(layers: 2, dModel: 64, heads: 4, context: 32)
        var results: [(Double, [Float])] = []
        for threads in [1, 2] {
            let model = try makeModel(shape, microBatch: 8, threads: threads)
            var rng = SeededGenerator(seed: 4)
            model.initialize(using: &rng)
            let x = (0..<256).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let y = (0..<256).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let loss = x.withUnsafeBufferPointer { xp in y.withUnsafeBufferPointer { yp in
                model.forward(inputs: xp.baseAddress!, targets: yp.baseAddress!, batch: 8) } }
            model.zeroGradients()
            model.backward(lossScale: 1)
            results.append((loss, Array(UnsafeBufferPointer(start: model.gradients, count: model.parameterCount))))
        }
        XCTAssertEqual(results[0].0, results[1].0, accuracy: 1e-6)
        assertClose(results[1].1.map(Double.init), results[0].1.map(Double.init), rtol: 1e-3, atol: 1e-7, "gradients, 2 threads vs 1")
    }
}
