extension ChartRenderer {
    /// Grid lines at major ticks, tick marks, tick labels and the axis labels.
    static func drawAxes(_ w: inout SVGWriter, _ chart: Chart, _ f: Frame) {
        let xt = f.x.ticks, yt = f.y.ticks
        w.open("g", [("class", "grid"), ("stroke", "#e3e3e3"), ("stroke-width", "1")])
        for t in xt.major { if let px = f.x.position(t.value), f.x.contains(t.value) {
            w.element("line", [("x1", n(px)), ("y1", n(f.top)), ("x2", n(px)), ("y2", n(f.bottom))]) } }
        for t in yt.major { if let py = f.y.position(t.value), f.y.contains(t.value) {
            w.element("line", [("x1", n(f.left)), ("y1", n(py)), ("x2", n(f.right)), ("y2", n(py))]) } }
        w.close("g")
        w.open("g", [("class", "ticks"), ("stroke", "#4d4d4d"), ("stroke-width", "1")])
        for (values, length) in [(xt.major.map(\.value), 6.0), (xt.minor, 3.0)] {
            for v in values { if let px = f.x.position(v), f.x.contains(v) {
                w.element("line", [("x1", n(px)), ("y1", n(f.bottom)), ("x2", n(px)), ("y2", n(f.bottom + length))]) } }
        }
        for (values, length) in [(yt.major.map(\.value), 6.0), (yt.minor, 3.0)] {
            for v in values { if let py = f.y.position(v), f.y.contains(v) {
                w.element("line", [("x1", n(f.left - length)), ("y1", n(py)), ("x2", n(f.left)), ("y2", n(py))]) } }
        }
        w.close("g")
        w.open("g", [("class", "tick-labels"), ("fill", "#333333"), ("font-size", "12")])
        for t in xt.major { if let px = f.x.position(t.value), f.x.contains(t.value) {
            w.element("text", [("x", n(px)), ("y", n(f.bottom + 20)), ("text-anchor", "middle")], markup: labelMarkup(t.label)) } }
        for t in yt.major { if let py = f.y.position(t.value), f.y.contains(t.value) {
            w.element("text", [("x", n(f.left - 9)), ("y", n(py + 4)), ("text-anchor", "end")], markup: labelMarkup(t.label)) } }
        w.close("g")
        w.element("text", [("x", n((f.left + f.right) / 2)), ("y", n(chart.height - 14)), ("text-anchor", "middle"),
                           ("font-size", "13"), ("fill", "#1a1a1a")], text: chart.x.label)
        let cy = (f.top + f.bottom) / 2
        w.element("text", [("x", "20"), ("y", n(cy)), ("text-anchor", "middle"), ("font-size", "13"), ("fill", "#1a1a1a"),
                           ("transform", "rotate(-90 20 \(n(cy)))")], text: chart.y.label)
    }

    /// A tick label as SVG text content: `2.5`, or `10` with a raised exponent.
    static func labelMarkup(_ label: TickLabel) -> String {
        switch label {
        case .text(let s):
            return SVGText.escape(s)
        case let .power(mantissa, exponent):
            let base = (mantissa.map { SVGText.escape($0) + "×" } ?? "") + "10"
            // The exponent is raised with `dy` and the text after it lowered back, so the label's
            // baseline is unchanged for whatever follows.
            return base + "<tspan dy=\"-6\" font-size=\"9\">\(exponent < 0 ? "−" : "")\(abs(exponent))</tspan>"
        }
    }

    /// Labels of vertical rules, drawn above the clip so they are never cut.
    static func drawRuleLabels(_ w: inout SVGWriter, _ chart: Chart, _ f: Frame) {
        for layer in chart.layers {
            guard case let .verticalRule(x, label, color) = layer, let px = f.x.position(x), f.x.contains(x) else { continue }
            let anchor = px > (f.left + f.right) / 2 ? "end" : "start"
            w.element("text", [("x", n(anchor == "end" ? px - 4 : px + 4)), ("y", n(f.top + 14)), ("text-anchor", anchor),
                               ("font-size", "11"), ("fill", color)], text: label)
        }
    }
}
