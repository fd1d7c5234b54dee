import XCTest
@testable import ScalingLaws

final class PlanningTests: XCTestCase {
    let hoffmann = PublishedLaws.hoffmann2022
    let muennighoff = DataConstrainedParameters(PublishedLaws.muennighoff2023)

    /// docs/science.md, §Known answers: Hoffmann's rounded constants at C = 5.76e23 give N_opt ≈ 3.22e10, D_opt ≈ 2.98e12.
    func testHoffmannClosedFormKnownAnswer() throws {
        let plan = try hoffmann.computeOptimalPlan(compute: 5.76e23)
        XCTAssertEqual(plan.parameters, 3.22e10, accuracy: 0.005e10)
        XCTAssertEqual(plan.tokens, 2.98e12, accuracy: 0.005e12)
        XCTAssertEqual(6 * plan.parameters * plan.tokens, 5.76e23, accuracy: 1e-12 * 5.76e23)
        XCTAssertEqual(plan.loss, hoffmann.loss(parameters: plan.parameters, tokens: plan.tokens))
    }

    func testInverseRoundTripsCompute() throws {
        for law in [PublishedLaws.hoffmann2022, PublishedLaws.epoch2024, muennighoff.chinchilla] {
            for C in [1e15, 3e19, 5.76e23, 1e27, 1e32] {
                let loss = try law.computeOptimalPlan(compute: C).loss
                let back = try law.minimumCompute(targetLoss: loss)
                XCTAssertEqual(back.compute, C, accuracy: 1e-9 * C, "C = \(C), law \(law)")
            }
            // Against the closed form along the frontier: L − E = K·(C/6)^(−αβ/(α+β)).
            let K = law.A * _pow(law.G, -law.alpha) + law.B * _pow(law.G, law.beta)
            let gamma = law.alpha * law.beta / (law.alpha + law.beta)
            let target = law.E + 0.3
            let expected = 6 * _pow(0.3 / K, -1 / gamma)
            XCTAssertEqual(try law.minimumCompute(targetLoss: target).compute, expected, accuracy: 1e-12 * expected)
        }
    }

    func testInverseRejectsTargetsAtOrBelowE() {
        for target in [1.69, 1.5, -1] {
            XCTAssertThrowsError(try hoffmann.minimumCompute(targetLoss: target)) { error in
                XCTAssertEqual(error as? PlanningError, .targetLossNotAboveIrreducible(target: target, irreducible: 1.69))
                XCTAssertTrue("\(error)".contains("irreducible loss E = 1.69"))
            }
        }
        XCTAssertThrowsError(try hoffmann.computeOptimalPlan(compute: 0))
        XCTAssertThrowsError(try hoffmann.computeOptimalPlan(compute: -1e20))
    }

    /// The two published values of Muennighoff et al.'s C4 law (docs/science.md, §Known answers).
    func testMuennighoffPublishedValues() {
        XCTAssertEqual(muennighoff.loss(parameters: 6.34e9, tokens: 242e9, uniqueTokens: 25e9), 2.2256440889984477, accuracy: 1e-9)
        XCTAssertEqual(muennighoff.loss(parameters: 8.67e9, tokens: 178e9, uniqueTokens: 25e9), 2.2269634075087867, accuracy: 1e-9)
    }

    func testDataConstrainedWithUnlimitedDataIsChinchilla() throws {
        for C in [1e18, 1e21, 1e24] {
            let plan = try muennighoff.optimalAllocation(compute: C, uniqueTokens: 1e40)
            let free = try muennighoff.chinchilla.computeOptimalPlan(compute: C)
            XCTAssertEqual(plan.parameters, free.parameters, accuracy: 1e-6 * free.parameters, "C = \(C)")
            XCTAssertEqual(plan.tokens, free.tokens, accuracy: 1e-6 * free.tokens, "C = \(C)")
            XCTAssertEqual(plan.lossPenalty, 0, accuracy: 1e-12)
        }
    }

    /// The minimizer is never beaten by a dense scan, whatever the budget and the data supply,
    /// and less unique data never helps.
    func testDataConstrainedOptimumBeatsDenseGrid() throws {
        for C in [1e19, 1e21, 1e23, 1e25] {
            var previousLoss = -Double.infinity
            for U in [1e12, 1e11, 1e10, 1e9, 1e8, 1e7] {
                let plan = try muennighoff.optimalAllocation(compute: C, uniqueTokens: U)
                let logHalf = _log(C / 6)
                var gridBest = Double.infinity
                for i in 0...20_000 {
                    let u = logHalf / 2 - 12 + 24 * Double(i) / 20_000
                    gridBest = min(gridBest, muennighoff.loss(parameters: _exp(u), tokens: _exp(logHalf - u), uniqueTokens: U))
                }
                XCTAssertLessThanOrEqual(plan.loss, gridBest + 1e-12, "C = \(C), U = \(U)")
                XCTAssertGreaterThanOrEqual(plan.loss, previousLoss - 1e-12, "C = \(C), U = \(U)")
                XCTAssertGreaterThanOrEqual(plan.lossPenalty, -1e-12)
                XCTAssertEqual(plan.epochs, plan.tokens / U)
                previousLoss = plan.loss
            }
        }
    }

