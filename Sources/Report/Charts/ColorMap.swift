import Foundation

/// A colour as 8-bit sRGB, written `#rrggbb`.
public struct RGB: Sendable, Equatable {
    public var r: UInt8, g: UInt8, b: UInt8

    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) {
        self.r = r
        self.g = g
        self.b = b
    }

    /// `#rrggbb`, lower case.
    public var hex: String {
        let digits = Array("0123456789abcdef")
        return "#" + [r, g, b].map { String(digits[Int($0 >> 4)]) + String(digits[Int($0 & 15)]) }.joined()
    }
}

/// A continuous colour map: colours at evenly spaced stops, interpolated linearly in sRGB.
///
/// The default runs from deep indigo through blue and teal to green and dark gold: lightness
/// rises monotonically, so the order of the values survives greyscale printing and the common
/// colour-vision deficiencies, and its light end stays dark enough to see on white.
public struct ColorMap: Sendable, Equatable {
    public var stops: [RGB]

    public init(stops: [RGB]) {
        precondition(stops.count >= 2, "a colour map needs at least 2 stops, got \(stops.count)")
        self.stops = stops
    }

    public static let `default` = ColorMap(stops: [
        RGB(0x2d, 0x1e, 0x63), RGB(0x31, 0x56, 0x8f), RGB(0x1f, 0x8a, 0x8a), RGB(0x4f, 0xb4, 0x5a), RGB(0xc9, 0xa8, 0x00),
    ])

    /// The colour at `t ∈ [0, 1]` (clamped; NaN gives the first stop).
    public func color(at t: Double) -> RGB {
        let u = t.isNaN ? 0 : min(max(t, 0), 1) * Double(stops.count - 1)
        let i = min(Int(u), stops.count - 2)
        let f = u - Double(i)
        func mix(_ a: UInt8, _ b: UInt8) -> UInt8 { UInt8((Double(a) + (Double(b) - Double(a)) * f).rounded()) }
        let (a, b) = (stops[i], stops[i + 1])
        return RGB(mix(a.r, b.r), mix(a.g, b.g), mix(a.b, b.b))
    }
}

/// Maps values (e.g. model sizes) to colours, linearly or in log10 between two bounds.
public struct ColorScale: Sendable, Equatable {
    public var label: String
    public var domain: ClosedRange<Double>
    public var scale: AxisScale
    public var map: ColorMap

    public init(label: String, domain: ClosedRange<Double>, scale: AxisScale = .log, map: ColorMap = .default) {
        precondition(scale == .linear || domain.lowerBound > 0, "a log colour scale needs a positive domain, got \(domain)")
        self.label = label
        self.domain = domain
        self.scale = scale
        self.map = map
    }

    /// The scale spanning `values` (the positive, finite ones for a log scale); nil when there are none.
    public init?(label: String, values: [Double], scale: AxisScale = .log) {
        let usable = values.filter { $0.isFinite && (scale == .linear || $0 > 0) }
        guard let lo = usable.min(), let hi = usable.max() else { return nil }
        self.init(label: label, domain: lo...hi, scale: scale)
    }

    /// Position of `v` in the domain, 0…1 (0.5 when the domain is a single value).
    public func fraction(_ v: Double) -> Double {
        let f: (Double) -> Double = scale == .log ? { log10($0) } : { $0 }
        let a = f(domain.lowerBound), b = f(domain.upperBound)
        guard b > a else { return 0.5 }
        return (f(v) - a) / (b - a)
    }

    public func color(_ v: Double) -> String { map.color(at: fraction(v)).hex }
}

/// Colours for categories (laws, approaches), distinguishable with the common colour-vision
/// deficiencies (the palette of Okabe & Ito, "Color Universal Design", 2008).
public enum Palette {
    public static let black = "#1a1a1a"
    public static let blue = "#0072b2"
    public static let vermillion = "#d55e00"
    public static let green = "#009e73"
    public static let purple = "#cc79a7"
    public static let orange = "#e69f00"
    public static let sky = "#56b4e9"
    public static let grey = "#7f7f7f"
}
