import Analysis
import Foundation
import LawFitting
import Report
import ScalingLaws
import XCTest

/// The report input every Report test draws: a small synthetic ladder with learning curves and a
/// bootstrapped, back-tested Chinchilla fit, pinned as a JSON fixture so that snapshots do not
/// depend on the optimizer's last bits. `SCALELAB_UPDATE_SNAPSHOTS=1` regenerates it.
enum TestInput {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let fixture = directory.appendingPathComponent("Fixtures/ladder-input.json")
    static let snapshots = directory.appendingPathComponent("Snapshots")
    static var updating: Bool { ProcessInfo.processInfo.environment["SCALELAB_UPDATE_SNAPSHOTS"] == "1" }

    /// The law the ladder is drawn from: Epoch AI's refit rounded to three figures, written out
    /// here so that the pinned ladder does not move with the catalog (whose `epoch2024` the
    /// allocation figures and the page draw as a published reference).
    static let law = ChinchillaParameters(E: 1.82, A: 482, B: 2085, alpha: 0.348, beta: 0.366)

    /// 4 budgets × 7 sizes spaced by √10 around each budget's N_opt; 1% deterministic noise;
    /// each run with an 8-point learning curve on the noiseless law.
    static func runs() -> [ReportRun] {
        var runs: [ReportRun] = []
        var i = 0
        for C in [1e17, 1e18, 1e19, 1e20] {
            let center = law.optimalParameters(compute: C)
            for k in -3...3 {
                let N = center * pow(10, Double(k) / 2.5)
                let D = C / (6 * N)
                let noise = 0.01 * sin(12.9898 * Double(i + 1))
                let curve = (1...8).map { j -> ReportRun.CurvePoint in
                    let d = D * Double(j) / 8
                    return ReportRun.CurvePoint(tokens: d, loss: law.loss(parameters: N, tokens: d))
                }
                runs.append(ReportRun(name: "run-\(i)", parameters: N, tokens: D, compute: C,
                                      loss: law.loss(parameters: N, tokens: D) * (1 + noise), learningCurve: curve))
                i += 1
            }
        }
        return runs
    }

    /// Fits, bootstraps and back-tests the ladder (small start grids, one thread: about a second).
    static func make() throws -> ReportInput {
        let runs = runs()
        let measurements = runs.map { Observation(parameters: $0.parameters, tokens: $0.tokens, compute: $0.compute, loss: $0.loss) }
        let data = FitData(measurements)
        var options = FitOptions()
        options.threads = 1
        options.grid = ["log_E": [0.5], "log_A": [5, 7], "log_B": [6, 8], "alpha": [0.3], "beta": [0.3]]
        let fit = try LawFitter.fit(ChinchillaLaw(), to: data, options: options)
        let boot = try Bootstrap.run(fit, data: data, options: BootstrapOptions(samples: 24, seed: 7), fitOptions: options)
        let backtest = try Backtest.run(ChinchillaLaw(), data: data, holdout: 4, options: options)
        let hash = MeasurementSet.contentHash(of: measurements)
        let report = FitReport(fit: fit, bootstrap: boot, seed: 7, budgets: [1e22], holdout: backtest,
                               data: .init(file: "ladder.csv", points: data.count, hash: hash), version: "0.1.0")
        var powerOptions = FitOptions()
        powerOptions.threads = 1
        powerOptions.grid = ["log_E": [0.5], "log_A": [2, 5], "alpha": [0.1, 0.3]]
        let rows = try Comparison.run([SaturatingPowerLaw(variable: .compute)], data: data, holdout: 4, options: powerOptions)
            + Comparison.run([ChinchillaLaw()], data: data, holdout: 4, options: options)
        return ReportInput(
            title: "Scaling laws for a <synthetic> ladder & friends", runs: runs, fits: [report],
            comparison: LawComparison(holdout: 4, rows: rows), approaches: ReportBuilder.approaches(runs), budgets: [1e22],
            provenance: Provenance(source: "ladder.csv", dataHash: hash, scalelabVersion: "0.1.0", seed: 7, bootstrapSamples: 24,
                                   date: "2025-01-01T00:00:00Z", machine: "test machine", command: "scalelab report ladder.csv --budget 1e22"))
    }

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return e
    }()

    /// The pinned input (regenerated and rewritten when updating snapshots).
    static func load() throws -> ReportInput {
        if updating {
            let input = try make()
            try encoder.encode(input).write(to: fixture, options: .atomic)
            return input
        }
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try decoder.decode(ReportInput.self, from: Data(contentsOf: fixture))
    }

    /// Compares `actual` with the snapshot `name` byte for byte. On a mismatch writes
    /// `name.actual` next to it and fails with how to accept the change.
    static func assertSnapshot(_ actual: String, named name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let url = snapshots.appendingPathComponent(name)
        let actualURL = snapshots.appendingPathComponent(name + ".actual")
        if updating {
            try Data(actual.utf8).write(to: url, options: .atomic)
            try? FileManager.default.removeItem(at: actualURL)
            return
        }
        guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
            try Data(actual.utf8).write(to: actualURL, options: .atomic)
            XCTFail("no snapshot \(url.path); wrote \(actualURL.lastPathComponent). Accept with SCALELAB_UPDATE_SNAPSHOTS=1 swift test --filter ReportTests",
                    file: file, line: line)
            return
        }
        if expected == actual {
            try? FileManager.default.removeItem(at: actualURL)
            return
        }
        try Data(actual.utf8).write(to: actualURL, options: .atomic)
        let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
        let first = zip(e, a).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(e.count, a.count)
        XCTFail("""
            \(name) differs from its snapshot at line \(first + 1):
              expected: \(first < e.count ? String(e[first].prefix(160)) : "<end>")
              actual:   \(first < a.count ? String(a[first].prefix(160)) : "<end>")
            Wrote \(actualURL.path). If the change is intended: SCALELAB_UPDATE_SNAPSHOTS=1 swift test --filter ReportTests
            """, file: file, line: line)
    }
}
