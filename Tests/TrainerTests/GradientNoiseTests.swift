import XCTest
import Foundation
@testable import Trainer

/// The gradient noise scale (McCandlish et al. 2018): its estimators against gradients of known
/// mean and covariance, the trainer's measurement against a direct computation, and the promise
/// that measuring changes no loss.
final class GradientNoiseTests: XCTestCase {
    let markov = MarkovSource(order: 2, alphabet: 6, sharpness: 3, seed: 42)

    func tinyConfig() -> TrainingConfig { tinyTrainingConfig() }

    /// Per-example gradients g = G + ε with ε ~ N(0, diag σ²): averaged over many steps, the two
    /// estimators recover |G|² and tr(Σ) = Σσ², and their ratio B_simple.
    func testEstimatorsRecoverKnownGradientAndTrace() {
        var rng = SplitMix64Test(seed: 7)
        let dims = 40
        let G = (0..<dims).map { Double($0 % 7) * 0.05 - 0.1 }
        let sigma = (0..<dims).map { 0.2 + 0.02 * Double($0 % 5) }
        let trueG2 = G.map { $0 * $0 }.reduce(0, +), trueTrace = sigma.map { $0 * $0 }.reduce(0, +)
        var window = GradientNoiseWindow()
        let (bs, bb) = (2, 16)
        for _ in 0..<6000 {
            var small = [Double](repeating: 0, count: dims), big = small
            for b in 0..<bb {
                for j in 0..<dims {
                    let g = G[j] + sigma[j] * rng.normal()
                    big[j] += g / Double(bb)
                    if b < bs { small[j] += g / Double(bs) }
                }
            }
            window.add(smallSquaredNorm: small.map { $0 * $0 }.reduce(0, +), bigSquaredNorm: big.map { $0 * $0 }.reduce(0, +),
                       smallBatch: Double(bs), bigBatch: Double(bb))
        }
        let s = window.summary!
        XCTAssertEqual(s.measurements, 6000)
        XCTAssertEqual(s.gradientSquaredNorm, trueG2, accuracy: 0.06 * trueG2)
        XCTAssertEqual(s.trace, trueTrace, accuracy: 0.03 * trueTrace)
        XCTAssertEqual(s.simpleNoiseScale!, trueTrace / trueG2, accuracy: 0.08 * trueTrace / trueG2)
        // One step's estimate of |G|² can be negative; the ratio is then not reported.
        XCTAssertNil(GradientNoise(measurements: 1, gradientSquaredNorm: -0.1, trace: 2).simpleNoiseScale)
    }

    /// The trainer's measurement: the step's gradient comes back bitwise, and the squared norms
    /// it used are those of the batch's gradient and of its first sequence's, computed directly.
    func testMeasurementUsesFirstSequenceAndRestoresGradient() throws {
        let shape = ModelShape(layers: 1, dModel: 16, heads: 2, context: 16)
        let model = try makeModel(shape, microBatch: 4)
        var rng = SeededGenerator(seed: 3)
        model.initialize(using: &rng)
        let data = markov.generate(count: 4 * 17, seed: 5).bytes
        var inputs = [UInt8](repeating: 0, count: 4 * 16), targets = inputs
        for b in 0..<4 { for t in 0..<16 { inputs[b * 16 + t] = data[b * 17 + t]; targets[b * 16 + t] = data[b * 17 + t + 1] } }
        let n = model.parameterCount
        func gradient(batch: Int) -> [Float] {
            model.zeroGradients()
            _ = model.forward(inputs: inputs, targets: targets, batch: batch)
            model.backward(lossScale: 1)
            return Array(UnsafeBufferPointer(start: model.gradients, count: n))
        }
        let one = gradient(batch: 1), all = gradient(batch: 4)
        let saved = UnsafeMutablePointer<Float>.allocate(capacity: n)
        defer { saved.deallocate() }
        var window = GradientNoiseWindow()
        measureGradientNoise(model, inputs: inputs, targets: targets, smallSequences: 1, batch: 4, saved: saved, threads: 1, into: &window)
        XCTAssertEqual(Array(UnsafeBufferPointer(start: model.gradients, count: n)), all, "the step's gradient must come back bitwise")
        func sq(_ g: [Float]) -> Double { g.map { Double($0) * Double($0) }.reduce(0, +) }
        var expected = GradientNoiseWindow()
        expected.add(smallSquaredNorm: sq(one), bigSquaredNorm: sq(all), smallBatch: 16, bigBatch: 64)
        XCTAssertEqual(window.measurements, 1)
        XCTAssertEqual(window.gradientSquaredNormSum, expected.gradientSquaredNormSum, accuracy: 1e-6 * abs(expected.gradientSquaredNormSum) + 1e-9)
        XCTAssertEqual(window.traceSum, expected.traceSum, accuracy: 1e-6 * abs(expected.traceSum))
        XCTAssertGreaterThan(window.traceSum, 0, "one sequence's gradient is noisier than four's")
    }

    /// Measuring changes no loss; every curve point after the first measured step reports a
    /// window; a resumed run reports the same windows as an uninterrupted one.
    func testMeasuringChangesNoLossAndResumesBitwise() throws {
        let corpus = markov.generate(count: 20_000, seed: 1)
        let plain = try train(tinyConfig(), corpus: corpus, options: TrainingOptions(version: "test"))
        var config = tinyConfig(); config.noiseScaleEvery = 2
        let measured = try train(config, corpus: corpus, options: TrainingOptions(version: "test"))
        XCTAssertEqual(measured.stepLosses, plain.stepLosses)
        XCTAssertEqual(measured.finalValidationLoss, plain.finalValidationLoss)
        XCTAssertNil(plain.learningCurve.last?.gradientNoise)
        let windows = measured.learningCurve.compactMap(\.gradientNoise)
        XCTAssertEqual(windows.map(\.measurements).reduce(0, +), config.steps / 2, "every second step measured, each in one window")
        XCTAssertTrue(windows.allSatisfy { $0.trace > 0 && $0.trace.isFinite }, "\(windows)")

        let dir = try makeTemporaryDirectory("scalelab-noise")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (first, resumed) = try trainInterruptedThenResumed(config, corpus: corpus, stopAt: 7,
                                                               checkpoint: dir.appendingPathComponent("run.ckpt").path)
        XCTAssertEqual(first.status, .interrupted)
        XCTAssertEqual(resumed.learningCurve, measured.learningCurve)

        let data = try RunRecord.jsonEncoder(pretty: false).encode(measured)
        XCTAssertEqual(try JSONDecoder().decode(RunRecord.self, from: data).learningCurve, measured.learningCurve)
    }

    func testNeedsTwoSequencesAndAPositivePeriod() {
        var config = tinyConfig(); config.noiseScaleEvery = 0
        XCTAssertThrowsError(try config.validate()) { XCTAssertTrue("\($0)".contains("--noise-scale-every must be at least 1"), "\($0)") }
        config.noiseScaleEvery = 1; config.hyperparameters.batch = 1; config.hyperparameters.microBatch = 1
        XCTAssertThrowsError(try config.validate()) { XCTAssertTrue("\($0)".contains("--batch of at least 2"), "\($0)") }
    }
}

/// Normal draws for the estimator test (Box–Muller on SplitMix64).
struct SplitMix64Test {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func uniform() -> Double { Double(next() >> 11) / Double(1 << 53) }
    mutating func normal() -> Double {
        let u = max(uniform(), 1e-300), v = uniform()
        return (-2 * Foundation.log(u)).squareRoot() * Foundation.cos(2 * Double.pi * v)
    }
}
