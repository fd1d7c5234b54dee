/// Writes a `Chart` as one standalone SVG document.
///
/// Deterministic: the same chart gives the same bytes on every machine (coordinates with two
/// decimals by `SVGText.fixed`, no dictionaries, no clock). Every document has a `<title>` and
/// a `<desc>` referenced by `aria-labelledby`, so screen readers announce it as one image.
public enum ChartRenderer {
    /// The fonts asked for; the first one installed is used.
    public static let fontFamily = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', 'DejaVu Sans', Arial, sans-serif"

    public static func svg(_ chart: Chart) -> String {
        var w = SVGWriter()
        let frame = Frame(chart)
        let id = chart.id
        w.open("svg", [("xmlns", "http://www.w3.org/2000/svg"), ("class", "chart"), ("id", id),
                       ("viewBox", "0 0 \(n(chart.width)) \(n(chart.height))"), ("width", n(chart.width)), ("height", n(chart.height)),
                       ("role", "img"), ("aria-labelledby", "\(id)-title \(id)-desc"),
                       ("font-family", fontFamily), ("font-size", "12")])
        w.element("title", [("id", "\(id)-title")], text: chart.title)
        w.element("desc", [("id", "\(id)-desc")], text: description(chart, frame))
        w.element("rect", [("width", n(chart.width)), ("height", n(chart.height)), ("fill", "#ffffff")])
        w.element("text", [("x", n(frame.left)), ("y", "26"), ("font-size", "16"), ("font-weight", "600"), ("fill", "#1a1a1a")],
                  text: chart.title)
        drawAxes(&w, chart, frame)
        w.open("clipPath", [("id", "\(id)-plot")])
        w.element("rect", [("x", n(frame.left)), ("y", n(frame.top)), ("width", n(frame.right - frame.left)),
                           ("height", n(frame.bottom - frame.top))])
        w.close("clipPath")
        w.open("g", [("clip-path", "url(#\(id)-plot)")])
        for layer in chart.layers { draw(&w, layer, frame) }
        w.close("g")
        drawRuleLabels(&w, chart, frame)
        w.element("rect", [("x", n(frame.left)), ("y", n(frame.top)), ("width", n(frame.right - frame.left)),
                           ("height", n(frame.bottom - frame.top)), ("fill", "none"), ("stroke", "#4d4d4d"), ("stroke-width", "1")])
        drawLegend(&w, chart, frame)
        w.close("svg")
        return w.text
    }

    /// The `<desc>` text: the chart's summary and what each axis spans.
    static func description(_ chart: Chart, _ f: Frame) -> String {
        func axis(_ name: String, _ a: Axis, _ m: AxisMap) -> String {
            "The \(name) axis shows \(a.label) on a \(a.scale == .log ? "logarithmic" : "linear") scale from "
                + "\(SVGText.general(m.domain.lowerBound, significant: 3)) to \(SVGText.general(m.domain.upperBound, significant: 3))."
        }
        return [chart.summary, axis("x", chart.x, f.x), axis("y", chart.y, f.y)].filter { !$0.isEmpty }.joined(separator: " ")
    }

    static func n(_ x: Double) -> String { SVGText.fixed(x) }
}

/// The plot area of a chart and its two resolved axes.
struct Frame {
    let left: Double, right: Double, top: Double, bottom: Double
    let x: AxisMap, y: AxisMap

    init(_ chart: Chart) {
        let hasSide = chart.colorScale != nil || !(chart.legend ?? chart.layers.compactMap(LegendEntry.init(layer:))).isEmpty
        left = 78
        right = chart.width - (hasSide ? 210 : 24)
        top = 44
        bottom = chart.height - 58
        var xs: [Double] = [], ys: [Double] = []
        for layer in chart.layers {
            switch layer {
            case .points(let p):
                xs += p.xs
                ys += p.ys
                for (i, bar) in (p.errorBars ?? []).enumerated() where p.xs[i].isFinite { ys += bar }
            case .line(let l): xs += l.xs; ys += l.ys
            case .band(let b): xs += b.xs; ys += b.low + b.high
            case .verticalRule(let v, _, _): xs.append(v)
            case .horizontalRule(let v, _): ys.append(v)
            }
        }
        x = AxisMap(scale: chart.x.scale, domain: chart.x.domain ?? AxisMap.fittedDomain(xs, scale: chart.x.scale),
                    from: left, to: right)
        y = AxisMap(scale: chart.y.scale, domain: chart.y.domain ?? AxisMap.fittedDomain(ys, scale: chart.y.scale),
                    from: bottom, to: top)
    }
}
