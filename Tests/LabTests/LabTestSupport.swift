import Foundation
import XCTest
import GRDB
@testable import Lab
import Trainer

/// A fresh temporary folder per test, removed at the end.
func temporaryDirectory(_ test: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("lab-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}

/// A tiny transformer config: one layer, width 16, context 16 — a step takes milliseconds.
func tinyConfig(tokens: Int = 16 * 4 * 12, seed: UInt64 = 1) -> TrainingConfig {
    let shape = ModelShape(architecture: .transformer, layers: 1, dModel: 16, heads: 1, context: 16)
    var h = Hyperparameters.defaults(for: shape, tokens: tokens)
    h.batch = 4
    h.microBatch = 4
    var c = TrainingConfig(shape: shape, tokens: tokens, seed: seed, hyperparameters: h, threads: 1)
    c.curvePoints = 4
    c.curveValidationBytes = 256
    return c
}

/// Seeded synthetic text (an order-2 Markov chain over 8 letters), `bytes` long.
func syntheticCorpus(bytes: Int = 20_000, seed: UInt64 = 7) -> Corpus {
    let source = MarkovSource(order: 2, alphabet: 8, seed: seed)
    return source.generate(count: bytes, seed: seed)
}

/// Every table's rows as text: what "nothing changed" compares.
func dump(_ store: RunStore) throws -> [String] {
    try store.read { db in
        var out: [String] = []
        for table in ["sweep", "run", "curve_point", "fit"] {
            for row in try Row.fetchAll(db, sql: "SELECT * FROM \(table) ORDER BY rowid") { out.append("\(table): \(row)") }
        }
        return out
    }
}