    func testInferenceAwareWithoutInferenceIsChinchilla() throws {
        for law in [PublishedLaws.hoffmann2022, PublishedLaws.epoch2024] {
            for target in [law.E + 0.05, law.E + 0.3, law.E + 1.0] {
                let plan = try law.inferenceAwarePlan(targetLoss: target, inferenceTokens: 0)
                let ref = try law.minimumCompute(targetLoss: target)
                XCTAssertEqual(plan.parameters, ref.parameters, accuracy: 1e-5 * ref.parameters)
                XCTAssertEqual(plan.trainingTokens, ref.tokens, accuracy: 1e-5 * ref.tokens)
                XCTAssertEqual(plan.totalComputeRatio, 1, accuracy: 1e-10)
                XCTAssertEqual(law.loss(parameters: plan.parameters, tokens: plan.trainingTokens), target, accuracy: 1e-12)
            }
        }
    }

    /// More inference shrinks the model and lengthens training, and never costs more than the
    /// Chinchilla-optimal model would.
    func testInferenceAwareIsMonotoneInInferenceTokens() throws {
        let law = PublishedLaws.epoch2024
        let target = try law.computeOptimalPlan(compute: 1e23).loss
        var previous = try law.inferenceAwarePlan(targetLoss: target, inferenceTokens: 0)
        for Dinf in [1e9, 1e10, 1e11, 1e12, 1e13, 1e14] {
            let plan = try law.inferenceAwarePlan(targetLoss: target, inferenceTokens: Dinf)
            XCTAssertLessThan(plan.parameters, previous.parameters, "D_inf = \(Dinf)")
            XCTAssertGreaterThan(plan.trainingTokens, previous.trainingTokens, "D_inf = \(Dinf)")
            XCTAssertLessThanOrEqual(plan.totalComputeRatio, 1 + 1e-12)
            XCTAssertEqual(law.loss(parameters: plan.parameters, tokens: plan.trainingTokens), target, accuracy: 1e-10)
            previous = plan
        }
    }

    func testScalarSolversOnKnownFunctions() {
        // A kinked function: |x − 1.3| + 0.1·(x − 1.3)², minimum at 1.3.
        let kinked = ScalarSolvers.minimize({ abs($0 - 1.3) + 0.1 * ($0 - 1.3) * ($0 - 1.3) }, in: -5, 7)
        XCTAssertEqual(kinked.x, 1.3, accuracy: 1e-8)
        // Two local minima; the global one is at x = 2 (cos has minima at π and 3π; shifted parabola).
        let twoMinima = ScalarSolvers.minimize({ cos($0) + 0.01 * ($0 - 3 * .pi) * ($0 - 3 * .pi) }, in: 0, 12)
        XCTAssertEqual(twoMinima.x, 3 * .pi, accuracy: 1e-6)
        let root = ScalarSolvers.findRoot({ $0 * $0 * $0 - 2 }, in: 0, 5)
        XCTAssertEqual(root!, _pow(2, 1.0 / 3), accuracy: 1e-15)
        XCTAssertNil(ScalarSolvers.findRoot({ $0 * $0 + 1 }, in: -1, 1))
    }

    func testKaplanPlan() throws {
        let report = try Planner.plan(PlanRequest(compute: 8.64e19, targetLoss: 3.0), law: PlanningLaw(PublishedLaws.named("kaplan2020")!),
                                      name: "kaplan2020")
        let k = try XCTUnwrap(report.kaplan)
        // One PF-day: N_opt = 1.3e9 exactly, L = (3.1e8)^0.05.
        XCTAssertEqual(k.parameters, 1.3e9, accuracy: 1)
        XCTAssertEqual(k.loss, _pow(3.1e8, 0.05), accuracy: 1e-12)
        XCTAssertEqual(k.tokens * k.parameters * 6, 8.64e19, accuracy: 1e5)
        // Target round trip through L(C).
        let lossAtTarget = PublishedLaws.kaplanC(LawInput(C: k.computeForTargetLoss!))
        XCTAssertEqual(lossAtTarget, 3.0, accuracy: 1e-12)
        XCTAssertThrowsError(try Planner.plan(PlanRequest(compute: 1e20, uniqueTokens: 1e9),
                                              law: PlanningLaw(PublishedLaws.named("kaplan2020")!), name: "kaplan2020"))
    }
}
