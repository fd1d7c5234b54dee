import Foundation
import XCTest
@testable import ScalingLaws

/// The Chinchilla parameter table (Hoffmann et al. 2022, Table A9, as tabulated by Epoch AI).
///
/// Convention of its columns, worked out from every row (no biases, no layer norms, no
/// positional table; `kv_size` is the head size):
/// - `Embedding Parameters` = V·d; `KQV Params Per Layer` = 3·d·h·k; `Output Proj` = h·k·d;
///   `FFN Params Per Layer` = 2·d·f; `Gated Params Per Layer` = 3·d·f; `Total *` = L × per layer.
/// - `Tied (Un)Embed, No Gating` = V·d + L·(4·d·h·k + 2·d·f), in millions, rounded to the nearest
///   integer; `Untied` adds another V·d; `Untied, Gating` uses 3·d·f.
/// - `Untied, Gating, Shared KV`: keys and values from one matrix (2·d·h·k for Q and KV), in
///   millions, not rounded (10 significant digits).
/// - `Relative Error (%)` = 100·(reported − tied)/reported.
final class AccountingTests: XCTestCase {
    static func fixture(_ name: String) throws -> [[String: String]] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures").appendingPathComponent(name)
        let lines = try String(contentsOf: url, encoding: .utf8).split(whereSeparator: \.isNewline)
        let header = csvFields(String(lines[0]))
        return lines.dropFirst().map { line in
            Dictionary(uniqueKeysWithValues: zip(header, csvFields(String(line))))
        }
    }

    /// Splits one CSV line, honouring double quotes (the header has commas inside quotes).
    static func csvFields(_ line: String) -> [String] {
        var fields: [String] = [], field = "", quoted = false
        for ch in line {
            if ch == "\"" { quoted.toggle() } else if ch == ",", !quoted { fields.append(field); field = "" } else { field.append(ch) }
        }
        fields.append(field)
        return fields
    }

    func testChinchillaTableA9EveryRow() throws {
        let rows = try Self.fixture("chinchilla_model_parameters.csv")
        XCTAssertEqual(rows.count, 50)
        for (i, r) in rows.enumerated() {
            let int = { (k: String) -> Int in Int(r[k]!)! }
            let dbl = { (k: String) -> Double in Double(r[k]!)! }
            let base = TransformerShape(layers: int("n_layers"), dModel: int("d_model"), heads: int("n_heads"),
                                        dFF: int("ffw_size"), headSize: int("kv_size"), vocabulary: int("Vocab Size"),
                                        context: 2048, tiedEmbeddings: true, learnedPositions: false, biases: false)
            var untied = base; untied.tiedEmbeddings = false
            var gated = untied; gated.gated = true
            var shared = gated; shared.sharedKeyValue = true
            let p = base.parameterBreakdown
            let row = "row \(i + 1)"
            XCTAssertEqual(p.embedding, int("Embedding Parameters"), row)
            XCTAssertEqual(p.perLayer.queryKeyValue, int("KQV Params Per Layer"), row)
            XCTAssertEqual(p.perLayer.outputProjection, int("Output Proj Params Per Layer"), row)
            XCTAssertEqual(p.perLayer.mlp, int("FFN Params Per Layer"), row)
            XCTAssertEqual(gated.parameterBreakdown.perLayer.mlp, int("Gated Params Per Layer"), row)
            XCTAssertEqual(p.attention, int("Total Attn Params"), row)
            XCTAssertEqual(p.mlp, int("Total FFN Params"), row)
            XCTAssertEqual(gated.parameterBreakdown.mlp, int("Total Gated Params"), row)
            let millions = { (s: TransformerShape) in Double(s.parameterBreakdown.matrices) / 1e6 }
            XCTAssertEqual(millions(base).rounded(), dbl("Tied (Un)Embed, No Gating"), row)
            XCTAssertEqual(millions(untied).rounded(), dbl("Untied (Un)Embed, No Gating"), row)
            XCTAssertEqual(millions(gated).rounded(), dbl("Untied (Un)Embed, Gating"), row)
            XCTAssertEqual(millions(shared), dbl("Untied (Un)Embed, Gating, Shared KV"),
                           accuracy: 1e-9 * millions(shared), row)
            let reported = dbl("Reported Parameters (M)")
            XCTAssertEqual(100 * (reported - millions(base)) / reported, dbl("Relative Error (%)"), accuracy: 1e-6, row)
            // The table's convention is ours minus layer norms (and positions, none here).
            XCTAssertEqual(p.matrices, p.total - p.layerNorm, row)
        }
    }

    /// GPT-2 small and medium (biases, learned positions, tied): the well-known totals.
    func testGPT2Totals() {
        let small = TransformerShape(layers: 12, dModel: 768, heads: 12, vocabulary: 50257, context: 1024, biases: true)
        XCTAssertEqual(small.parameterCount, 124_439_808)
        let medium = TransformerShape(layers: 24, dModel: 1024, heads: 16, vocabulary: 50257, context: 1024, biases: true)
        XCTAssertEqual(medium.parameterCount, 354_823_168)
        // Per block 12d² + 13d with biases (Kaplan's 12·L·d² plus O(d)).
        XCTAssertEqual(small.layerParameterCounts.total, 12 * 768 * 768 + 13 * 768)
        XCTAssertEqual(small.nonEmbeddingParameterCount, 12 * (12 * 768 * 768 + 13 * 768) + 2 * 768)
    }

    /// Llama 2 7B (gated SwiGLU, untied, RMSNorm gains, no biases, rotary): 6,738,415,616.
    func testLlama2SevenBillionTotal() {
        let llama = TransformerShape(layers: 32, dModel: 4096, heads: 32, dFF: 11008, vocabulary: 32000, context: 4096,
                                     tiedEmbeddings: false, gated: true, learnedPositions: false)
        XCTAssertEqual(llama.parameterCount, 6_738_415_616)
    }

    /// Known answer computed by hand for a tiny shape, for every method.
    func testFLOPsOfTinyShapeByHand() {
        let s = TransformerShape(layers: 2, dModel: 8, heads: 2, vocabulary: 10, context: 4, learnedPositions: false)
        // Per layer forward: QKV 2·8·24 = 384, out 128, MLP 2·2·8·32 = 1024;
        // causal scores 2·(2·8·2.5) = 80; full 128; logits 2·8·10 = 160.
        XCTAssertEqual(s.trainingFLOPsPerToken(method: .exact), 3 * (2 * (384 + 128 + 1024 + 80) + 160))
        XCTAssertEqual(s.trainingFLOPsPerToken(method: .exactFullContext), 3 * (2 * (384 + 128 + 1024 + 128) + 160))
        // Chinchilla adds the embedding product 160 and softmax 3·h·T = 24 per layer.
        XCTAssertEqual(s.trainingFLOPsPerToken(method: .chinchilla), 3 * (2 * (384 + 128 + 1024 + 128 + 24) + 160 + 160))
        // N_ne = 2·(256 + 512) matrices + 2·2·8 + 8 gains = 1576; N = 1576 + 80.
        XCTAssertEqual(s.nonEmbeddingParameterCount, 1576)
        XCTAssertEqual(s.trainingFLOPsPerToken(method: .kaplan), 6 * 1576 + 6 * 2 * 4 * 8)
        XCTAssertEqual(s.trainingFLOPsPerToken(method: .sixN), 6 * 1656)
        XCTAssertEqual(s.trainingFLOPsPerToken(method: .sixNonEmbeddingN), 6 * 1576)
    }

    /// For any shape without biases: exact = 6·(block matrices) + 6·L·(T+1)·h·k + 6·d·V.
    /// So Kaplan's attention term 6·L·T·d is the causal count (up to T+1 vs T), and it leaves
    /// out the logits.
    func testExactMatchesClosedFormOverRandomShapes() {
        var rng = SplitMix64(seed: 7)
        for trial in 0..<200 {
            let heads = Int.random(in: 1...16, using: &rng)
            let s = TransformerShape(layers: Int.random(in: 1...48, using: &rng), dModel: heads * Int.random(in: 1...128, using: &rng),
                                     heads: heads, dFF: Int.random(in: 1...8192, using: &rng),
                                     vocabulary: Int.random(in: 2...100_000, using: &rng),
                                     context: Int.random(in: 1...8192, using: &rng),
                                     tiedEmbeddings: Bool.random(using: &rng), gated: Bool.random(using: &rng),
                                     sharedKeyValue: Bool.random(using: &rng), learnedPositions: Bool.random(using: &rng))
            let p = s.parameterBreakdown
            let blocks = Double(p.attention + p.mlp)
            let (L, T, dA, d, V) = (Double(s.layers), Double(s.context), Double(s.attentionWidth), Double(s.dModel), Double(s.vocabulary))
            let expected = 6 * blocks + 6 * L * (T + 1) * dA + 6 * d * V
            XCTAssertEqual(s.trainingFLOPsPerToken(method: .exact), expected, accuracy: 1e-12 * expected, "trial \(trial): \(s)")
            XCTAssertEqual(s.trainingFLOPsPerToken(method: .kaplan),
                           6 * Double(p.nonEmbedding) + 6 * L * T * d, accuracy: 1e-12 * expected, "trial \(trial)")
            XCTAssertGreaterThan(s.trainingFLOPsPerToken(method: .exactFullContext), s.trainingFLOPsPerToken(method: .exact) - 1)
        }
    }

    /// 6N is close for big models and far off for small ones, where attention and the
    /// vocabulary dominate.
    func testSixNErrorShrinksWithScale() {
        let chinchilla70B = TransformerShape(layers: 80, dModel: 8192, heads: 64, headSize: 128, vocabulary: 32000,
                                             context: 2048, learnedPositions: false)
        let tiny = TransformerShape(layers: 2, dModel: 64, heads: 4, vocabulary: 256, context: 256)
        let big = chinchilla70B.relativeFLOPError(of: .sixN)
        let small = tiny.relativeFLOPError(of: .sixN)
        XCTAssertLessThan(abs(big), 0.05)
        XCTAssertGreaterThan(abs(small), 0.1)
        XCTAssertGreaterThan(abs(tiny.relativeFLOPError(of: .sixNonEmbeddingN)), 0.3)
        XCTAssertEqual(chinchilla70B.parameterCount, 80 * 12 * 8192 * 8192 + 32000 * 8192 + (2 * 80 + 1) * 8192)
    }

    func testValidationSaysWhatToFix() {
        XCTAssertThrowsError(try TransformerShape.validated(layers: 2, dModel: 10, heads: 3, vocabulary: 256, context: 8)) {
            XCTAssertTrue("\($0)".contains("not divisible by --heads 3"))
        }
        XCTAssertThrowsError(try TransformerShape.validated(layers: 0, dModel: 8, heads: 2, vocabulary: 256, context: 8)) {
            XCTAssertEqual($0 as? ShapeError, .notPositive(name: "layers", value: 0))
        }
        XCTAssertNoThrow(try TransformerShape.validated(layers: 2, dModel: 8, heads: 2, vocabulary: 256, context: 8))
    }
}
