import XCTest
@testable import Trainer

/// Random values in [-scale, scale] from a seeded generator.
func randomDoubles(_ n: Int, scale: Double = 1, seed: UInt64) -> [Double] {
    var g = SeededGenerator(seed: seed)
    return (0..<n).map { _ in (2 * g.nextUnit() - 1) * scale }
}

/// Central-difference gradient of `f` at `x`, in Double: `(f(x + h·e_i) − f(x − h·e_i)) / 2h`.
func numericalGradient(_ x: [Double], h: Double = 1e-5, _ f: ([Double]) -> Double) -> [Double] {
    var x = x
    var g = [Double](repeating: 0, count: x.count)
    for i in x.indices {
        let x0 = x[i]
        x[i] = x0 + h; let fp = f(x)
        x[i] = x0 - h; let fm = f(x)
        x[i] = x0
        g[i] = (fp - fm) / (2 * h)
    }
    return g
}

/// `Σ a_i·w_i`, the scalar a projection turns an output tensor into, so `dout = w`.
func dot(_ a: [Double], _ w: [Double]) -> Double { zip(a, w).reduce(0) { $0 + $1.0 * $1.1 } }

/// Fails unless every |a_i − b_i| ≤ atol + rtol·|b_i|; reports the worst index.
func assertClose(_ a: [Double], _ b: [Double], rtol: Double, atol: Double, _ what: String,
                 file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, "\(what): sizes differ", file: file, line: line)
    var worst = -1, worstExcess = 0.0
    for i in a.indices {
        let excess = abs(a[i] - b[i]) - (atol + rtol * abs(b[i]))
        if excess > worstExcess { worstExcess = excess; worst = i }
    }
    if worst >= 0 {
        XCTFail("\(what): index \(worst) got \(a[worst]) expected \(b[worst])", file: file, line: line)
    }
}

/// A Float buffer initialized from Doubles, living for the duration of `body`.
final class FloatBuffer {
    let pointer: UnsafeMutablePointer<Float>
    let count: Int
    init(_ values: [Double]) {
        count = values.count
        pointer = .allocate(capacity: max(1, count))
        for i in 0..<count { pointer[i] = Float(values[i]) }
    }
    convenience init(zeros n: Int) { self.init([Double](repeating: 0, count: n)) }
    var doubles: [Double] { (0..<count).map { Double(pointer[$0]) } }
    var p: UnsafeMutablePointer<Float> { pointer }
    var c: UnsafePointer<Float> { UnsafePointer(pointer) }
    deinit { pointer.deallocate() }
}

func toFloatExact(_ xs: [Double]) -> [Double] { xs.map { Double(Float($0)) } }

/// Trains `config` on `corpus`, stops it after `stopAt` steps (as Ctrl-C does) with its checkpoint
/// at `checkpoint`, then resumes it from there: the interrupted record and the resumed one.
func trainInterruptedThenResumed(_ config: TrainingConfig, corpus: Corpus, stopAt: Int,
                                 checkpoint path: String) throws -> (first: RunRecord, resumed: RunRecord) {
    let stop = StopRequest()
    let first = try train(config, corpus: corpus, options: TrainingOptions(
        version: "test", checkpointPath: path, stop: stop, progress: { p in if p.step == stopAt { stop.request() } }))
    let resumed = try train(config, corpus: corpus, options: TrainingOptions(version: "test", checkpointPath: path, resume: true))
    return (first, resumed)
}

/// A fresh temporary directory named `<prefix>-<UUID>`, removed by the caller.
func makeTemporaryDirectory(_ prefix: String) throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}

/// A one-layer d=16 transformer on 16-byte contexts, batch 4 in micro-batches of 2, 4 curve points:
/// the tiny run the training tests train.
func tinyTrainingConfig(tokens: Int = 16 * 32 * 12, threads: Int = 1) -> TrainingConfig {
    let shape = ModelShape(layers: 1, dModel: 16, heads: 2, context: 16)
    var h = Hyperparameters.defaults(for: shape, tokens: tokens)
    h.batch = 4; h.microBatch = 2; h.learningRate = 3e-3; h.warmupTokens = 128
    var c = TrainingConfig(shape: shape, tokens: tokens, seed: 9, hyperparameters: h, threads: threads)
    c.curvePoints = 4
    c.curveValidationBytes = 512
    return c
}
