import Analysis
import Foundation
import Report
import XCTest

/// The smallest positive Double (4.9e-324), written without a literal that the compiler warns underflows.
private let subnormalMin = Double.leastNonzeroMagnitude

/// Any finite input draws: huge and subnormal losses, FLOPs and budgets near the largest
/// Double, a single run, identical runs, and spans of hundreds of decades give a page (never a
/// trap), with finite coordinates in every attribute.
final class ExtremeValueTests: XCTestCase {
    /// The fixture with its runs changed by `edit`; the approaches are recomputed from the
    /// changed runs, as the analysis layer would.
    private func variant(_ edit: (inout [ReportRun]) -> Void, budgets: [Double]? = nil) throws -> ReportInput {
        var input = try TestInput.load()
        edit(&input.runs)
        input.approaches = ReportBuilder.approaches(input.runs)
        if let budgets { input.budgets = budgets }
        return input
    }

    /// Renders every figure and the page, and checks that they are well-formed and that no
    /// attribute holds a non-finite number.
    private func assertDraws(_ input: ReportInput, _ name: String, file: StaticString = #filePath, line: UInt = #line) {
        let analysis = ReportAnalysis(input)
        var svgs: [String] = []
        for kind in FigureKind.allCases {
            if let chart = try? Figures.chart(kind, analysis) { svgs.append(ChartRenderer.svg(chart)) }
        }
        let page = HTMLReport.render(input)
        XCTAssertTrue(page.hasPrefix("<!DOCTYPE html>"), name, file: file, line: line)
        let badAttribute = try! NSRegularExpression(pattern: #"="[^"]*\b(nan|inf|-inf)\b[^"]*""#)
        for svg in svgs {
            XCTAssertNil(XMLOutline.parse(svg).error, "\(name): not well-formed", file: file, line: line)
            let match = badAttribute.firstMatch(in: svg, range: NSRange(svg.startIndex..., in: svg))
            XCTAssertNil(match, "\(name): non-finite attribute \(match.map { (svg as NSString).substring(with: $0.range) } ?? "")",
                         file: file, line: line)
            XCTAssertTrue(page.contains(svg), "\(name): the page inlines every figure", file: file, line: line)
            // No two ticks of an axis read alike.
            for anchor in ["middle", "end"] {
                let labels = tickLabels(svg, anchor: anchor)
                XCTAssertEqual(Set(labels).count, labels.count, "\(name): repeated tick labels \(labels)", file: file, line: line)
            }
        }
    }

    /// The tick labels of one axis (x: anchored in the middle, y: at the end), as markup.
    private func tickLabels(_ svg: String, anchor: String) -> [String] {
        guard let start = svg.range(of: "<g class=\"tick-labels\""), let end = svg.range(of: "</g>", range: start.upperBound..<svg.endIndex)
        else { return [] }
        let group = String(svg[start.upperBound..<end.lowerBound])
        let pattern = try! NSRegularExpression(pattern: "text-anchor=\"\(anchor)\">(.*?)</text>")
        return pattern.matches(in: group, range: NSRange(group.startIndex..., in: group)).map { (group as NSString).substring(with: $0.range(at: 1)) }
    }

    func testHugeLosses() throws {
        assertDraws(try variant { runs in for i in runs.indices { runs[i].loss *= 1e15 } }, "loss × 1e15")
        assertDraws(try variant { runs in for i in runs.indices { runs[i].loss = 1e300 } }, "loss 1e300")
        assertDraws(try variant { runs in runs[0].loss = 1e300 }, "one loss 1e300")
        assertDraws(try variant { runs in runs[3].loss = .greatestFiniteMagnitude }, "one loss at the largest Double")
    }

    func testSubnormalLoss() throws {
        assertDraws(try variant { runs in runs[0].loss = subnormalMin }, "one loss 4.9e-324")
        assertDraws(try variant { runs in for i in runs.indices { runs[i].loss = subnormalMin } }, "every loss 4.9e-324")
    }

    func testHugeCompute() throws {
        assertDraws(try variant { runs in runs[0].compute = 1e300 }, "one C 1e300")
        assertDraws(try variant { runs in for i in runs.indices { runs[i].compute = 1e300 } }, "every C 1e300")
        assertDraws(try variant { runs in runs[1].compute = .greatestFiniteMagnitude }, "one C at the largest Double")
    }

    func testHugeBudget() throws {
        assertDraws(try variant({ _ in }, budgets: [1e300]), "budget 1e300")
        assertDraws(try variant({ _ in }, budgets: [.greatestFiniteMagnitude]), "budget at the largest Double")
        assertDraws(try variant({ _ in }, budgets: [subnormalMin]), "budget 4.9e-324")
    }

    func testSpansOfHundredsOfDecades() throws {
        assertDraws(try variant { runs in
            for i in runs.indices { runs[i].loss = pow(10, -300 + 600 * Double(i) / Double(runs.count - 1)) }
        }, "losses 1e-300 … 1e300")
        assertDraws(try variant { runs in runs[0].compute = subnormalMin; runs[1].compute = 1e308 }, "C 4.9e-324 … 1e308")
    }

    func testOneRunAndIdenticalRuns() throws {
        assertDraws(try variant { runs in runs = [runs[5]] }, "a single run")
        assertDraws(try variant { runs in runs = Array(repeating: runs[5], count: 12) }, "12 identical runs")
        assertDraws(try variant { runs in
            runs = Array(repeating: runs[5], count: 3)
            for i in runs.indices { runs[i].loss = 1e300 }
        }, "identical runs at loss 1e300")
    }

    func testLearningCurvesWithExtremeValues() throws {
        assertDraws(try variant { runs in
            for i in runs.indices {
                runs[i].learningCurve = runs[i].learningCurve?.map { .init(tokens: $0.tokens * 1e280, loss: $0.loss * Double("1e-310")!) }
            }
        }, "curves at 1e280 tokens and subnormal losses")
    }

    /// Ticks for any range: a single value, equal ends, a span of hundreds of decades, ends at
    /// the extremes of Double; every tick finite and inside the range.
    func testTicksForAnyRange() {
        let ranges: [(Double, Double)] = [
            (1, 1), (1e300, 1e300), (subnormalMin, subnormalMin), (subnormalMin, 1e308), (1e-300, 1e300),
            (1, 1 + 1e-15), (1, 1 + 1e-11), (1e15, 1e15 + 1), (-.greatestFiniteMagnitude, .greatestFiniteMagnitude),
            (0, .greatestFiniteMagnitude), (2, 1), (subnormalMin, (2 * subnormalMin)), (1e308, .greatestFiniteMagnitude),
            (1e300, 1e300 + 5e286), (-1e300 - 5e286, -1e300), (3, 3 + 4e-14),
        ]
        for (low, high) in ranges {
            for t in [Ticks.linear(low, high), Ticks.log(abs(low), abs(high))] {
                XCTAssertTrue((t.major.map(\.value) + t.minor).allSatisfy(\.isFinite), "[\(low), \(high)]: \(t)")
                XCTAssertLessThanOrEqual(t.major.count + t.minor.count, 1000, "[\(low), \(high)]")
                // Labels differ where 15 significant digits can tell the values apart (a chart's
                // linear domain is never narrower than 1e-12 of its values).
                if abs(high - low) >= 1e-12 * max(abs(low), abs(high)) {
                    let labels = t.major.map(\.label.plain)
                    XCTAssertEqual(Set(labels).count, labels.count, "[\(low), \(high)]: \(labels)")
                }
            }
        }
        // Six hundred decades: every 75th or 76th labelled, at most 8 labels.
        XCTAssertTrue((6...8).contains(Ticks.log(1e-300, 1e300).major.count), "\(Ticks.log(1e-300, 1e300).major.map(\.label.plain))")
    }

    func testNumbersAtTheExtremesOfDouble() {
        XCTAssertEqual(SVGText.general(subnormalMin), "4.941e-324")
        XCTAssertEqual(SVGText.general(2.2250738585072014e-308), "2.225e-308")
        XCTAssertEqual(SVGText.general(.greatestFiniteMagnitude), "1.798e+308")
        XCTAssertEqual(Double(SVGText.fixed(1e300))!, 1e300, accuracy: 1e286)
        XCTAssertEqual(Double(SVGText.fixed(-3.5e19, decimals: 0))!, -3.5e19, accuracy: 1e5)
        XCTAssertEqual(SVGText.fixed(1, decimals: 12), "1")
        XCTAssertEqual(SVGText.fixed(1.5, decimals: 40, trimZeros: false), "1.500000000000000")
        XCTAssertEqual(SVGText.fixed(.nan), "nan")
    }
}
