import Foundation
import XCTest
import Analysis
import LawFitting
import ScalingLaws

/// Do the nominal 90% intervals of `scalelab fit` hold the truth about 90% of the time on a
/// ladder like the demo's? (docs/forecasting.md, §Calibration.)
final class CoverageStudyTests: XCTestCase {
    /// Exploration: SCALELAB_COVERAGE_SETS=200 SCALELAB_COVERAGE_FIRST=0 SCALELAB_COVERAGE_NOISE=0.01
    func testExploreCoverage() throws {
        let env = ProcessInfo.processInfo.environment
        guard let sets = env["SCALELAB_COVERAGE_SETS"].flatMap(UInt64.init) else { throw XCTSkip("exploration only") }
        let first = env["SCALELAB_COVERAGE_FIRST"].flatMap(UInt64.init) ?? 0
        let noise = env["SCALELAB_COVERAGE_NOISE"].flatMap(Double.init) ?? 0.01
        var study = CoverageStudy(design: try CoverageStudy.demoDesign(), noise: noise)
        study.resampling = env["SCALELAB_COVERAGE_RESAMPLING"].flatMap(BootstrapResampling.init(rawValue:))
        print(study.design.map { String(format: "N %.3g D %.3g", $0.N, $0.D) }.joined(separator: "; "))
        let clock = ContinuousClock.now
        let tallies = try study.run(seeds: first..<(first + sets))
        print("coverage over \(sets) sets from seed \(first), noise \(noise), \(study.resampling.map(\.rawValue) ?? "default") resampling, \(ContinuousClock.now - clock)\n" + study.table(tallies))
    }
}
