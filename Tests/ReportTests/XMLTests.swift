import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Report
import XCTest

/// Collects what an XML parse saw: element names in document order, the text of `<title>` and
/// `<desc>`, and the error if the document is not well-formed.
final class XMLOutline: NSObject, XMLParserDelegate {
    var elements: [String] = []
    var texts: [String: String] = [:]
    private var current: String?
    var error: Error?

    static func parse(_ text: String) -> XMLOutline {
        let outline = XMLOutline()
        let parser = XMLParser(data: Data(text.utf8))
        parser.delegate = outline
        if !parser.parse() { outline.error = parser.parserError ?? NSError(domain: "XML", code: 1) }
        return outline
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        elements.append(name)
        current = (name == "title" || name == "desc") && texts[name] == nil ? name : nil
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if let current { texts[current, default: ""] += string }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        current = nil
    }
}

/// Every SVG and the page are well-formed XML, with a title and a description first.
final class XMLTests: XCTestCase {
    func testEverySVGIsWellFormedWithTitleAndDesc() throws {
        let analysis = ReportAnalysis(try TestInput.load())
        for kind in FigureKind.allCases {
            let chart = try Figures.chart(kind, analysis)
            let outline = XMLOutline.parse(ChartRenderer.svg(chart))
            XCTAssertNil(outline.error, "\(kind.rawValue): \(String(describing: outline.error))")
            XCTAssertEqual(Array(outline.elements.prefix(3)), ["svg", "title", "desc"], kind.rawValue)
            XCTAssertEqual(outline.texts["title"], chart.title)
            XCTAssertTrue(outline.texts["desc"]?.contains("The x axis shows") ?? false, kind.rawValue)
        }
    }

    func testReportIsWellFormedWithOneSVGPerFigure() throws {
        let html = HTMLReport.render(try TestInput.load())
        let outline = XMLOutline.parse(html)
        XCTAssertNil(outline.error, String(describing: outline.error))
        XCTAssertEqual(outline.elements.first, "html")
        XCTAssertEqual(outline.elements.filter { $0 == "svg" }.count, FigureKind.allCases.count)
        XCTAssertEqual(outline.elements.filter { $0 == "figure" }.count, FigureKind.allCases.count)
        XCTAssertEqual(outline.elements.filter { $0 == "script" || $0 == "link" || $0 == "img" }.count, 0, "self-contained")
        XCTAssertFalse(html.contains("http://") && html.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "").contains("http"),
                       "no link leaves the page")
        XCTAssertEqual(outline.texts["title"], "Scaling laws for a <synthetic> ladder & friends", "escaped and round-tripped")
    }

    /// Forecasts made before training get their own section (linked from the contents), scored
    /// against the measured loss; an input without them has no such section.
    func testForecastsSectionOnlyWhenGiven() throws {
        var input = try TestInput.load()
        XCTAssertFalse(HTMLReport.render(input).contains("id=\"forecasts\""))
        input.forecasts = [ReportForecast(method: "approach 3 <L(N, D)>", compute: 1.2e13, loss: 1.6328, interval: [1.5568, 1.6727],
                                          measured: 1.5542),
                           ReportForecast(method: "back-test weighted", compute: 1.2e13, loss: 1.56, interval: [1.4965, 1.6112],
                                          measured: 1.5542),
                           ReportForecast(method: "not trained yet", compute: 4e13, loss: 1.5)]
        let html = HTMLReport.render(input)
        let outline = XMLOutline.parse(html)
        XCTAssertNil(outline.error, String(describing: outline.error))
        XCTAssertTrue(html.contains("<a href=\"#forecasts\">Forecasts before training</a>"))
        XCTAssertTrue(html.contains("approach 3 &lt;L(N, D)&gt;"), "escaped")
        XCTAssertTrue(html.contains("+5.06%"), "(1.6328 − 1.5542)/1.5542")
        XCTAssertTrue(html.contains("+0.37%"))
        XCTAssertEqual(try XCTUnwrap(input.forecasts?[0].relativeError), 0.0505727, accuracy: 1e-6)
        XCTAssertNil(input.forecasts?[2].relativeError)
    }

    /// Markup-like text anywhere in a chart is escaped, and comes back unchanged from a parser.
    func testTextIsEscaped() {
        let nasty = "a < b & \"c\" > 'd' </svg>"
        let chart = Chart(id: "x", title: nasty, summary: nasty, x: Axis(nasty, scale: .log), y: Axis(nasty),
                          layers: [.points(PointLayer(xs: [1, 10], ys: [1, 2], tooltips: [nasty, nasty], label: nasty)),
                                   .verticalRule(x: 3, label: nasty, color: "#000000")])
        let outline = XMLOutline.parse(ChartRenderer.svg(chart))
        XCTAssertNil(outline.error)
        XCTAssertEqual(outline.texts["title"], nasty)
        XCTAssertTrue(outline.texts["desc"]?.hasPrefix(nasty) ?? false)
    }

    /// A chart with no drawable data (empty, non-finite, non-positive on log axes) still renders.
    func testDegenerateChartsRender() {
        let charts = [
            Chart(id: "empty", title: "empty", summary: "", x: Axis("x", scale: .log), y: Axis("y", scale: .log)),
            Chart(id: "bad", title: "bad", summary: "", x: Axis("x", scale: .log), y: Axis("y"),
                  layers: [.line(LineLayer(xs: [-1, .nan, 0, 5], ys: [1, 2, .infinity, 3], color: "#000000")),
                           .band(BandLayer(xs: [1, 2], low: [.nan, 1], high: [2, 2], color: "#000000"))]),
            Chart(id: "one", title: "one point", summary: "", x: Axis("x"), y: Axis("y", scale: .log),
                  layers: [.points(PointLayer(xs: [3], ys: [3]))]),
        ]
        for chart in charts { XCTAssertNil(XMLOutline.parse(ChartRenderer.svg(chart)).error, chart.id) }
    }
}
