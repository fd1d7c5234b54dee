import XCTest
@testable import ScalingLaws

/// Constants no published law has (a corrupt fit file, a bad refit): the planners throw a
/// `PlanningError` instead of trapping.
final class PlanningInputTests: XCTestCase {
    /// Found by the fit-file fuzz test: with α = 1e30 the inference-aware search interval
    /// [1e-12, 100/α] was empty, and `ScalarSolvers.minimize`'s precondition trapped.
    func testInferenceAwarePlanRefusesBadExponents() {
        for (alpha, beta) in [(1e30, 0.28), (1e15, 0.28), (-0.3, 0.28), (0.0, 0.28), (0.34, -0.1), (Double.nan, 0.28)] {
            let law = ChinchillaParameters(E: 1.69, A: 406.4, B: 410.7, alpha: alpha, beta: beta)
            XCTAssertThrowsError(try law.inferenceAwarePlan(targetLoss: 2.5, inferenceTokens: 1e13), "alpha \(alpha), beta \(beta)")
        }
    }
}
