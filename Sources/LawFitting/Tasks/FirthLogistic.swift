import Foundation
import ScalingLaws

/// Firth's bias-reduced logistic regression (Firth 1993, Biometrika 80:27–38; Heinze & Schemper
/// 2002, Statistics in Medicine 21:2409–2419): the model `logit P(y = 1 | x) = xᵀβ` fitted by
/// maximizing the penalized log-likelihood
///
/// ```
/// l*(β) = Σ_i [y_i ln μ_i + (1 − y_i) ln(1 − μ_i)] + ½ ln det(XᵀWX),   μ_i = 1/(1 + e^(−x_iᵀβ)),
///                                                                       W = diag(μ_i(1 − μ_i))
/// ```
///
/// whose gradient is the modified score `U*(β) = Xᵀ(y − μ + h∘(½ − μ))`, with `h` the diagonal of
/// the hat matrix `W^½X(XᵀWX)⁻¹XᵀW^½`. The penalty is Jeffreys' prior. Unlike maximum likelihood,
/// whose estimates run off to infinity when a line separates the 0s from the 1s (complete
/// separation: a ladder on which every small run failed and every large one succeeded), Firth's
/// estimates are always finite, and their first-order bias is removed. With the intercept alone it
/// gives `p̂ = (s + ½)/(n + 1)` for s successes in n trials.
///
/// The fit is Fisher scoring on the modified score, `β ← β + (XᵀWX)⁻¹U*(β)`, each step at most
/// `maximumStep` in every coordinate (as R's `logistf` does) and halved while half of it raises the
/// penalized log-likelihood more.
public enum FirthLogistic {
    /// The largest change of any coefficient in one iteration (logistf's `maxstep`).
    public static let maximumStep = 5.0

    /// A fitted model.
    public struct Fit: Sendable, Codable, Equatable {
        /// β, one per column of the design (the intercept's column first when there is one).
        public var coefficients: [Double]
        /// The penalized log-likelihood `l*(β)` at the coefficients (nats).
        public var penalizedLogLikelihood: Double
        /// The iterations taken.
        public var iterations: Int
        /// The observations fitted.
        public var points: Int

        /// The fitted probability `1/(1 + e^(−xᵀβ))` for the design row `x` (as many values as
        /// coefficients, the intercept's 1 included).
        public func probability(_ x: [Double]) -> Double {
            ScalingLaws.logistic(zip(x, coefficients).map { $0 * $1 }.reduce(0, +))
        }
    }

    /// Fits `outcomes` (true: y = 1) on the rows of `design`, each a vector of as many covariates
    /// as there are coefficients (put a 1 first for an intercept).
    ///
    /// - Parameters:
    ///   - design: The design matrix X, one row per observation; its columns must be linearly
    ///     independent.
    ///   - outcomes: y, one per row.
    ///   - maximumIterations: Iterations before the fit gives up.
    ///   - tolerance: The fit stops when every coordinate of the next scoring step is below this.
    /// - Throws: `FitError.badOption` for an empty, ragged or non-finite design, a design whose
    ///   columns are dependent (XᵀWX singular), or no convergence.
    public static func fit(design: [[Double]], outcomes: [Bool], maximumIterations: Int = 200,
                           tolerance: Double = 1e-12) throws -> Fit {
        let n = design.count, k = design.first?.count ?? 0
        guard n > 0, k > 0, outcomes.count == n else {
            throw FitError.badOption("Firth's logistic regression needs one outcome per design row and at least one of each, got "
                + "\(n) rows and \(outcomes.count) outcomes")
        }
        guard design.allSatisfy({ $0.count == k && $0.allSatisfy(\.isFinite) }) else {
            throw FitError.badOption("every row of a logistic regression's design needs \(k) finite values")
        }
        var beta = [Double](repeating: 0, count: k)
        guard var current = evaluate(beta, design: design, outcomes: outcomes) else {
            throw FitError.badOption("the design of the logistic regression has dependent columns (XᵀWX is singular): "
                + "give each covariate a spread of values")
        }
        var iterations = 0
        for iteration in 0...max(1, maximumIterations) {
            var step = current.information.solve(current.score)
            let largest = step.map(abs).max() ?? 0
            if largest < tolerance {
                return Fit(coefficients: beta, penalizedLogLikelihood: current.penalizedLogLikelihood, iterations: iteration, points: n)
            }
            if largest > maximumStep { step = step.map { $0 * maximumStep / largest } }
            // Halve the step while half of it does better (Fisher scoring can overshoot: with the
            // intercept alone and one observation its full step lands on the mirror image of the
            // optimum). A step that still lowers the penalized log-likelihood ends the iterations
            // below, and the fit is accepted only if its score is near zero there.
            func at(_ t: Double) -> (beta: [Double], evaluation: Evaluation?) {
                let b = zip(beta, step).map { $0 + t * $1 }
                return (b, evaluate(b, design: design, outcomes: outcomes))
            }
            var t = 1.0, best = at(t)
            while t > 1e-9 {
                let half = at(t / 2)
                let better: Bool
                switch (best.evaluation, half.evaluation) {
                case (nil, _): better = true
                case (_, nil): better = false
                case let (b?, h?): better = h.penalizedLogLikelihood > b.penalizedLogLikelihood
                }
                guard better else { break }
                t /= 2
                best = half
            }
            // No step improves on β: it is the optimum to the arithmetic's precision, or not one (checked below).
            guard let e = best.evaluation,
                  e.penalizedLogLikelihood >= current.penalizedLogLikelihood - 1e-12 * max(1, abs(current.penalizedLogLikelihood))
            else { break }
            beta = best.beta
            current = e
            iterations = iteration + 1
        }
        // Converged to the precision the arithmetic allows, if not to `tolerance` in the step.
        if (current.score.map(abs).max() ?? .infinity) < 1e-6 * Double(n) {
            return Fit(coefficients: beta, penalizedLogLikelihood: current.penalizedLogLikelihood, iterations: iterations, points: n)
        }
        throw FitError.badOption("Firth's logistic regression did not converge in \(maximumIterations) iterations "
            + "(largest modified score \(current.score.map(abs).max() ?? .nan))")
    }

