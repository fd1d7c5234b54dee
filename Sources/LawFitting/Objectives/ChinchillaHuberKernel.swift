import ScalingLaws

/// The Chinchilla approach-3 objective written out for speed (Hoffmann et al. 2022,
/// arXiv:2203.15556, §3.3; SCIENCE.md "Fitting practice"):
///
/// `Σ_i Huber_δ( LSE(a − α·log N_i, b − β·log D_i, e) − log L_i )`, θ = (e, a, b, α, β).
///
/// Log-sum-exp keeps every term finite for any θ on the start grid. Same value as
/// `LogSpaceObjective` with `ChinchillaLaw` (tested), about an order of magnitude faster.
struct ChinchillaHuberKernel {
    let logN: [Double]
    let logD: [Double]
    let logL: [Double]
    let delta: Double

    init(data: FitData, delta: Double) {
        logN = data.inputs.map { _log($0.N) }
        logD = data.inputs.map { _log($0.D) }
        logL = data.logLoss
        self.delta = delta
    }

    func objective(_ theta: [Double], gradient g: inout [Double]) -> Double {
        let (e, a, b, alpha, beta) = (theta[0], theta[1], theta[2], theta[3], theta[4])
        var total = 0.0
        var ge = 0.0, ga = 0.0, gb = 0.0, gAlpha = 0.0, gBeta = 0.0
        logN.withUnsafeBufferPointer { lnN in
            logD.withUnsafeBufferPointer { lnD in
                logL.withUnsafeBufferPointer { lnL in
                    for i in 0..<lnN.count {
                        let u1 = a - alpha * lnN[i]
                        let u2 = b - beta * lnD[i]
                        let m = max(u1, max(u2, e))
                        let w1 = _exp(u1 - m), w2 = _exp(u2 - m), w3 = _exp(e - m)
                        let s = w1 + w2 + w3
                        let r = m + _log(s) - lnL[i]
                        let absR = abs(r)
                        let slope: Double
                        if absR <= delta {
                            total += 0.5 * r * r
                            slope = r
                        } else {
                            total += delta * (absR - 0.5 * delta)
                            slope = r > 0 ? delta : -delta
                        }
                        let k = slope / s
                        ga += k * w1
                        gAlpha -= k * w1 * lnN[i]
                        gb += k * w2
                        gBeta -= k * w2 * lnD[i]
                        ge += k * w3
                    }
                }
            }
        }
        g[0] = ge; g[1] = ga; g[2] = gb; g[3] = gAlpha; g[4] = gBeta
        return total
    }
}
