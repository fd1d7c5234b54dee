/// The self-contained HTML report: one file with inline CSS and inline SVG figures, no
/// scripts and no links to anything outside it, so it works offline and in any archive.
///
/// The page is well-formed XML (every element closed, only XML's own entities), so the same
/// parser that checks the SVG checks the page.
public enum HTMLReport {
    /// The page for an input. Deterministic: the same input gives the same bytes.
    public static func render(_ input: ReportInput) -> String {
        let a = ReportAnalysis(input)
        let (charts, missing) = Figures.all(a)
        var h = HTMLBuilder()
        h.raw("<!DOCTYPE html>")
        h.open("html", [("lang", "en")])
        h.open("head")
        h.raw("<meta charset=\"utf-8\"/>")
        h.raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>")
        h.raw("<meta name=\"generator\" content=\"ScaleLab \(h.escape(input.provenance.scalelabVersion))\"/>")
        h.element("title", text: input.title)
        h.open("style")
        h.raw(Stylesheet.css)
        h.close("style")
        h.close("head")
        h.open("body")
        h.open("header")
        h.element("h1", text: input.title)
        h.element("p", [("class", "lede")], text: lede(a))
        // Signs, found while reading, that the runs are several sweeps (`FitReport.warnings`).
        if let warnings = a.main?.report.warnings, !warnings.isEmpty {
            h.open("ul", [("class", "missing"), ("aria-label", "Warnings about the data")])
            for w in warnings { h.element("li", text: "Warning: \(w)") }
            h.close("ul")
        }
        h.close("header")
        h.open("main")
        keyNumbers(&h, a)
        h.open("nav", [("aria-label", "Contents")])
        h.open("ol")
        let hasForecasts = !(input.forecasts ?? []).isEmpty
        let sections = [("figures", "Figures"), ("parameters", "Fitted parameters"), ("plan", "Plan")]
            + (hasForecasts ? [("forecasts", "Forecasts before training")] : [])
            + (input.sections ?? []).map { ($0.anchor, $0.title) }
            + [("comparison", "Comparison of laws"), ("isoflop-table", "IsoFLOP minima"), ("provenance", "Provenance")]
        for (id, name) in sections { h.element("li", markup: "<a href=\"#\(id)\">\(h.escape(name))</a>") }
        h.close("ol")
        h.close("nav")
        h.open("section", [("id", "figures")])
        h.element("h2", text: "Figures")
        for (kind, chart) in charts {
            h.open("figure", [("id", "figure-\(kind.rawValue)")])
            h.raw(ChartRenderer.svg(chart))
            h.element("figcaption", markup: "<strong>\(h.escape(kind.title)).</strong> \(h.escape(chart.summary))")
            h.close("figure")
        }
        if !missing.isEmpty {
            h.open("ul", [("class", "missing")])
            for m in missing { h.element("li", text: "Not drawn — \(m.kind.title): \(m.reason).") }
            h.close("ul")
        }
        h.close("section")
        HTMLTables.parameters(&h, a)
        HTMLTables.plan(&h, a)
        if hasForecasts { HTMLTables.forecasts(&h, a) }
        HTMLTables.sections(&h, input.sections ?? [])
        HTMLTables.comparison(&h, a)
        HTMLTables.isoflop(&h, a)
        HTMLTables.provenance(&h, a)
        h.close("main")
        h.element("footer", text: "Made by ScaleLab \(input.provenance.scalelabVersion). One file: inline SVG and CSS, no scripts, works offline.")
        h.close("body")
        h.close("html")
        return h.text
    }

    static func lede(_ a: ReportAnalysis) -> String {
        let p = a.input.provenance
        var s = "\(a.input.runs.count) runs from \(p.source)"
        if let fit = a.main { s += "; main law \(fit.report.law): \(fit.report.formula)" }
        return s + "."
    }

