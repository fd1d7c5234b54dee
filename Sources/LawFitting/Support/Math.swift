import RealModule

@usableFromInline @inline(__always) func _exp(_ x: Double) -> Double { Double.exp(x) }
@usableFromInline @inline(__always) func _log(_ x: Double) -> Double { Double.log(x) }

/// The `q`-quantile (0…1) of sorted values, linear interpolation between order statistics
/// (type 7 of Hyndman & Fan 1996, numpy's default).
public func quantile(sorted v: [Double], _ q: Double) -> Double {
    precondition(!v.isEmpty, "quantile of no values")
    precondition((0...1).contains(q), "quantile must be in [0, 1], got \(q)")
    let h = q * Double(v.count - 1)
    let lo = Int(h.rounded(.down)), hi = min(lo + 1, v.count - 1)
    return v[lo] + (h - Double(lo)) * (v[hi] - v[lo])
}
