import Report
import XCTest

/// Axis arithmetic: nice numbers, linear and decade ticks, number formatting.
final class TickTests: XCTestCase {
    func testNiceNumbers() {
        XCTAssertEqual(Ticks.niceNumber(0.13, round: true), 0.1, accuracy: 1e-15)
        XCTAssertEqual(Ticks.niceNumber(0.17, round: true), 0.2, accuracy: 1e-15)
        XCTAssertEqual(Ticks.niceNumber(4.2, round: true), 5)
        XCTAssertEqual(Ticks.niceNumber(7.5, round: true), 10)
        XCTAssertEqual(Ticks.niceNumber(1.0, round: false), 1)
        XCTAssertEqual(Ticks.niceNumber(1.01, round: false), 2)
        XCTAssertEqual(Ticks.niceNumber(3e21, round: false), 5e21)
        XCTAssertEqual(Ticks.niceNumber(1000, round: true), 1000)
    }

    func testLinearTicks() {
        XCTAssertEqual(Ticks.linear(0, 1).major.map(\.value), [0, 0.2, 0.4, 0.6, 0.8, 1.0])
        XCTAssertEqual(Ticks.linear(0, 1).major.map(\.label.plain), ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
        XCTAssertEqual(Ticks.linear(2.05, 3.7).major.map(\.label.plain), ["2.5", "3.0", "3.5"])
        XCTAssertEqual(Ticks.linear(-0.025, 0.034).major.map(\.label.plain), ["-0.02", "0.00", "0.02"])
        // No 0.30000000000000004: values are integer multiples of the step.
        XCTAssertEqual(Ticks.linear(0.1, 0.5).major.map(\.value), [0.1, 0.2, 0.3, 0.4, 0.5])
        // Large values get a power-of-ten label.
        XCTAssertEqual(Ticks.linear(0, 3e9).major.map(\.label.plain), ["0", "1e9", "2e9", "3e9"])
    }

    func testDecadeTicks() {
        let t = Ticks.log(6e18, 3e22)
        XCTAssertEqual(t.major.map(\.value), [1e19, 1e20, 1e21, 1e22])
        XCTAssertEqual(t.major.map(\.label), [19, 20, 21, 22].map { .power(mantissa: nil, exponent: $0) })
        XCTAssertEqual(t.minor.first, 6e18)
        XCTAssertEqual(t.minor.last, 3e22)
        XCTAssertEqual(t.minor.count, 4 + 3 * 8 + 2, "6e18…9e18, eight per decade, 2e22, 3e22")
        // Small decades read as plain numbers.
        XCTAssertEqual(Ticks.log(0.5, 200).major.map(\.label.plain), ["1", "10", "100"])
        XCTAssertEqual(Ticks.log(0.005, 0.5).major.map(\.label.plain), ["0.01", "0.1"])
        // Exact powers of ten at the ends are included.
        XCTAssertEqual(Ticks.decades(1e3, 1e6).values, [3, 4, 5, 6])
    }

    func testManyDecadesAreThinned() {
        let (values, stride) = Ticks.decades(1, 1e20)
        XCTAssertEqual(stride, 3)
        XCTAssertEqual(values, [0, 3, 6, 9, 12, 15, 18])
        let t = Ticks.log(1, 1e20)
        XCTAssertTrue(t.minor.contains(1e1) && t.minor.contains(1e20) && !t.minor.contains(2e5), "skipped decades become minor ticks")
        XCTAssertEqual(Ticks.decades(1e-7, 1e-3).values, [-7, -6, -5, -4, -3])
        XCTAssertEqual(Ticks.log(1e-7, 1e-3).major.first?.label, .power(mantissa: nil, exponent: -7))
    }

    /// A log axis spanning less than a decade (a loss axis from 2 to 4) gets nice linear values.
    func testNarrowLogRangeUsesLinearValues() {
        let t = Ticks.log(1.95, 3.8)
        XCTAssertEqual(t.major.map(\.label.plain), ["2.0", "2.5", "3.0", "3.5"])
        XCTAssertTrue(t.minor.isEmpty)
        XCTAssertEqual(Ticks.log(0.8, 9).major.map(\.value), [2, 4, 6, 8])
    }

    func testFixedAndGeneralFormatting() {
        XCTAssertEqual(SVGText.fixed(12.345), "12.35")
        XCTAssertEqual(SVGText.fixed(3), "3")
        XCTAssertEqual(SVGText.fixed(-0.001), "0", "no negative zero")
        XCTAssertEqual(SVGText.fixed(-2.5), "-2.5")
        XCTAssertEqual(SVGText.fixed(0.05, decimals: 2), "0.05")
        XCTAssertEqual(SVGText.fixed(2.5, decimals: 2, trimZeros: false), "2.50")
        XCTAssertEqual(SVGText.fixed(-0.02, decimals: 2, trimZeros: false), "-0.02")
        XCTAssertEqual(SVGText.general(1.69), "1.69")
        XCTAssertEqual(SVGText.general(406.4), "406.4")
        XCTAssertEqual(SVGText.general(3.2174e10, significant: 3), "3.22e+10")
        XCTAssertEqual(SVGText.general(9.9996, significant: 4), "10", "rounding carries; trailing zeros dropped as %g does")
        XCTAssertEqual(SVGText.general(0.000123, significant: 3), "0.000123")
        XCTAssertEqual(SVGText.general(1.5e-7, significant: 2), "1.5e-07")
        XCTAssertEqual(SVGText.general(-1e24, significant: 3), "-1e+24")
        XCTAssertEqual(SVGText.escape("<a href=\"x\">&'</a>"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;")
    }

    func testColorScaleIsLogarithmicAndClamped() {
        let s = ColorScale(label: "N", domain: 1e6...1e10)
        XCTAssertEqual(s.fraction(1e8), 0.5, accuracy: 1e-12)
        XCTAssertEqual(s.color(1e6), ColorMap.default.stops.first!.hex)
        XCTAssertEqual(s.color(1e12), ColorMap.default.stops.last!.hex, "clamped above")
        XCTAssertEqual(RGB(255, 0, 16).hex, "#ff0010")
    }
}
