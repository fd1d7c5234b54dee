import Foundation
import Trainer
import XCTest

/// Known answers of the trainer's generator (xoshiro256** seeded through SplitMix64): weight
/// initialization and data order come from it, so the same seed must keep giving bitwise the
/// same stream (and so bitwise the same losses) whatever the code around it becomes.
final class SeededGeneratorTests: XCTestCase {
    func testSeedingKnownAnswers() {
        let g = SeededGenerator(seed: 0)
        // The first four SplitMix64 outputs of seed 0 (Vigna's splitmix64.c).
        XCTAssertEqual([g.s0, g.s1, g.s2, g.s3],
                       [0xE220_A839_7B1D_CDAF, 0x6E78_9E6A_A1B9_65F4, 0x06C4_5D18_8009_454F, 0xF88B_B8A8_724C_81EC])
        let h = SeededGenerator(seed: 2024)
        XCTAssertEqual([h.s0, h.s1, h.s2, h.s3],
                       [0x9F6D_8FEC_F88E_ECD5, 0x18E4_30BB_1511_F2D2, 0x4C6F_7CBF_58DB_A57F, 0x1DBE_69E0_AE9B_B859])
    }

    func testStreamKnownAnswers() {
        var g = SeededGenerator(seed: 5)
        XCTAssertEqual((0..<4).map { _ in g.next() },
                       [0x49D5_5178_CA54_CF69, 0x9A22_115A_4D26_24DC, 0xA648_B1CC_F0BB_BBAE, 0xD251_1E20_DE93_3BC5])
        var u = SeededGenerator(seed: 6)
        XCTAssertEqual((0..<3).map { _ in u.nextGaussian().bitPattern },
                       [0x3FF9_6236_DE48_CA1C, 0x3FF4_B1D6_AFC1_3F8A, 0x3FE3_D92B_EC2D_E19E])
        XCTAssertEqual((0..<3).map { _ in u.nextInt(below: 1000) }, [45, 810, 961])
    }
}
