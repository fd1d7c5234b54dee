import Foundation
import LawFitting
import ScalingLaws

extension StoreAnalysis {
    /// One parabola per budget with at least 3 distinct sizes (least squares in x = ln N).
    static func isoFLOPParabolas(_ runs: [StoredRun]) -> [IsoFLOPParabola] {
        let byBudget = Dictionary(grouping: runs.filter { $0.budget != nil && $0.tokens != nil }, by: { $0.budget! })
        return byBudget.keys.sorted().compactMap { C in
            let row = byBudget[C]!
            guard Set(row.map(\.parameters)).count >= 3 else { return nil }
            let x = row.map { log($0.parameters) }, y = row.map { $0.finalValidationLoss! }
            guard let c = polyfit(x, y, degree: 2) else { return nil }
            var p = IsoFLOPParabola(budget: C, coefficients: c, runs: row.count, optimalParameters: nil, optimalTokens: nil, bracketed: false)
            if c[2] > 0 {
                let xs = -c[1] / (2 * c[2])
                p.optimalParameters = exp(xs)
                p.bracketed = (x.min()!...x.max()!).contains(xs)
                if let line = polyfit(x, row.map { log($0.tokens!) }, degree: 1) { p.optimalTokens = exp(line[0] + line[1] * xs) }
            }
            return p
        }
    }

    /// Power laws through (C, N_opt, D_opt) points: least squares of ln N_opt and ln D_opt on ln C.
    static func allocation(_ points: [[Double]]) -> AllocationFit? {
        let lc = points.map { log($0[0]) }
        guard Set(lc).count >= 2, let n = polyfit(lc, points.map { log($0[1]) }, degree: 1),
              let d = polyfit(lc, points.map { log($0[2]) }, degree: 1) else { return nil }
        return AllocationFit(a: n[1], b: d[1], nCoefficient: exp(n[0]), dCoefficient: exp(d[0]),
                             aInterval: nil, bInterval: nil, points: points)
    }

    /// Resamples runs with replacement within each budget, refits approach 2, and returns 90%
    /// percentile intervals of a and b (resamples whose parabolas fail are skipped).
    static func bootstrapApproach2(_ runs: [StoredRun], samples: Int, seed: UInt64) -> ([Double]?, [Double]?) {
        let byBudget = Dictionary(grouping: runs.filter { $0.budget != nil }, by: { $0.budget! })
        var a: [Double] = [], b: [Double] = []
        for s in 0..<samples {
            var rng = SplitMix64(seed: seed, stream: UInt64(s))
            var resample: [StoredRun] = []
            for C in byBudget.keys.sorted() {
                let row = byBudget[C]!
                resample += (0..<row.count).map { _ in row[Int.random(in: 0..<row.count, using: &rng)] }
            }
            let v = isoFLOPParabolas(resample).filter { $0.optimalParameters != nil && $0.optimalTokens != nil }
            if v.count >= 2, let f = allocation(v.map { [$0.budget, $0.optimalParameters!, $0.optimalTokens!] }) {
                a.append(f.a); b.append(f.b)
            }
        }
        func interval(_ v: [Double]) -> [Double]? {
            guard v.count >= 10 else { return nil }
            let s = v.sorted()
            return [s[Int(0.05 * Double(s.count - 1))], s[Int((0.95 * Double(s.count - 1)).rounded())]]
        }
        return (interval(a), interval(b))
    }

    /// Approach 1: at 24 log-spaced FLOP values between where the curves start to overlap and the
    /// largest run's end, the run with the lowest loss (each curve interpolated linearly in ln C,
    /// points inside warm-up dropped) gives N_opt(C), and D_opt(C) = C / its FLOPs per token.
    static func envelope(_ runs: [StoredRun], curves: [Int64: [StoredCurvePoint]]) -> AllocationFit? {
        struct Curve { var N: Double; var fpt: Double; var points: [(lc: Double, loss: Double)] }
        let all: [Curve] = runs.compactMap { r in
            guard let id = r.id, let config = r.trainingConfig, let pts = curves[id] else { return nil }
            let kept = pts.filter { $0.tokens > Double(config.hyperparameters.warmupTokens) }
            guard kept.count >= 2 else { return nil }
            return Curve(N: r.parameters, fpt: config.shape.trainingFLOPsPerToken,
                         points: kept.map { (log($0.flops), $0.validationLoss) })
        }
        guard Set(all.map(\.N)).count >= 2 else { return nil }
        let lo = all.map { $0.points.first!.lc }.max()!, hi = all.map { $0.points.last!.lc }.max()!
        guard hi > lo else { return nil }
        var points: [[Double]] = []
        for i in 0..<24 {
            let lc = lo + (hi - lo) * Double(i) / 23
            var best: (loss: Double, curve: Curve)? = nil
            for c in all {
                guard let j = c.points.firstIndex(where: { $0.lc >= lc }) else { continue }
                let loss: Double
                if j == 0 { guard c.points[0].lc == lc else { continue }; loss = c.points[0].loss } else {
                    let p = c.points[j - 1], q = c.points[j]
                    loss = p.loss + (q.loss - p.loss) * (lc - p.lc) / (q.lc - p.lc)
                }
                if best == nil || loss < best!.loss { best = (loss, c) }
            }
            if let b = best { points.append([exp(lc), b.curve.N, exp(lc) / b.curve.fpt]) }
        }
        return allocation(points)
    }

    /// Least-squares polynomial coefficients (c0, c1, …) by the normal equations, solved with
    /// Gaussian elimination with partial pivoting; nil when singular.
    static func polyfit(_ x: [Double], _ y: [Double], degree k: Int) -> [Double]? {
        precondition(x.count == y.count, "polyfit: \(x.count) x values but \(y.count) y values")
        guard x.count > k else { return nil }
        let m = k + 1
        let mean = x.reduce(0, +) / Double(x.count)   // centre x for conditioning
        var A = [[Double]](repeating: [Double](repeating: 0, count: m + 1), count: m)
        for (xi, yi) in zip(x, y) {
            let t = xi - mean
            let powers = (0..<(2 * m)).map { pow(t, Double($0)) }
            for r in 0..<m { for c in 0..<m { A[r][c] += powers[r + c] }; A[r][m] += powers[r] * yi }
        }
        for col in 0..<m {
            let pivot = (col..<m).max { abs(A[$0][col]) < abs(A[$1][col]) }!
            guard abs(A[pivot][col]) > 1e-12 else { return nil }
            A.swapAt(col, pivot)
            for r in 0..<m where r != col {
                let f = A[r][col] / A[col][col]
                for c in col...m { A[r][c] -= f * A[col][c] }
            }
        }
        let centred = (0..<m).map { A[$0][m] / A[$0][$0] }
        // Expand Σ c_j (x − mean)^j back to powers of x.
        var out = [Double](repeating: 0, count: m)
        for j in 0..<m {
            for i in 0...j {
                out[i] += centred[j] * Double(binomial(j, i)) * pow(-mean, Double(j - i))
            }
        }
        return out
    }

    static func binomial(_ n: Int, _ k: Int) -> Int { k == 0 || k == n ? 1 : binomial(n - 1, k - 1) + binomial(n - 1, k) }
}
