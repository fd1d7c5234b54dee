import Foundation

func sine(_ x: Double) -> Double { sin(x) }
func cosine(_ x: Double) -> Double { cos(x) }

extension ChartRenderer {
    /// The legend to the right of the plot, then the colour bar under it.
    static func drawLegend(_ w: inout SVGWriter, _ chart: Chart, _ f: Frame) {
        let entries = chart.legend ?? chart.layers.compactMap(LegendEntry.init(layer:))
        let x0 = f.right + 16
        var y = f.top + 6
        if !entries.isEmpty {
            w.open("g", [("class", "legend"), ("font-size", "12"), ("fill", "#1a1a1a")])
            for e in entries {
                let cy = y + 8
                switch e.swatch {
                case let .line(color, width, dash):
                    var a: SVGWriter.Attributes = [("x1", n(x0)), ("y1", n(cy)), ("x2", n(x0 + 24)), ("y2", n(cy)),
                                                   ("stroke", color), ("stroke-width", n(width))]
                    if let dash { a.append(("stroke-dasharray", dash)) }
                    w.element("line", a)
                case let .marker(shape, color, hollow):
                    let (tag, geometry) = marker(shape, x0 + 12, cy, 4)
                    let paint: SVGWriter.Attributes = hollow || shape == .cross
                        ? [("fill", "none"), ("stroke", color), ("stroke-width", "1.6")]
                        : [("fill", color)]
                    w.element(tag, geometry + paint)
                case let .band(color, opacity):
                    w.element("rect", [("x", n(x0)), ("y", n(cy - 6)), ("width", "24"), ("height", "12"),
                                       ("fill", color), ("fill-opacity", n(opacity))])
                }
                w.element("text", [("x", n(x0 + 32)), ("y", n(cy + 4))], text: e.label)
                y += 20
            }
            w.close("g")
            y += 10
        }
        if let scale = chart.colorScale { drawColorBar(&w, scale, x: x0, y: y) }
    }

    /// A horizontal colour bar 160 px wide with the scale's label above and its ticks below.
    static func drawColorBar(_ w: inout SVGWriter, _ s: ColorScale, x: Double, y: Double) {
        let width = 160.0, height = 12.0, steps = 40
        w.open("g", [("class", "color-bar"), ("font-size", "11"), ("fill", "#1a1a1a")])
        w.element("text", [("x", n(x)), ("y", n(y + 10)), ("font-size", "12")], text: s.label)
        let top = y + 18
        for k in 0..<steps {
            let t = (Double(k) + 0.5) / Double(steps)
            w.element("rect", [("x", n(x + width * Double(k) / Double(steps))), ("y", n(top)),
                               ("width", n(width / Double(steps) + 0.3)), ("height", n(height)),
                               ("fill", s.map.color(at: t).hex)])
        }
        w.element("rect", [("x", n(x)), ("y", n(top)), ("width", n(width)), ("height", n(height)),
                           ("fill", "none"), ("stroke", "#4d4d4d"), ("stroke-width", "0.8")])
        let lo = s.domain.lowerBound, hi = s.domain.upperBound
        var ticks: [Tick] = []
        if hi > lo {
            let all = s.scale == .log ? Ticks.log(lo, hi, maxMajor: 4) : Ticks.linear(lo, hi, count: 4)
            ticks = all.major
        }
        if ticks.count < 2 {
            ticks = [Tick(value: lo, label: .text(SVGText.general(lo, significant: 2))),
                     Tick(value: hi, label: .text(SVGText.general(hi, significant: 2)))]
        }
        for t in ticks {
            let px = x + width * min(max(s.fraction(t.value), 0), 1)
            w.element("line", [("x1", n(px)), ("y1", n(top + height)), ("x2", n(px)), ("y2", n(top + height + 4)),
                               ("stroke", "#4d4d4d")])
            w.element("text", [("x", n(px)), ("y", n(top + height + 17)), ("text-anchor", "middle")], markup: labelMarkup(t.label))
        }
        w.close("g")
    }
}
