/// Kaplan et al. 2020's critical batch size as a function of the loss (arXiv:2001.08361, §5.1,
/// Eq. 5.3): `B_crit(L) = B*/L^(1/α_B)` tokens, with B* ≈ 2·10⁸ tokens and α_B ≈ 0.21 on their
/// WebText2 models.
///
/// McCandlish et al. 2018 (arXiv:1812.06162) showed that training trades steps for data along
/// `(S/S_min − 1)(E/E_min − 1) = 1`, where S_min is the fewest steps (at a huge batch) and E_min
/// the fewest examples (at a tiny batch) that reach a given loss, and that the batch where the
/// two are balanced, `B_crit = E_min/S_min`, is close to the gradient noise scale B_noise (which
/// the trainer measures, `GradientNoise`). At B = B_crit a run takes twice the minimum steps and
/// twice the minimum data. The critical batch grows as the loss falls: a better model's gradient
/// signal is smaller compared with its per-example noise.
public struct CriticalBatchLaw: Sendable, Codable, Equatable {
    /// B*: the critical batch (tokens) at a loss of 1 nat per token.
    public var bStar: Double
    /// α_B: `B_crit ∝ L^(−1/α_B)`.
    public var alphaB: Double

    public init(bStar: Double, alphaB: Double) {
        self.bStar = bStar
        self.alphaB = alphaB
    }

    /// Kaplan et al. 2020's constants (§5.1): B* = 2·10⁸ tokens, α_B = 0.21 (losses in nats per
    /// BPE token of WebText2, not per byte: compare exponents, not B* itself, with a byte-level fit).
    public static let kaplan2020 = CriticalBatchLaw(bStar: 2e8, alphaB: 0.21)

    /// `B_crit(L) = B*·L^(−1/α_B)`, tokens.
    public func criticalBatch(loss: Double) -> Double {
        bStar * _pow(loss, -1 / alphaB)
    }

    /// The fewest steps that would have reached a run's loss: `S_min = S/(1 + B_crit(L)/B)`, for a
    /// run at step `steps` with `batch` tokens per step and loss `loss` (Kaplan Eq. 5.4).
    public func minimumSteps(steps: Double, batch: Double, loss: Double) -> Double {
        steps / (1 + criticalBatch(loss: loss) / batch)
    }

    /// The least compute that would have reached a run's loss: `C_min = C/(1 + B/B_crit(L))`
    /// (Kaplan Eq. 5.5).
    public func minimumCompute(compute: Double, batch: Double, loss: Double) -> Double {
        compute / (1 + batch / criticalBatch(loss: loss))
    }
}

/// Kaplan et al. 2020's learning-curve law (arXiv:2001.08361, Eq. 1.6/5.6):
/// `L(N, S_min) = (N_c/N)^α_N + (S_c/S_min)^α_S`, N non-embedding parameters and S_min the
/// minimum steps (`CriticalBatchLaw.minimumSteps`). Published: α_N = 0.077, α_S = 0.76,
/// N_c = 6.5·10¹³, S_c = 2.1·10³. The law has no irreducible term: it describes the loss well
/// above the data's entropy, where Kaplan measured it.
public struct KaplanStepsLaw: Sendable, Codable, Equatable {
    public var nc: Double
    public var alphaN: Double
    public var sc: Double
    public var alphaS: Double

    public init(nc: Double, alphaN: Double, sc: Double, alphaS: Double) {
        self.nc = nc; self.alphaN = alphaN; self.sc = sc; self.alphaS = alphaS
    }

    /// Kaplan et al. 2020's constants (§5.2).
    public static let kaplan2020 = KaplanStepsLaw(nc: 6.5e13, alphaN: 0.077, sc: 2.1e3, alphaS: 0.76)

    /// The parameters in the order of `loss(parameters:minimumSteps:gradient:)`.
    public static let parameterNames = ["Nc", "alpha_N", "Sc", "alpha_S"]
    public var values: [Double] { [nc, alphaN, sc, alphaS] }
    public init(values p: [Double]) {
        precondition(p.count == 4, "KaplanStepsLaw has 4 parameters, got \(p.count)")
        self.init(nc: p[0], alphaN: p[1], sc: p[2], alphaS: p[3])
    }

    /// `L(N, S_min)`.
    public func loss(parameters N: Double, minimumSteps S: Double) -> Double {
        _pow(nc / N, alphaN) + _pow(sc / S, alphaS)
    }

    /// `L(N, S_min)`, and `∂L/∂(N_c, α_N, S_c, α_S)` in `gradient` (4 entries).
    public func loss(parameters N: Double, minimumSteps S: Double, gradient g: inout [Double]) -> Double {
        let u = _pow(nc / N, alphaN), v = _pow(sc / S, alphaS)
        g[0] = alphaN * u / nc
        g[1] = u * _log(nc / N)
        g[2] = alphaS * v / sc
        g[3] = v * _log(sc / S)
        return u + v
    }
}
