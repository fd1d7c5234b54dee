/// A chart described as data: axes, layers drawn in order, a legend, an optional colour bar.
/// `ChartRenderer.svg(_:)` turns it into one SVG document.
public struct Chart: Sendable, Equatable {
    /// A short identifier, unique within a page: prefixes the ids inside the SVG (`loss-compute`).
    public var id: String
    public var title: String
    /// What the chart shows, in words (the SVG's `<desc>`); the axes' ranges are appended.
    public var summary: String
    public var x: Axis
    public var y: Axis
    public var layers: [Layer]
    /// The legend; nil builds it from the layers' labels.
    public var legend: [LegendEntry]?
    /// A colour bar for points or lines coloured by a continuous value.
    public var colorScale: ColorScale?
    public var width = 760.0
    public var height = 460.0

    public init(id: String, title: String, summary: String, x: Axis, y: Axis, layers: [Layer] = [],
                legend: [LegendEntry]? = nil, colorScale: ColorScale? = nil) {
        precondition(!id.isEmpty && id.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" },
                     "chart id must be letters, digits and hyphens, got '\(id)'")
        self.id = id
        self.title = title
        self.summary = summary
        self.x = x
        self.y = y
        self.layers = layers
        self.legend = legend
        self.colorScale = colorScale
    }
}

/// Something drawn in the plot area.
public enum Layer: Sendable, Equatable {
    case points(PointLayer)
    case line(LineLayer)
    case band(BandLayer)
    /// A vertical line at an x value with a label at its top (a budget asked for).
    case verticalRule(x: Double, label: String, color: String)
    /// A horizontal line at a y value (zero residual).
    case horizontalRule(y: Double, color: String)

    var label: String? {
        switch self {
        case .points(let p): p.label
        case .line(let l): l.label
        case .band(let b): b.label
        case .verticalRule, .horizontalRule: nil
        }
    }
}

/// The shape of a point marker.
public enum MarkerShape: String, Sendable, Equatable {
    case circle, square, diamond, triangle, cross, star
}

/// Points: one marker per (x, y), with a colour per point or one for all.
public struct PointLayer: Sendable, Equatable {
    public var xs: [Double]
    public var ys: [Double]
    /// One colour per point; when nil every point has `color`.
    public var colors: [String]?
    public var color: String
    public var shape: MarkerShape
    public var radius: Double
    /// Outline only.
    public var hollow: Bool
    /// Optional per-point tooltip (an SVG `<title>` inside the marker).
    public var tooltips: [String]?
    public var label: String?
    /// Vertical error bars: `[low, high]` per point, or nil.
    public var errorBars: [[Double]]?

    public init(xs: [Double], ys: [Double], colors: [String]? = nil, color: String = Palette.black,
                shape: MarkerShape = .circle, radius: Double = 3.5, hollow: Bool = false,
                tooltips: [String]? = nil, label: String? = nil, errorBars: [[Double]]? = nil) {
        precondition(xs.count == ys.count, "points need as many x as y values, got \(xs.count) and \(ys.count)")
        precondition(colors == nil || colors!.count == xs.count, "one colour per point")
        precondition(tooltips == nil || tooltips!.count == xs.count, "one tooltip per point")
        precondition(errorBars == nil || errorBars!.count == xs.count, "one error bar per point")
        self.xs = xs
        self.ys = ys
        self.colors = colors
        self.color = color
        self.shape = shape
        self.radius = radius
        self.hollow = hollow
        self.tooltips = tooltips
        self.label = label
        self.errorBars = errorBars
    }
}

/// A polyline through (x, y); a non-finite value breaks it.
public struct LineLayer: Sendable, Equatable {
    public var xs: [Double]
    public var ys: [Double]
    public var color: String
    public var width: Double
    /// An SVG dash array, e.g. `6 4`; nil for solid.
    public var dash: String?
    public var label: String?

    public init(xs: [Double], ys: [Double], color: String, width: Double = 2, dash: String? = nil, label: String? = nil) {
        precondition(xs.count == ys.count, "a line needs as many x as y values, got \(xs.count) and \(ys.count)")
        self.xs = xs
        self.ys = ys
        self.color = color
        self.width = width
        self.dash = dash
        self.label = label
    }
}

/// A shaded band between `low` and `high` along x (a bootstrap interval).
public struct BandLayer: Sendable, Equatable {
    public var xs: [Double]
    public var low: [Double]
    public var high: [Double]
    public var color: String
    public var opacity: Double
    public var label: String?

    public init(xs: [Double], low: [Double], high: [Double], color: String, opacity: Double = 0.2, label: String? = nil) {
        precondition(xs.count == low.count && xs.count == high.count, "a band needs as many x as low and high values")
        self.xs = xs
        self.low = low
        self.high = high
        self.color = color
        self.opacity = opacity
        self.label = label
    }
}

/// One row of a legend: a swatch and its text.
public struct LegendEntry: Sendable, Equatable {
    public enum Swatch: Sendable, Equatable {
        case line(color: String, width: Double, dash: String?)
        case marker(shape: MarkerShape, color: String, hollow: Bool)
        case band(color: String, opacity: Double)
    }

    public var label: String
    public var swatch: Swatch

    public init(_ label: String, _ swatch: Swatch) {
        self.label = label
        self.swatch = swatch
    }

    /// The entry a labelled layer gets by default.
    init?(layer: Layer) {
        guard let label = layer.label else { return nil }
        switch layer {
        case .points(let p):
            self.init(label, .marker(shape: p.shape, color: p.colors == nil ? p.color : Palette.grey, hollow: p.hollow))
        case .line(let l): self.init(label, .line(color: l.color, width: l.width, dash: l.dash))
        case .band(let b): self.init(label, .band(color: b.color, opacity: b.opacity))
        case .verticalRule, .horizontalRule: return nil
        }
    }
}
