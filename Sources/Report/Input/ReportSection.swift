/// A section of the page that a caller composes: a heading, paragraphs, tables and plots.
///
/// The report's own sections (figures, parameters, plan, …) are drawn from what the input holds;
/// a study (or anything else that analyses runs) adds its findings through these, as data: the
/// report stays a pure renderer and the same section always gives the same bytes.
public struct ReportSection: Sendable, Codable, Equatable {
    /// Names the section: its anchor in the page is `section-` followed by this id, with every
    /// character other than an ASCII letter, digit or hyphen made a hyphen (`emergence` →
    /// `#section-emergence`), so it never clashes with the report's own anchors.
    public var id: String
    public var title: String
    /// Plain text, one paragraph each (escaped when drawn).
    public var paragraphs: [String]
    public var plots: [ReportPlot]
    public var tables: [ReportTable]

    public init(id: String, title: String, paragraphs: [String] = [], plots: [ReportPlot] = [], tables: [ReportTable] = []) {
        self.id = id
        self.title = title
        self.paragraphs = paragraphs
        self.plots = plots
        self.tables = tables
    }

    /// The anchor: `section-` and `id` with every character other than an ASCII letter, digit or
    /// hyphen replaced by a hyphen, so any caller's id makes a valid anchor and chart id.
    var anchor: String {
        "section-" + String(id.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") ? $0 : "-" })
    }
}

/// A table of a section: a caption, a header and rows of already formatted cells.
public struct ReportTable: Sendable, Codable, Equatable {
    public var caption: String
    public var header: [String]
    public var rows: [[String]]
    /// Columns (by index) right-aligned as numbers.
    public var numericColumns: [Int]

    public init(caption: String, header: [String], rows: [[String]], numericColumns: [Int] = []) {
        self.caption = caption
        self.header = header
        self.rows = rows
        self.numericColumns = numericColumns
    }

    /// A number as a cell: `digits` significant digits, `%g` style (1.655, 1.2e+13); a
    /// non-finite value as Swift writes it (`nan`, `inf`).
    public static func cell(_ v: Double, digits: Int = 4) -> String {
        v.isFinite ? String(format: "%.\(digits)g", v) : "\(v)"
    }
}

/// A plot of a section: series of points or lines on two axes, each linear or logarithmic.
public struct ReportPlot: Sendable, Codable, Equatable {
    /// How one series is drawn.
    public enum Style: String, Sendable, Codable, Equatable {
        /// Markers, with the series' error bars if it has them.
        case points
        /// Hollow markers (a forecast, a held-out point).
        case hollowPoints = "hollow-points"
        /// A line through the points in the order given.
        case line
        /// A dashed line (a fitted or predicted curve).
        case dashedLine = "dashed-line"
    }

    /// One series: its points, how it is drawn, and optional vertical error bars `[low, high]`.
    public struct Series: Sendable, Codable, Equatable {
        public var label: String
        public var xs: [Double]
        public var ys: [Double]
        public var style: Style
        public var errorBars: [[Double]]?

        public init(label: String, xs: [Double], ys: [Double], style: Style = .points, errorBars: [[Double]]? = nil) {
            self.label = label
            self.xs = xs
            self.ys = ys
            self.style = style
            self.errorBars = errorBars
        }
    }

    public var title: String
    /// What the plot shows, in a sentence (the figure's caption).
    public var caption: String
    public var xLabel: String
    public var yLabel: String
    public var xLogarithmic: Bool
    public var yLogarithmic: Bool
    public var series: [Series]

    public init(title: String, caption: String, xLabel: String, yLabel: String, xLogarithmic: Bool = true,
                yLogarithmic: Bool = false, series: [Series]) {
        self.title = title
        self.caption = caption
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.xLogarithmic = xLogarithmic
        self.yLogarithmic = yLogarithmic
        self.series = series
    }
}
