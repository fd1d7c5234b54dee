import ScalingLaws

/// Which points a figure draws when there are too many to draw them all.
///
/// A page with every one of 100,000 runs as an SVG marker is tens of megabytes and slow to open.
/// Beyond `limit` points a figure draws a deterministic sample: the points at the extremes of
/// each quantity given (so the axes span every point), then the points whose index hashes lowest
/// (SplitMix64 of the index: the same input gives the same sample on every machine). Up to the
/// limit every point is drawn, in order, as before. The fits and every number in the text and
/// tables use all the points; the figure's summary says how many are drawn of how many.
public enum PointSample {
    /// The most runs (or IsoFLOP points) one figure draws.
    public static let limit = 2000

    /// Indices into `0..<count` to draw, ascending: all of them when `count ≤ limit`, else
    /// `limit` of them, including the argmin and argmax of each of `keys` (values per index).
    public static func indices(count: Int, limit: Int = PointSample.limit, keeping keys: [[Double]] = []) -> [Int] {
        guard count > limit, limit > 0 else { return Array(0..<count) }
        var chosen = Set<Int>()
        for key in keys where key.count == count {
            var lo: Int?, hi: Int?
            for (i, v) in key.enumerated() where v.isFinite {
                if lo.map({ v < key[$0] }) ?? true { lo = i }
                if hi.map({ v > key[$0] }) ?? true { hi = i }
            }
            if let lo { chosen.insert(lo) }
            if let hi { chosen.insert(hi) }
        }
        var rest: [(index: Int, hash: UInt64)] = []
        rest.reserveCapacity(count)
        for i in 0..<count where !chosen.contains(i) { rest.append((i, hash(UInt64(i)))) }
        rest.sort { a, b in a.hash != b.hash ? a.hash < b.hash : a.index < b.index }
        for r in rest.prefix(max(0, limit - chosen.count)) { chosen.insert(r.index) }
        return chosen.sorted()
    }

    /// The sentence a sampled figure's summary ends with; empty when every point is drawn.
    public static func note(drawn: Int, of total: Int, what: String = "runs") -> String {
        guard drawn < total else { return "" }
        return " Drawn: \(groupedDigits(drawn)) of \(groupedDigits(total)) \(what), a deterministic sample that keeps the extremes;"
            + " the fits and every number here use all \(groupedDigits(total))."
    }

    /// SplitMix64's first output for seed `x`: a well-mixed hash of the index.
    static func hash(_ x: UInt64) -> UInt64 {
        var generator = SplitMix64(seed: x)
        return generator.next()
    }

}
