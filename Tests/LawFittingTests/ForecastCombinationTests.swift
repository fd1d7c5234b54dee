import LawFitting
import ScalingLaws
import Testing

/// The back-test-weighted combination of two forecasts: exact on its back-test, and exact at the
/// forecast whenever the two laws' biases keep their ratio.
struct ForecastCombinationTests {
    @Test func oppositeErrorsCancelOnTheBacktest() throws {
        let c = try #require(ForecastCombination(backtestErrors: 0.04, -0.02))
        #expect(abs(c.weight - 1.0 / 3) < 1e-15)
        #expect(abs(c.combine(0.04, -0.02)) < 1e-15)
        #expect(c.backtestErrors == [0.04, -0.02])
        // Swapping the laws swaps the weights.
        let d = try #require(ForecastCombination(backtestErrors: -0.02, 0.04))
        #expect(abs(d.weight - 2.0 / 3) < 1e-15)
    }

    @Test(arguments: 0..<50) func everyOppositePairGivesAWeightInTheUnitIntervalThatCancels(seed: Int) throws {
        var g = SplitMix64(seed: UInt64(seed))
        let e1 = Double.random(in: 0.001...0.2, using: &g), e2 = -Double.random(in: 0.001...0.2, using: &g)
        let c = try #require(ForecastCombination(backtestErrors: e1, e2))
        #expect(c.weight >= 0 && c.weight <= 1)
        #expect(abs(c.combine(e1, e2)) < 1e-15, "seed \(seed): \(e1), \(e2) → \(c.weight)")
        // Biases k times the back-test's (same ratio) cancel at the forecast too.
        let measured = 1.5, k = Double.random(in: 0.5...3, using: &g)
        let forecast = c.combine(measured * (1 + k * e1), measured * (1 + k * e2))
        #expect(abs(forecast - measured) < 1e-12, "seed \(seed)")
    }

    @Test func sameSignErrorsPickTheSmallerOne() throws {
        #expect(ForecastCombination(backtestErrors: 0.01, 0.05)?.weight == 1)
        #expect(ForecastCombination(backtestErrors: -0.05, -0.01)?.weight == 0)
        #expect(ForecastCombination(backtestErrors: 0.03, 0.03)?.weight == 0.5)
        // An exact law keeps all the weight.
        #expect(ForecastCombination(backtestErrors: 0, 0.05)?.weight == 1)
        #expect(ForecastCombination(backtestErrors: -0.05, 0)?.weight == 0)
    }

    @Test func nonFiniteErrorsGiveNoCombination() {
        #expect(ForecastCombination(backtestErrors: .nan, 0.01) == nil)
        #expect(ForecastCombination(backtestErrors: 0.01, -.infinity) == nil)
    }

    @Test func intervalsCombineEndByEnd() throws {
        let c = try #require(ForecastCombination(backtestErrors: 0.03, -0.01))   // weight 1/4
        let i = c.combine(interval: [1.6, 1.8], [1.4, 1.6])
        #expect(abs(i[0] - 1.45) < 1e-12 && abs(i[1] - 1.65) < 1e-12)
    }
}
