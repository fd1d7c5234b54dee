import RealModule

/// Hernandez et al. 2021's law of transfer ("Scaling Laws for Transfer", arXiv:2102.01293): the
/// effective data transferred from pre-training to a fine-tuning task,
///
///     D_T = k · D_F^α · N^β,
///
/// where D_F is the fine-tuning data, N the non-embedding parameters, and D_T = D_E − D_F with
/// D_E the data a model of the same size trained from scratch on the task needs to reach the
/// fine-tuned model's loss. Data are counted in characters (bytes for ScaleLab's byte-level
/// models). The law is for the low-data regime: transfer saturates as D_F grows.
public struct TransferLaw: Sendable, Codable, Equatable {
    /// The scale k (characters), and the exponents of D_F and N.
    public var k: Double, alpha: Double, beta: Double

    /// The law with constants `k`, `alpha`, `beta`.
    public init(k: Double, alpha: Double, beta: Double) {
        self.k = k
        self.alpha = alpha
        self.beta = beta
    }

    /// D_T for `fineTuningTokens` D_F and `parameters` N (non-embedding).
    public func transferred(fineTuningTokens D: Double, parameters N: Double) -> Double {
        k * Double.pow(D, alpha) * Double.pow(N, beta)
    }

    /// The fraction of the effective data that was transferred, D_T / (D_T + D_F): near 1 when
    /// pre-training does almost all the work.
    public func fractionTransferred(fineTuningTokens D: Double, parameters N: Double) -> Double {
        let t = transferred(fineTuningTokens: D, parameters: N)
        return t / (t + D)
    }

    /// Text → Python, from a model pre-trained on text (Hernandez et al. 2021, §3):
    /// k ≈ 1.9e4, α ≈ 0.18, β ≈ 0.38.
    public static let hernandezTextToPython = TransferLaw(k: 1.9e4, alpha: 0.18, beta: 0.38)
    /// 50/50 text + non-Python code → Python (Hernandez et al. 2021, §3): k ≈ 2.1e5, α ≈ 0.096,
    /// β ≈ 0.38.
    public static let hernandezMixToPython = TransferLaw(k: 2.1e5, alpha: 0.096, beta: 0.38)
}
