import XCTest
import Foundation
@testable import Lab
import Trainer

/// Gradient noise on curve points (schema 6): from ScaleLab's trainer and from any trainer's
/// result file, into both stores, and refused when half given.
final class GradientNoiseStoreTests: XCTestCase {
    func testTheTrainersNoiseWindowsAreStoredWithTheirCurvePoints() throws {
        for (store, _) in try newStores(self) {
            var config = tinyConfig(); config.noiseScaleEvery = 1
            let (_, runs) = try store.insert(testSweep(), runs: [testQueuedRun(config)])
            let id = runs[0].id!
            let record = try train(config, corpus: syntheticCorpus(), options: TrainingOptions(version: "test"))
            XCTAssertFalse(record.learningCurve.compactMap(\.gradientNoise).isEmpty)
            try store.record(run: id, record)
            let curve = try store.curve(run: id)
            XCTAssertEqual(curve.map(\.gradientNoise), record.learningCurve.map(\.gradientNoise), store.backendName)
            XCTAssertEqual(try store.curves()[id]?.map { $0.noiseMeasurements }, record.learningCurve.map { $0.gradientNoise?.measurements })
        }
    }

    func testATrainerResultsNoiseIsStoredAndHalfOfItRefused() throws {
        for (store, _) in try newStores(self) {
            let (_, runs) = try store.insert(testSweep(), runs: [testQueuedRun(tinyConfig())])
            let id = runs[0].id!
            var point = TrainerResult.CurvePoint(tokens: 5000, loss: 2.5, step: 10)
            point.gradientSquaredNorm = 0.02; point.gradientNoiseTrace = 40; point.noiseMeasurements = 5
            let result = TrainerResult(status: .completed, finalLoss: 2.5, parameters: 1000, tokens: 5000,
                                       learningCurve: [.init(tokens: 2500, loss: 3, step: 5), point])
            XCTAssertNil(result.problem())
            try store.record(run: id, trainer: result)
            let curve = try store.curve(run: id)
            XCTAssertNil(curve[0].gradientNoise)
            XCTAssertEqual(curve[1].gradientNoise, GradientNoise(measurements: 5, gradientSquaredNorm: 0.02, trace: 40), store.backendName)
            XCTAssertEqual(curve[1].gradientNoise?.simpleNoiseScale ?? 0, 2000, accuracy: 1e-9)

            var half = result
            half.learningCurve![1].gradientNoiseTrace = nil
            XCTAssertEqual(half.problem(), "learning_curve[1] gives one of gradient_squared_norm and gradient_noise_trace; give both (the noise scale is their ratio) or neither")
            var bad = result
            bad.learningCurve![1].noiseMeasurements = 0
            XCTAssertEqual(bad.problem(), "learning_curve[1].noise_measurements must be at least 1, got 0")
        }
    }
}
