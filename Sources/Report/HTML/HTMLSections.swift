/// The caller's own sections (`ReportInput.sections`), after the report's figures and tables.
extension HTMLTables {
    /// Draws each section: its heading, paragraphs, plots (inline SVG) and tables.
    static func sections(_ h: inout HTMLBuilder, _ sections: [ReportSection]) {
        for (i, s) in sections.enumerated() {
            let anchor = s.anchor
            h.open("section", [("id", anchor), ("class", "study")])
            h.element("h2", text: s.title)
            for p in s.paragraphs { h.element("p", text: p) }
            for (k, plot) in s.plots.enumerated() {
                h.open("figure", [("id", "\(anchor)-plot-\(k + 1)")])
                h.raw(ChartRenderer.svg(SectionPlots.chart(plot, id: "\(anchor)-\(i + 1)-\(k + 1)")))
                h.element("figcaption", markup: "<strong>\(h.escape(plot.title)).</strong> \(h.escape(plot.caption))")
                h.close("figure")
            }
            for t in s.tables {
                h.table(caption: t.caption, header: t.header, rows: t.rows, numeric: Set(t.numericColumns))
            }
            h.close("section")
        }
    }
}

/// `ReportPlot` → `Chart`: the series in the palette's order, non-finite values dropped.
enum SectionPlots {
    static let colors = [Palette.blue, Palette.vermillion, Palette.green, Palette.purple, Palette.orange, Palette.sky,
                         Palette.black, Palette.grey]
    static let shapes: [MarkerShape] = [.circle, .square, .diamond, .triangle, .cross, .star]

    static func chart(_ plot: ReportPlot, id: String) -> Chart {
        let xScale: AxisScale = plot.xLogarithmic ? .log : .linear, yScale: AxisScale = plot.yLogarithmic ? .log : .linear
        var layers: [Layer] = []
        for (i, s) in plot.series.enumerated() {
            let color = colors[i % colors.count]
            // Only the points both axes can draw; an error bar goes with its point.
            let keep = s.xs.indices.filter { k in
                k < s.ys.count && drawable(s.xs[k], xScale) && drawable(s.ys[k], yScale)
            }
            let xs = keep.map { s.xs[$0] }, ys = keep.map { s.ys[$0] }
            switch s.style {
            case .points, .hollowPoints:
                let bars = s.errorBars.flatMap { b -> [[Double]]? in
                    guard b.count == s.xs.count else { return nil }
                    return keep.map { k in b[k].count == 2 && b[k].allSatisfy { drawable($0, yScale) } ? b[k] : [s.ys[k], s.ys[k]] }
                }
                layers.append(.points(PointLayer(xs: xs, ys: ys, color: color, shape: shapes[i % shapes.count],
                                                 radius: s.style == .hollowPoints ? 5 : 3.5, hollow: s.style == .hollowPoints,
                                                 label: s.label, errorBars: bars)))
            case .line, .dashedLine:
                layers.append(.line(LineLayer(xs: xs, ys: ys, color: color, dash: s.style == .dashedLine ? "6 4" : nil, label: s.label)))
            }
        }
        return Chart(id: id, title: plot.title, summary: plot.caption,
                     x: Axis(plot.xLabel, scale: xScale), y: Axis(plot.yLabel, scale: yScale), layers: layers)
    }

    static func drawable(_ v: Double, _ scale: AxisScale) -> Bool { v.isFinite && (scale == .linear || v > 0) }
}