    /// The penalized log-likelihood `l*(β) = l(β) + ½ ln det(XᵀWX)` (nats); nil when XᵀWX is
    /// singular at β.
    public static func penalizedLogLikelihood(_ beta: [Double], design: [[Double]], outcomes: [Bool]) -> Double? {
        evaluate(beta, design: design, outcomes: outcomes)?.penalizedLogLikelihood
    }

    /// The modified score `U*(β) = Xᵀ(y − μ + h∘(½ − μ))`, the gradient of the penalized
    /// log-likelihood; nil when XᵀWX is singular at β.
    public static func modifiedScore(_ beta: [Double], design: [[Double]], outcomes: [Bool]) -> [Double]? {
        evaluate(beta, design: design, outcomes: outcomes)?.score
    }

    /// The probability of y = 1 at one covariate's value, with a bootstrap interval.
    public struct Forecast: Sendable, Codable, Equatable {
        /// The model `logit P = intercept + slope·x`.
        public var intercept: Double, slope: Double
        /// The covariate's value forecast at.
        public var x: Double
        /// The fitted probability at `x`.
        public var probability: Double
        /// The central `level` percentile interval of the probability at `x` over the resamples;
        /// nil with fewer than 10 resamples fitted.
        public var interval: [Double]?
        /// The observations, and how many had y = 1.
        public var points: Int, successes: Int
        /// The resamples fitted (a resample whose covariate takes one value cannot be, and is skipped).
        public var resamples: Int
    }

    /// Fits `logit P(y = 1) = b₀ + b₁·x` to `(x, outcomes)` and forecasts the probability at `at`,
    /// with the percentile interval over `bootstrap` case resamples of the observations, each
    /// refitted (a resample with one class only is fitted too: Firth's estimates stay finite).
    ///
    /// The covariate is centred and scaled before fitting; Firth's estimates are equivariant under
    /// such a change (the penalty moves by a constant), so the coefficients are those of the raw x.
    ///
    /// - Parameters:
    ///   - x: The covariate (e.g. ln C), one per observation, at least two different values.
    ///   - outcomes: y, one per observation.
    ///   - at: Where to forecast.
    ///   - bootstrap: Case resamples (0: no interval).
    ///   - level: The interval's central mass, in (0, 1).
    ///   - seed: The resampling's seed.
    /// - Throws: `FitError.badOption` for unusable input or a fit that does not converge.
    public static func forecast(x: [Double], outcomes: [Bool], at: Double, bootstrap: Int = 200, level: Double = 0.9,
                                seed: UInt64 = 0) throws -> Forecast {
        guard bootstrap >= 0, level > 0, level < 1 else { throw FitError.badOption("bootstrap must be >= 0 and level in (0, 1)") }
        guard at.isFinite else { throw FitError.badOption("the logistic regression's forecast point must be finite, got \(at)") }
        guard x.count == outcomes.count, x.allSatisfy(\.isFinite) else {
            throw FitError.badOption("a logistic regression needs one finite covariate value per outcome, got \(x.count) values and "
                + "\(outcomes.count) outcomes")
        }
        guard let line = try line(x, outcomes) else {
            throw FitError.badOption("the logistic regression's covariate takes one value only (\(x.first.map { "\($0)" } ?? "none")); "
                + "its slope needs at least two")
        }
        var rng = SplitMix64(seed: seed)
        var draws: [Double] = []
        for _ in 0..<bootstrap {
            let chosen = (0..<x.count).map { _ in Int(rng.next() % UInt64(x.count)) }
            // A resample that does not converge or has one covariate value is skipped.
            if let l = try? Self.line(chosen.map { x[$0] }, chosen.map { outcomes[$0] }) {
                draws.append(logistic(l.intercept + l.slope * at))
            }
        }
        return Forecast(intercept: line.intercept, slope: line.slope, x: at, probability: logistic(line.intercept + line.slope * at),
                        interval: draws.count >= 10 ? BootstrapResult.percentileInterval(draws, level: level) : nil,
                        points: x.count, successes: outcomes.filter { $0 }.count, resamples: draws.count)
    }