    /// A row of headline numbers: the allocation exponents and the forecast at the first budget.
    static func keyNumbers(_ h: inout HTMLBuilder, _ a: ReportAnalysis) {
        var cards: [(String, String, String)] = []
        if let fit = a.main {
            let r = fit.report
            if let aExp = r.derived["a"] {
                cards.append(("N_opt ∝ C^a", SVGText.fixed(aExp, decimals: 3), r.derivedIntervals?["a"].map(interval) ?? "approach 3"))
            }
            if let bExp = r.derived["b"] {
                cards.append(("D_opt ∝ C^b", SVGText.fixed(bExp, decimals: 3), r.derivedIntervals?["b"].map(interval) ?? "approach 3"))
            }
            if let E = r.parameters["E"] { cards.append(("irreducible loss E", num(E), r.intervals?["E"].map(interval) ?? "")) }
        }
        if let e = a.isoflop?.exponent { cards.append(("IsoFLOP exponent a", SVGText.fixed(e, decimals: 3), "approach 2")) }
        if let fit = a.main, let C = a.input.budgets.first, let b = fit.report.budgets.first(where: { $0.compute == C }) {
            if let N = b.values["N_opt"] { cards.append(("N_opt at \(num(C)) FLOPs", num(N), b.intervals?["N_opt"].map(interval) ?? "")) }
            if let L = b.values["loss"] { cards.append(("loss at \(num(C)) FLOPs", num(L), b.intervals?["loss"].map(interval) ?? "")) }
        }
        guard !cards.isEmpty else { return }
        h.open("section", [("class", "cards"), ("aria-label", "Key numbers")])
        for (label, value, note) in cards {
            h.open("div", [("class", "card")])
            h.element("div", [("class", "card-label")], text: label)
            h.element("div", [("class", "card-value")], text: value)
            h.element("div", [("class", "card-note")], text: note)
            h.close("div")
        }
        h.close("section")
    }
}

/// `[low, high]` with 3 significant digits.
func interval(_ v: [Double]) -> String {
    v.count == 2 ? "[\(num(v[0])), \(num(v[1]))]" : ""
}

/// An XML-safe HTML writer: the same discipline as `SVGWriter`, for the page around the figures.
struct HTMLBuilder {
    private(set) var text = ""
    private var stack: [String] = []

    func escape(_ s: String) -> String { SVGText.escape(s) }

    private func attributes(_ a: [(String, String)]) -> String { a.map { " \($0.0)=\"\(escape($0.1))\"" }.joined() }

    mutating func raw(_ s: String) { text += s + "\n" }

    mutating func open(_ tag: String, _ a: [(String, String)] = []) {
        text += "<\(tag)\(attributes(a))>\n"
        stack.append(tag)
    }

    mutating func close(_ tag: String) {
        precondition(stack.last == tag, "closing <\(tag)> but the open element is <\(stack.last ?? "none")>")
        stack.removeLast()
        text += "</\(tag)>\n"
    }

    mutating func element(_ tag: String, _ a: [(String, String)] = [], text content: String) {
        text += "<\(tag)\(attributes(a))>\(escape(content))</\(tag)>\n"
    }

    mutating func element(_ tag: String, _ a: [(String, String)] = [], markup: String) {
        text += "<\(tag)\(attributes(a))>\(markup)</\(tag)>\n"
    }

    /// A table with a caption; cells are escaped text, `numeric` columns right-aligned.
    mutating func table(caption: String?, header: [String], rows: [[String]], numeric: Set<Int> = []) {
        open("div", [("class", "table-wrap")])
        open("table")
        if let caption { element("caption", text: caption) }
        open("thead")
        element("tr", markup: header.enumerated().map { "<th\($0.offset > 0 && numeric.contains($0.offset) ? " class=\"num\"" : "")>\(escape($0.element))</th>" }.joined())
        close("thead")
        open("tbody")
        for row in rows {
            element("tr", markup: row.enumerated().map { j, cell in
                "<td\(numeric.contains(j) ? " class=\"num\"" : "")>\(escape(cell))</td>"
            }.joined())
        }
        close("tbody")
        close("table")
        close("div")
    }
}
