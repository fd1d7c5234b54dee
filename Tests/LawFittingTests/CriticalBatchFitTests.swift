import Foundation
@testable import LawFitting
import ScalingLaws
import Testing

/// Kaplan's critical batch B_crit(L) = B*/L^(1/α_B) and learning-curve law L(N, S_min), fitted
/// to synthetic ladders drawn from known constants (docs/science.md, §The gradient noise scale).
@Suite struct CriticalBatchFitTests {
    static let truth = CriticalBatchLaw(bStar: 3e4, alphaB: 0.3)
    static let steps = KaplanStepsLaw(nc: 5e9, alphaN: 0.12, sc: 40, alphaS: 0.8)
    static let sizes: [Double] = [2e4, 5e4, 1.2e5, 3e5, 7e5, 1.5e6]

    /// A ladder of learning curves: each size trains with batch `batch`; S_min is drawn first, the
    /// loss follows from the steps law, S from S_min (Kaplan's Eq. 5.4 turned round), and each
    /// point's noise scale is B_crit(L)·e^ε with ε ~ N(0, noise²), the loss L·e^δ, δ ~ N(0, lossNoise²).
    static func ladder(seed: UInt64, noise: Double = 0.15, lossNoise: Double = 0.003, batch: Double = 2048) -> [CriticalBatchFit.Point] {
        var rng = SplitMix64(seed: seed)
        func normal() -> Double {
            let u = max(Double(rng.next() >> 11) / 0x1p53, 1e-300), v = Double(rng.next() >> 11) / 0x1p53
            return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
        }
        var points: [CriticalBatchFit.Point] = []
        for (r, n) in sizes.enumerated() {
            for k in 0..<12 {
                let sMin = 20 * pow(10, Double(k) * 2.5 / 11)
                let loss = steps.loss(parameters: n, minimumSteps: sMin)
                let s = sMin * (1 + truth.criticalBatch(loss: loss) / batch)
                points.append(.init(run: Int64(r), parameters: n, steps: s.rounded(), batch: batch, loss: loss * exp(lossNoise * normal()),
                                    noiseScale: truth.criticalBatch(loss: loss) * exp(noise * normal())))
            }
        }
        return points
    }

    @Test func recoversTheCriticalBatchLawAndFindsNoSizeDependence() throws {
        let r = try CriticalBatchFit.fitCriticalBatch(Self.ladder(seed: 1), bootstrap: 300, seed: 2)
        #expect(abs(r.law.alphaB / Self.truth.alphaB - 1) < 0.1, "α_B \(r.law.alphaB)")
        #expect(abs(log(r.law.bStar / Self.truth.bStar)) < 0.3, "B* \(r.law.bStar)")
        #expect(r.points == 72 && r.runs == 6 && r.resamples == 300)
        let a = try #require(r.alphaBInterval), t = try #require(r.sizeExponentInterval)
        #expect(a[0] < Self.truth.alphaB && Self.truth.alphaB < a[1], "α_B interval \(a)")
        #expect(t[0] < 0 && 0 < t[1], "the truth has no size dependence: \(t)")
        #expect(abs(r.rmseLog - 0.15) < 0.05)
    }

    /// 90% intervals of α_B cover the truth in about 90% of 200 synthetic ladders (a cluster
    /// bootstrap over 6 runs: allowed 80–97%).
    @Test func alphaBIntervalsCoverAtAboutTheirLevel() throws {
        var covered = 0
        for seed in 0..<200 as Range<UInt64> {
            let r = try CriticalBatchFit.fitCriticalBatch(Self.ladder(seed: 1000 + seed), bootstrap: 200, seed: seed)
            if let a = r.alphaBInterval, a[0] <= Self.truth.alphaB, Self.truth.alphaB <= a[1] { covered += 1 }
        }
        #expect((160...194).contains(covered), "covered \(covered) of 200")
    }

    @Test func recoversKaplansStepsLawGivenTheBatchLaw() throws {
        let points = Self.ladder(seed: 3)
        let batch = try CriticalBatchFit.fitCriticalBatch(points, bootstrap: 0)
        let r = try CriticalBatchFit.fitSteps(points, batchLaw: batch.law, fromFraction: 0, bootstrap: 50, seed: 4)
        #expect(abs(r.law.alphaN / Self.steps.alphaN - 1) < 0.15, "α_N \(r.law.alphaN)")
        #expect(abs(r.law.alphaS / Self.steps.alphaS - 1) < 0.1, "α_S \(r.law.alphaS)")
        #expect(r.rmseLog < 0.01, "rmse \(r.rmseLog)")
        #expect(r.intervals.count == 4 && r.resamples >= 45)
        // With the true batch law the fit is tighter still, and the published law is far off ours.
        let exact = try CriticalBatchFit.fitSteps(points, batchLaw: Self.truth, fromFraction: 0, bootstrap: 0)
        #expect(abs(exact.law.alphaS / Self.steps.alphaS - 1) < 0.05, "α_S \(exact.law.alphaS)")
        // The first 10% of each run is left out by default.
        let late = try CriticalBatchFit.fitSteps(points, batchLaw: Self.truth, bootstrap: 0)
        #expect(late.points < exact.points && late.fromFraction == 0.1)
    }

    @Test func saysWhatIsMissing() throws {
        let points = Self.ladder(seed: 5)
        #expect(throws: FitError.self) { try CriticalBatchFit.fitCriticalBatch(points.map { var p = $0; p.noiseScale = nil; return p }) }
        do {
            _ = try CriticalBatchFit.fitCriticalBatch(points.map { var p = $0; p.noiseScale = 1e3 * p.loss; return p })
            Issue.record("a noise scale that falls with the loss has no B_crit(L) law")
        } catch let e as FitError { #expect(e.description.contains("does not grow as the loss falls")) }
        do {
            _ = try CriticalBatchFit.fitSteps(points.filter { $0.run == 0 }, batchLaw: Self.truth)
            Issue.record("one size cannot separate N_c from S_c")
        } catch let e as FitError { #expect(e.description.contains("2 or more sizes")) }
    }
}
