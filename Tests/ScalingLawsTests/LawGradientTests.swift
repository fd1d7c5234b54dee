import XCTest
@testable import ScalingLaws

/// Every form's analytic gradient against central finite differences, at random valid parameter
/// points and inputs (seeded; the failing seed and point are in the message).
final class LawGradientTests: XCTestCase {
    /// Central difference with a relative step h·max(|p|, 1e-3); compares to the analytic
    /// gradient with a tolerance of 1e-5 relative to the gradient's norm.
    func checkGradient(_ form: any LawFormula, _ p: [Double], _ x: LawInput, _ label: String,
                       file: StaticString = #filePath, line: UInt = #line) {
        var g = [Double](repeating: .nan, count: p.count)
        let value = form.value(p, at: x, gradient: &g)
        XCTAssertEqual(value, form.value(p, at: x), accuracy: 1e-12 * abs(value), "\(label): value", file: file, line: line)
        let norm = max(g.map { $0 * $0 }.reduce(0, +).squareRoot(), 1e-300)
        for j in p.indices {
            let h = 1e-6 * max(abs(p[j]), 1e-3)
            var plus = p, minus = p
            plus[j] += h
            minus[j] -= h
            let numeric = (form.value(plus, at: x) - form.value(minus, at: x)) / (2 * h)
            XCTAssertEqual(g[j], numeric, accuracy: 1e-5 * norm + 1e-7 * abs(numeric),
                           "\(label): ∂/∂\(form.parameterNames[j]) at p = \(p), x = \(x)", file: file, line: line)
        }
    }

    func uniform(_ r: ClosedRange<Double>, _ rng: inout SplitMix64) -> Double { Double.random(in: r, using: &rng) }
    func logUniform(_ r: ClosedRange<Double>, _ rng: inout SplitMix64) -> Double { _exp(Double.random(in: _log(r.lowerBound)..._log(r.upperBound), using: &rng)) }

    func testSaturatingAndKaplanPowerLaws() {
        var rng = SplitMix64(seed: 1)
        for seed in 0..<25 {
            for v in ScaleVariable.allCases {
                let x = LawInput(N: logUniform(1e6...1e11, &rng), D: logUniform(1e8...1e13, &rng),
                                 C: logUniform(1e17...1e25, &rng), U: logUniform(1e8...1e12, &rng))
                checkGradient(SaturatingPowerLaw(variable: v),
                              [uniform(0.5...3, &rng), logUniform(10...1e4, &rng), uniform(0.05...0.8, &rng)], x, "power seed \(seed)")
                checkGradient(KaplanPowerLaw(variable: v),
                              [logUniform(1e10...1e30, &rng), uniform(0.02...0.3, &rng)], x, "kaplan seed \(seed)")
            }
        }
    }

    func testKaplanJointAndChinchilla() {
        var rng = SplitMix64(seed: 2)
        for seed in 0..<50 {
            let x = LawInput(N: logUniform(1e6...1e11, &rng), D: logUniform(1e8...1e13, &rng))
            checkGradient(KaplanJointLaw(), [logUniform(1e12...1e15, &rng), logUniform(1e12...1e15, &rng),
                                             uniform(0.05...0.2, &rng), uniform(0.05...0.2, &rng)], x, "kaplan-nd seed \(seed)")
            checkGradient(ChinchillaLaw(), [uniform(1...2.5, &rng), logUniform(100...3000, &rng), logUniform(100...3000, &rng),
                                            uniform(0.2...0.6, &rng), uniform(0.2...0.6, &rng)], x, "chinchilla seed \(seed)")
            checkGradient(ChinchillaLaw(tiedExponents: true), [uniform(1...2.5, &rng), logUniform(100...3000, &rng),
                                                               logUniform(100...3000, &rng), uniform(0.2...0.6, &rng)],
                          x, "chinchilla-tied seed \(seed)")
        }
    }

    /// Points in every regime: D < U and D > U; N below and above N_opt(U) (the cap active).
    func testDataConstrained() {
        var rng = SplitMix64(seed: 3)
        let form = DataConstrainedLaw()
        var capped = 0, repeated = 0
        for seed in 0..<100 {
            let p = [uniform(1...2.5, &rng), logUniform(100...1000, &rng), logUniform(100...3000, &rng),
                     uniform(0.25...0.5, &rng), uniform(0.25...0.5, &rng), uniform(2...30, &rng), uniform(2...30, &rng)]
            let U = logUniform(1e7...1e10, &rng)
            let Nopt = ChinchillaParameters(p).optimalParameters(tokens: U)
            // Half the points above the cap (up to 50×), half below; D from U/10 to 100·U.
            let N = seed % 2 == 0 ? Nopt * uniform(1.05...50, &rng) : Nopt * uniform(0.02...0.95, &rng)
            let D = U * logUniform(0.1...100, &rng)
            if N > Nopt { capped += 1 }
            if D > U { repeated += 1 }
            checkGradient(form, p, LawInput(N: N, D: D, U: U), "data-constrained seed \(seed)")
        }
        XCTAssertGreaterThan(capped, 30)
        XCTAssertGreaterThan(repeated, 30)
    }

    func testBrokenPowerLaw() {
        var rng = SplitMix64(seed: 4)
        for seed in 0..<30 {
            for breaks in 0...3 {
                var p = [logUniform(1e-3...1, &rng), logUniform(0.1...10, &rng), uniform(-0.5...0.5, &rng)]
                for _ in 0..<breaks { p += [uniform(-2...4, &rng), logUniform(10...1e4, &rng), logUniform(0.05...2, &rng)] }
                let x = LawInput(D: logUniform(1...1e5, &rng))
                checkGradient(BrokenPowerLaw(variable: .tokens, breaks: breaks), p, x, "bnsl-\(breaks) seed \(seed)")
            }
        }
    }
}
