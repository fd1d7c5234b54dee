import Foundation
import LawFitting
import ScalingLaws
import Testing

/// The checks a file passes beyond its syntax: scale columns that cannot be the quantity they are
/// read as, C against 6ND, the provenance a fit records, and what a too-small file needs.
@Suite struct InputChecksTests {
    /// Rows of N, D and a C that is `factor` × 6ND on every row.
    private func table(factor: Double) -> String {
        var text = "params,tokens,flops,loss\n"
        for (i, N) in [4e7, 1e8, 3e8, 1e9].enumerated() {
            for D in [1e9, 4e9, 1.6e10] {
                text += "\(N),\(D),\(factor * 6 * N * D),\(3.0 - 0.1 * Double(i))\n"
            }
        }
        return text
    }

    @Test func computeAtSixNDPassesWithoutAWarning() throws {
        let set = try InputFixtures.read(table(factor: 1.0), as: "exact.csv")
        let check = try #require(set.computeCheck)
        #expect(check.rows == 12)
        #expect(abs(check.medianRatio - 1) < 1e-12)
        #expect(check.rowsOutside == 0)
        #expect(check.warning == nil)
    }

    /// A C of 10 × 6ND (the mistake a user's import hit silently) is named, with its factor.
    @Test func computeTenTimesSixNDWarns() throws {
        let set = try InputFixtures.read(table(factor: 10), as: "tenfold.csv")
        let check = try #require(set.computeCheck)
        #expect(abs(check.medianRatio - 10) < 1e-9)
        #expect(check.rowsOutside == 12)
        let warning = try #require(check.warning)
        #expect(warning.contains("on every row"))
        #expect(warning.contains("median 10.000"))
        #expect(warning.contains("PF-days"))
    }

    /// The band is a factor of 2 either way: an exact count with attention and embeddings (1.4×)
    /// is no warning; a few rows far off are counted.
    @Test func theToleranceIsAFactorOfTwo() throws {
        #expect(ComputeCheck(ratios: [1.4, 1.3, 0.6])?.warning == nil)
        let some = try #require(ComputeCheck(ratios: [1, 1, 1, 3]))
        #expect(some.rowsOutside == 1)
        #expect(some.warning?.contains("on 1 of 4 rows") == true)
        #expect(ComputeCheck(ratios: []) == nil)
    }

    /// Without a C column there is nothing to compare; C derived as 6ND is provenance, not a check.
    @Test func derivedComputeIsRecordedAsProvenance() throws {
        let set = try InputFixtures.read("params,tokens,loss\n1e8,2e9,3.1\n2e8,4e9,3.0\n", as: "nd.csv")
        #expect(set.computeCheck == nil)
        #expect(set.provenance == ["N": "params", "D": "tokens", "C": "derived: C = 6ND", "L": "loss"])
        let mixed = try InputFixtures.read("params,tokens,flops,loss\n1e8,2e9,1.2e18,3.1\n2e8,4e9,,3.0\n", as: "mixed.csv")
        #expect(mixed.provenance["C"] == "flops (derived: C = 6ND where empty)")
        #expect(mixed.computeCheck?.rows == 1)
    }

    /// A "compute" column holding 2 to 4 was once fitted as FLOPs with a negative exponent.
    @Test func aScaleColumnOfSmallNumbersIsRefused() throws {
        let text = "params,compute,loss\n1e8,2.0,3.1\n2e8,3.1,3.0\n4e8,4.0,2.9\n"
        let set = try InputFixtures.read(text, as: "logc.csv")      // reading alone does not judge
        do {
            try set.checkScales()
            Issue.record("a compute column of 2 to 4 must be refused")
        } catch {
            guard case .implausibleScale = error else { Issue.record("wrong error: \(error)"); return }
            expectMessage(error, contains: ["column 'compute'", "C (FLOPs)", "from 2.000 to 4.000", "log10", "--c-column",
                                            "derive it as 6ND"])
        }
        // One large value is enough: the floor is on the column's largest value, not every value.
        try InputFixtures.read("params,tokens,loss\n50,1e9,3.1\n1e8,2e9,3.0\n", as: "small-n.csv").checkScales()
        // BNSL's published sweep counts a few hundred training examples: still a data size.
        try MeasurementReader().read(path: InputFixtures.path("bnsl_4digit_addition.csv")).checkScales()
        #expect(throws: MeasurementInputError.self) {
            try InputFixtures.read("params,tokens,loss\n1,1e9,3.1\n1,2e9,3.0\n", as: "one.csv").checkScales()
        }
    }

    /// The message for too few rows says the minimum and how --fix lowers it.
    @Test func tooFewRowsSaysWhatMakesAFitPossible() throws {
        let error = MeasurementInputError.tooFewPoints(file: "three.csv", law: "chinchilla", parameters: 5, points: 3)
        expectMessage(error, contains: ["need at least 6", "--fix NAME=VALUE", "hold 3 of E, A, B, alpha, beta",
                                        "fewer parameters"])
    }
}