    // MARK: - Internal

    /// The intercept and slope of the fit on (1, x), through the centred and scaled covariate;
    /// nil when x takes one value.
    static func line(_ x: [Double], _ y: [Bool]) throws -> (intercept: Double, slope: Double)? {
        let n = Double(x.count)
        let mean = x.reduce(0, +) / n
        let sd = (x.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / n).squareRoot()
        guard sd > 1e-12 * max(1, abs(mean)) else { return nil }
        let f = try fit(design: x.map { [1, ($0 - mean) / sd] }, outcomes: y)
        let slope = f.coefficients[1] / sd
        return (f.coefficients[0] - slope * mean, slope)
    }

    /// What one iterate needs: the penalized log-likelihood, the modified score and XᵀWX.
    struct Evaluation {
        var penalizedLogLikelihood: Double
        var score: [Double]
        var information: Cholesky
    }

    /// l*(β), U*(β) and the Cholesky factor of XᵀWX at β; nil when XᵀWX is not positive definite.
    static func evaluate(_ beta: [Double], design: [[Double]], outcomes: [Bool]) -> Evaluation? {
        let k = beta.count
        var logLikelihood = 0.0
        var mu = [Double](repeating: 0, count: design.count), w = mu
        var information = [[Double]](repeating: [Double](repeating: 0, count: k), count: k)
        for (i, x) in design.enumerated() {
            let eta = zip(x, beta).map { $0 * $1 }.reduce(0, +)
            // ln μ = −softplus(−η), ln(1 − μ) = −softplus(η).
            logLikelihood -= outcomes[i] ? softplus(-eta) : softplus(eta)
            mu[i] = logistic(eta)
            w[i] = mu[i] * (1 - mu[i])
            for a in 0..<k { for b in 0...a { information[a][b] += w[i] * x[a] * x[b] } }
        }
        for a in 0..<k { for b in 0..<a { information[b][a] = information[a][b] } }
        guard let chol = Cholesky(information) else { return nil }
        var score = [Double](repeating: 0, count: k)
        for (i, x) in design.enumerated() {
            let v = chol.forward(x)
            let h = w[i] * v.map { $0 * $0 }.reduce(0, +)
            let r = (outcomes[i] ? 1 : 0) - mu[i] + h * (0.5 - mu[i])
            for a in 0..<k { score[a] += x[a] * r }
        }
        let value = logLikelihood + 0.5 * chol.logDeterminant
        guard value.isFinite, score.allSatisfy(\.isFinite) else { return nil }
        return Evaluation(penalizedLogLikelihood: value, score: score, information: chol)
    }

    /// The Cholesky factor L (A = LLᵀ) of a small symmetric positive definite matrix.
    struct Cholesky {
        var lower: [[Double]]

        /// Nil when A is not (numerically) positive definite.
        init?(_ a: [[Double]]) {
            let k = a.count
            var l = [[Double]](repeating: [Double](repeating: 0, count: k), count: k)
            let scale = (0..<k).map { a[$0][$0] }.max() ?? 0
            guard scale > 0, scale.isFinite else { return nil }
            for i in 0..<k {
                for j in 0...i {
                    var s = a[i][j]
                    for m in 0..<j { s -= l[i][m] * l[j][m] }
                    if i == j {
                        guard s > 1e-14 * scale else { return nil }
                        l[i][i] = s.squareRoot()
                    } else {
                        l[i][j] = s / l[j][j]
                    }
                }
            }
            lower = l
        }

        /// ln det A = 2 Σ ln L_ii.
        var logDeterminant: Double { 2 * lower.indices.map { log(lower[$0][$0]) }.reduce(0, +) }

        /// v with L v = b (so |v|² = bᵀA⁻¹b).
        func forward(_ b: [Double]) -> [Double] {
            var v = b
            for i in v.indices {
                for m in 0..<i { v[i] -= lower[i][m] * v[m] }
                v[i] /= lower[i][i]
            }
            return v
        }

        /// x with A x = b.
        func solve(_ b: [Double]) -> [Double] {
            var x = forward(b)
            for i in x.indices.reversed() {
                for m in (i + 1)..<x.count { x[i] -= lower[m][i] * x[m] }
                x[i] /= lower[i][i]
            }
            return x
        }
    }
}
