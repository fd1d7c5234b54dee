import XCTest
@testable import Trainer

/// CFloatMath's square roots (AdamW's) are bitwise Swift's `squareRoot()`, special values included.
final class SquareRootTests: XCTestCase {
    func testSquareRootsAreBitwiseSwiftsSquareRoot() {
        var values: [Float] = [0, -0, 1, 2, 0.25, .leastNonzeroMagnitude, .leastNormalMagnitude,
                               .greatestFiniteMagnitude, .infinity, -1, -.infinity, .nan, 1e-30, 3e38]
        var g = SeededGenerator(seed: 7)
        for _ in 0..<(16 * 64 - values.count) { values.append(Float(bitPattern: UInt32.random(in: 0..<0x7F80_0000, using: &g))) }
        for k in stride(from: 0, to: values.count, by: 16) {
            let v = SIMD16<Float>(values[k..<(k + 16)])
            let r = squareRoot16(v)
            for l in 0..<16 {
                let want = v[l].squareRoot()
                XCTAssertEqual(r[l].bitPattern, want.bitPattern, "sqrt16 of \(v[l])")
                XCTAssertEqual(squareRoot1(v[l]).bitPattern, want.bitPattern, "sqrt of \(v[l])")
            }
        }
    }
}
