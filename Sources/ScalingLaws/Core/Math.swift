import RealModule

// Thin wrappers so the forms read like the formulas; `@usableFromInline` keeps them internal.
@usableFromInline @inline(__always) func _exp(_ x: Double) -> Double { Double.exp(x) }
@usableFromInline @inline(__always) func _log(_ x: Double) -> Double { Double.log(x) }
@usableFromInline @inline(__always) func _log1p(_ x: Double) -> Double { Double.log(onePlus: x) }
@usableFromInline @inline(__always) func _expm1(_ x: Double) -> Double { Double.expMinusOne(x) }
@usableFromInline @inline(__always) func _pow(_ x: Double, _ y: Double) -> Double { Double.pow(x, y) }

/// `log(1 + e^x)` without overflow.
@inlinable public func softplus(_ x: Double) -> Double {
    x > 0 ? x + _log1p(_exp(-x)) : _log1p(_exp(x))
}

/// `1/(1 + e^-x)`.
@inlinable public func logistic(_ x: Double) -> Double {
    x >= 0 ? 1 / (1 + _exp(-x)) : { let e = _exp(x); return e / (1 + e) }()
}
