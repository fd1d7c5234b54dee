import Foundation
import Lab
import LawFitting
import ScalingLaws

extension ArchitectureStudy {
    /// Kaplan's power law `L = (X_c/X)^α` fitted to one architecture's runs, with its bootstrap.
    public struct PowerFit: Sendable, Codable, Equatable {
        /// `N` (non-embedding parameters) or `C` (training FLOPs).
        public var variable: String
        /// The fitted exponent α and scale X_c.
        public var alpha: Double, scale: Double
        /// Percentile intervals `[low, high]` of α and X_c over the bootstrap (nil without one).
        public var alphaInterval: [Double]?, scaleInterval: [Double]?
        /// The fit's RMSE of log loss.
        public var rmseLog: Double
        /// Runs fitted.
        public var points: Int

        /// The law's loss at `x`.
        public func loss(at x: Double) -> Double { Foundation.pow(scale / x, alpha) }
    }

    /// The formula of `variable`: Kaplan et al.'s pure power law (`KaplanPowerLaw`).
    static func formula(_ variable: ScaleVariable) -> KaplanPowerLaw { KaplanPowerLaw(variable: variable) }

    /// Fits `L = (X_c/X)^α` to `points` (x, loss): least squares in log space (where the law is
    /// a line, so 3 sizes suffice), then `bootstrap` resamples of the points for percentile
    /// intervals at `level`. `variable` is `.parameters` (x = non-embedding N) or `.compute`.
    public static func fit(_ points: [(x: Double, loss: Double)], variable: ScaleVariable, bootstrap: Int, level: Double,
                           seed: UInt64) throws -> PowerFit {
        guard points.count >= 3, Set(points.map(\.x)).count >= 2 else {
            throw StudyError.unusable("the power law in \(variable.symbol) needs at least 3 done runs of 2 or more sizes, got "
                + "\(points.count)")
        }
        guard points.allSatisfy({ $0.x.isFinite && $0.x > 0 && $0.loss.isFinite && $0.loss > 0 }) else {
            throw StudyError.unusable("a run has a non-positive or non-finite \(variable.symbol) or loss: \(points)")
        }
        let data = FitData(points.map { p in
            variable == .compute ? Observation(compute: p.x, loss: p.loss) : Observation(parameters: p.x, loss: p.loss)
        })
        let law = try LawFitter.fit(formula(variable), to: data)
        var intervals: [String: [Double]] = [:]
        if bootstrap > 0 {
            intervals = try Bootstrap.run(law, data: data, options: BootstrapOptions(samples: bootstrap, level: level, seed: seed))
                .parameterIntervals
        }
        let scaleName = "\(variable.symbol)c"
        return PowerFit(variable: variable.symbol, alpha: law.parameters[1], scale: law.parameters[0], alphaInterval: intervals["alpha"],
                        scaleInterval: intervals[scaleName], rmseLog: law.rmseLog, points: points.count)
    }

    /// Kaplan et al.'s published exponent for `variable` (`N`: α_N = 0.076; `C`: α_C^min = 0.050),
    /// from the catalog; Kaplan publish no LSTM exponent, only the curves of Fig. 7.
    public static func publishedAlpha(_ variable: String) -> Double? {
        switch variable {
        case "N": return PublishedLaws.kaplanN.parameters[1]
        case "C": return PublishedLaws.kaplanC.parameters[1]
        default: return nil
        }
    }
}
