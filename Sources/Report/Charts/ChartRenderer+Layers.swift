extension ChartRenderer {
    static func draw(_ w: inout SVGWriter, _ layer: Layer, _ f: Frame) {
        switch layer {
        case .band(let b): drawBand(&w, b, f)
        case .line(let l): drawLine(&w, l, f)
        case .points(let p): drawPoints(&w, p, f)
        case let .verticalRule(x, _, color):
            guard let px = f.x.position(x) else { return }
            w.element("line", [("x1", n(px)), ("y1", n(f.top)), ("x2", n(px)), ("y2", n(f.bottom)),
                               ("stroke", color), ("stroke-width", "1.2"), ("stroke-dasharray", "3 3")])
        case let .horizontalRule(y, color):
            guard let py = f.y.position(y) else { return }
            w.element("line", [("x1", n(f.left)), ("y1", n(py)), ("x2", n(f.right)), ("y2", n(py)),
                               ("stroke", color), ("stroke-width", "1.2")])
        }
    }

    /// Path data through the drawable points; a point that cannot be drawn starts a new piece.
    static func pathData(_ xs: [Double], _ ys: [Double], _ f: Frame) -> String {
        var parts: [String] = []
        var pen = false
        for (x, y) in zip(xs, ys) {
            guard let px = f.x.position(x), let py = f.y.position(y) else { pen = false; continue }
            parts.append((pen ? "L" : "M") + n(px) + " " + n(py))
            pen = true
        }
        return parts.joined(separator: " ")
    }

    static func drawLine(_ w: inout SVGWriter, _ l: LineLayer, _ f: Frame) {
        let d = pathData(l.xs, l.ys, f)
        guard !d.isEmpty else { return }
        var a: SVGWriter.Attributes = [("d", d), ("fill", "none"), ("stroke", l.color), ("stroke-width", n(l.width)),
                                       ("stroke-linejoin", "round"), ("stroke-linecap", "round")]
        if let dash = l.dash { a.append(("stroke-dasharray", dash)) }
        w.element("path", a)
    }

    /// One closed polygon per run of points where x, low and high can all be drawn.
    static func drawBand(_ w: inout SVGWriter, _ b: BandLayer, _ f: Frame) {
        var pieces: [[(Double, Double, Double)]] = [[]]
        for i in b.xs.indices {
            if let px = f.x.position(b.xs[i]), let lo = f.y.position(b.low[i]), let hi = f.y.position(b.high[i]) {
                pieces[pieces.count - 1].append((px, lo, hi))
            } else if !pieces[pieces.count - 1].isEmpty {
                pieces.append([])
            }
        }
        for piece in pieces where piece.count >= 2 {
            let forward = piece.enumerated().map { ($0.offset == 0 ? "M" : "L") + n($0.element.0) + " " + n($0.element.1) }
            let back = piece.reversed().map { "L" + n($0.0) + " " + n($0.2) }
            w.element("path", [("d", (forward + back).joined(separator: " ") + " Z"), ("fill", b.color),
                               ("fill-opacity", n(b.opacity)), ("stroke", "none")])
        }
    }

    static func drawPoints(_ w: inout SVGWriter, _ p: PointLayer, _ f: Frame) {
        w.open("g", [("class", "points")])
        for i in p.xs.indices {
            guard let px = f.x.position(p.xs[i]), let py = f.y.position(p.ys[i]) else { continue }
            let color = p.colors?[i] ?? p.color
            if let bar = p.errorBars?[i], bar.count == 2, let lo = f.y.position(bar[0]), let hi = f.y.position(bar[1]) {
                let cap = p.radius + 1
                w.element("path", [("d", "M\(n(px)) \(n(lo)) L\(n(px)) \(n(hi)) M\(n(px - cap)) \(n(lo)) L\(n(px + cap)) \(n(lo)) "
                                         + "M\(n(px - cap)) \(n(hi)) L\(n(px + cap)) \(n(hi))"),
                                   ("stroke", color), ("stroke-width", "1.2"), ("fill", "none")])
            }
            let (tag, geometry) = marker(p.shape, px, py, p.radius)
            let paint: SVGWriter.Attributes = p.hollow || p.shape == .cross
                ? [("fill", "none"), ("stroke", color), ("stroke-width", "1.6")]
                : [("fill", color), ("stroke", "#ffffff"), ("stroke-width", "0.6")]
            if let tip = p.tooltips?[i] {
                w.element(tag, geometry + paint, markup: "<title>\(SVGText.escape(tip))</title>")
            } else {
                w.element(tag, geometry + paint)
            }
        }
        w.close("g")
    }

    /// The element and geometry of a marker of radius `r` centred at (x, y).
    static func marker(_ shape: MarkerShape, _ x: Double, _ y: Double, _ r: Double) -> (String, SVGWriter.Attributes) {
        func path(_ points: [(Double, Double)]) -> (String, SVGWriter.Attributes) {
            ("path", [("d", points.enumerated().map { ($0.offset == 0 ? "M" : "L") + n($0.element.0) + " " + n($0.element.1) }
                .joined(separator: " ") + " Z")])
        }
        switch shape {
        case .circle:
            return ("circle", [("cx", n(x)), ("cy", n(y)), ("r", n(r))])
        case .square:
            let s = r * 0.9
            return ("rect", [("x", n(x - s)), ("y", n(y - s)), ("width", n(2 * s)), ("height", n(2 * s))])
        case .diamond:
            let s = r * 1.3
            return path([(x, y - s), (x + s, y), (x, y + s), (x - s, y)])
        case .triangle:
            let s = r * 1.25
            return path([(x, y - s), (x + s * 0.866, y + s * 0.5), (x - s * 0.866, y + s * 0.5)])
        case .cross:
            let s = r
            return ("path", [("d", "M\(n(x - s)) \(n(y - s)) L\(n(x + s)) \(n(y + s)) M\(n(x - s)) \(n(y + s)) L\(n(x + s)) \(n(y - s))")])
        case .star:
            // Five outer points at radius 1.6 r, five inner at 0.65 r, starting straight up.
            let outer = r * 1.6, inner = r * 0.65
            let points = (0..<10).map { k -> (Double, Double) in
                let rad = k % 2 == 0 ? outer : inner
                let angle = Double(k) * Double.pi / 5 - Double.pi / 2
                return (x + rad * cosine(angle), y + rad * sine(angle))
            }
            return path(points)
        }
    }
}
