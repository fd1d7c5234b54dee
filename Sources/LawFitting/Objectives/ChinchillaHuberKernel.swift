import ScalingLaws

/// The Chinchilla approach-3 objective written out for speed (Hoffmann et al. 2022,
/// arXiv:2203.15556, §3.3; docs/science.md, §Fitting):
///
/// `Σ_i Huber_δ( LSE(a − α·log N_i, b − β·log D_i, e) − log L_i )`, θ = (e, a, b, α, β).
///
/// The LSE is shifted by e: `log L̂ = e + log(1 + e^(u1) + e^(u2))`, `u1 = a − α·log N − e`,
/// `u2 = b − β·log D − e`: two exponentials and a logarithm per point, eight points at a time
/// (`exp8`, `log8`). Arguments below −700 are clamped (their term is < 1e-304 of the sum); a group
/// with an argument above 700 is evaluated with the max-shifted LSE in scalar code instead.
/// Same value as `LogSpaceObjective` with `ChinchillaLaw` (tested). With `tiedExponents`
/// (`chinchilla-tied`) θ = (e, a, b, α) and β = α: the gradient of α is the sum of the two.
struct ChinchillaHuberKernel {
    /// Points padded to a multiple of eight; padding has weight 0.
    private let logN: [Double8]
    private let logD: [Double8]
    private let logL: [Double8]
    private let weight: [Double8]
    let delta: Double
    let tiedExponents: Bool

    init(data: FitData, delta: Double, tiedExponents: Bool = false) {
        let n = data.count
        let groups = (n + 7) / 8
        func lanes(_ value: (Int) -> Double) -> [Double8] {
            (0..<groups).map { g in
                Double8((0..<8).map { l in let i = 8 * g + l; return i < n ? value(i) : 1 })
            }
        }
        logN = lanes { _log(data.inputs[$0].N) }
        logD = lanes { _log(data.inputs[$0].D) }
        logL = lanes { data.logLoss[$0] }
        weight = (0..<groups).map { g in Double8((0..<8).map { 8 * g + $0 < n ? 1 : 0 }) }
        self.delta = delta
        self.tiedExponents = tiedExponents
    }

    func objective(_ theta: [Double], gradient g: inout [Double]) -> Double {
        let (e, a, b, alpha) = (theta[0], theta[1], theta[2], theta[3])
        let beta = tiedExponents ? alpha : theta[4]
        var total = Double8(), ge = Double8(), ga = Double8(), gb = Double8(), gAlpha = Double8(), gBeta = Double8()
        let low = Double8(repeating: -700), high = Double8(repeating: 700)
        let dMin = Double8(repeating: -delta), dMax = Double8(repeating: delta)
        for k in 0..<logN.count {
            let lnN = logN[k], lnD = logD[k]
            let u1 = (a - e) - alpha * lnN
            let u2 = (b - e) - beta * lnD
            var w1: Double8, w2: Double8, w3: Double8, lse: Double8
            if any(u1 .> high) || any(u2 .> high) {
                let m = clampBelow(clampBelow(u1, u2), Double8())
                w1 = exp8(clampBelow(u1 - m, low)); w2 = exp8(clampBelow(u2 - m, low)); w3 = exp8(clampBelow(-m, low))
                lse = e + m + log8(w1 + w2 + w3)
            } else {
                w1 = exp8(clampBelow(u1, low)); w2 = exp8(clampBelow(u2, low)); w3 = Double8(repeating: 1)
                lse = e + log8(1 + w1 + w2)
            }
            let s = w1 + w2 + w3
            let r = lse - logL[k]
            let c = clampAbove(clampBelow(r, dMin), dMax)      // Huber'(r) = clamp(r, −δ, δ)
            total += weight[k] * c * (r - 0.5 * c)                  // Huber(r) = c·(r − c/2)
            let q = weight[k] * c / s
            ga += q * w1
            gAlpha -= q * w1 * lnN
            gb += q * w2
            gBeta -= q * w2 * lnD
            ge += q * w3
        }
        g[0] = ge.sum(); g[1] = ga.sum(); g[2] = gb.sum()
        if tiedExponents {
            g[3] = gAlpha.sum() + gBeta.sum()
        } else {
            g[3] = gAlpha.sum(); g[4] = gBeta.sum()
        }
        return total.sum()
    }
}
