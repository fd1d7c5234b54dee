import Foundation
@testable import LawFitting
import ScalingLaws
import Testing

/// Break detection (docs/science.md, §Emergence): a one-break broken power law against none, on
/// curves with and without a known break, and on Caballero et al.'s 4-digit addition.
@Suite struct BreakDetectionTests {
    /// `n` compute values, evenly spaced in log C from `from` to `to`.
    static func ladder(_ n: Int, from: Double, to: Double) -> [Double] {
        (0..<n).map { from * pow(to / from, Double($0) / Double(n - 1)) }
    }

    /// Values of `law` at `x` with multiplicative noise `exp(σ·z)`.
    static func noisy(_ law: Law, _ x: [Double], sigma: Double, seed: UInt64) -> [Double] {
        var rng = SplitMix64(seed: seed)
        return x.map { law(LawInput(C: $0)) * exp(sigma * rng.nextGaussian()) }
    }

    /// A curve flat at first, then falling fast past C = 1e14 (an "emergent" error rate), with 2%
    /// noise: the break is found, at its true place, inside its bootstrap interval.
    @Test(arguments: [UInt64(1), 2, 3])
    func findsAKnownBreak(seed: UInt64) throws {
        let truth = Law(BrokenPowerLaw(variable: .compute, breaks: 1),
                        parameters: [0.02, 1, 0, 1.2, 1e14, 0.2])   // a, b, c0, c1, d1, f1
        let x = Self.ladder(16, from: 1e12, to: 1e16)
        let y = Self.noisy(truth, x, sigma: 0.02, seed: seed)
        let result = try BreakDetection.run(x: x, y: y, bootstrap: BootstrapOptions(samples: 100, seed: seed))
        print("known break, seed \(seed): \(result.verdict); gain \(result.aiccGain)")
        #expect(result.found, "\(result.verdict)")
        let interval = try #require(result.locationInterval)
        #expect(interval[0] <= 1e14 && 1e14 <= interval[1], "truth outside \(interval)")
        #expect(interval[0] <= result.location && result.location <= interval[1])
        #expect(abs(log10(result.location / 1e14)) < 0.3, "location \(result.location)")
    }

    /// A smooth saturating power law with the same noise: no break is needed.
    @Test(arguments: [UInt64(1), 2, 3])
    func findsNoBreakInASmoothCurve(seed: UInt64) throws {
        let truth = Law(BrokenPowerLaw(variable: .compute, breaks: 0), parameters: [0.05, 3e3, 0.3])
        let x = Self.ladder(16, from: 1e12, to: 1e16)
        let y = Self.noisy(truth, x, sigma: 0.02, seed: seed)
        let result = try BreakDetection.run(x: x, y: y)
        print("no break, seed \(seed): \(result.verdict); gain \(result.aiccGain)")
        #expect(!result.found, "\(result.verdict)")
        #expect(result.smooth.rmseLog < 0.03)
    }

    /// Caballero et al.'s 4-digit addition (train set size against test cross-entropy): the loss
    /// is flat near 2.1 nats, then drops from about 544 examples on. A break is found there.
    @Test func findsTheBreakOfFourDigitAddition() throws {
        let rows = try Fixtures.bnslAddition()
        let result = try BreakDetection.run(x: rows.map { $0.tokens! }, y: rows.map(\.loss), variable: .tokens,
                                            bootstrap: BootstrapOptions(samples: 100))
        print("4-digit addition: \(result.verdict); no-break RMSLE \(result.smooth.rmseLog), break RMSLE \(result.broken.rmseLog)")
        #expect(result.found, "\(result.verdict)")
        #expect((450...750).contains(result.location), "\(result.location)")
        let interval = try #require(result.locationInterval)
        #expect(interval[0] <= result.location && result.location <= interval[1])
        #expect(result.broken.rmseLog < 0.02 && result.smooth.rmseLog > 0.1)
    }

    /// Too few points, or a value that is not positive, is refused with what to fix.
    @Test func refusesUnusableCurves() {
        #expect(throws: FitError.self) { try BreakDetection.run(x: [1, 2, 3], y: [1, 1, 1]) }
        let x = Self.ladder(8, from: 1, to: 100)
        #expect(throws: FitError.self) { try BreakDetection.run(x: x, y: [1, 1, 1, 0, 1, 1, 1, 1]) }
        do { _ = try BreakDetection.run(x: x, y: [1, 1, 1, 0, 1, 1, 1, 1]) } catch {
            #expect("\(error)".contains("point 4 has 0"))
        }
    }

    /// AICc as written: n·ln(RSS/n) + 2k + 2k(k+1)/(n−k−1).
    @Test func aiccFormula() {
        // n = 10, k = 3, RSS = 10·0.1² = 0.1: 10·ln(0.01) + 6 + 24/6.
        #expect(abs(BreakDetection.aicc(rmseLog: 0.1, points: 10, parameters: 3) - (10 * log(0.01) + 6 + 4)) < 1e-12)
    }
}
