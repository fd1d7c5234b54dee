import ArgumentParser
import ScalingLaws

/// `scalelab flops`: exact parameter and FLOP counts of a transformer shape.
struct FlopsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flops",
        abstract: "Exact parameter and training-FLOP counts of a transformer shape, and how far 6N is off.",
        discussion: """
        Training FLOPs per token are counted three ways: exactly (every matrix product, attention \
        over the causal context, forward + backward = 3 × forward; Hoffmann et al. 2022 Appendix F, \
        arXiv:2203.15556), by Kaplan et al.'s 6N + 6·n_layer·n_ctx·d_model (arXiv:2001.08361), and \
        by 6N.
        """)

    enum Embeddings: String, EnumerableFlag {
        case tied, untied
        static func help(for value: Embeddings) -> ArgumentHelp? {
            value == .tied ? "The unembedding reuses the token embedding (default)." : "A separate unembedding matrix."
        }
    }

    @Option(help: "Transformer blocks.") var layers: Int
    @Option(name: .customLong("d-model"), help: "Width of the residual stream.") var dModel: Int
    @Option(help: "Attention (query) heads.") var heads: Int
    @Option(name: .customLong("d-ff"), help: "MLP hidden width (default 4·d-model).") var dFF: Int?
    @Option(name: .customLong("head-size"), help: "Width of one head (default d-model/heads).") var headSize: Int?
    @Option(name: .customLong("kv-heads"), help: "Key/value heads (default heads; 1 = multi-query).") var kvHeads: Int?
    @Option(help: "Vocabulary size (default 256, bytes).") var vocab: Int = 256
    @Option(help: "Training context length in tokens.") var context: Int = 1024
    @Flag var embeddings: Embeddings = .tied
    @Flag(help: "SwiGLU-style MLP with three d×f matrices.") var gated = false
    @Flag(name: .customLong("shared-kv"), help: "Keys and values from one projection matrix.") var sharedKV = false
    @Flag(inversion: .prefixedNo, help: "A learned position table (off for rotary/relative positions).")
    var learnedPositions = true
    @Flag(help: "Bias vectors in linear layers and shifts in layer norms.") var biases = false
    @Flag(help: "Print one JSON document instead of tables.") var json = false

    func shape() throws -> TransformerShape {
        do {
            return try TransformerShape.validated(
                layers: layers, dModel: dModel, heads: heads, dFF: dFF, headSize: headSize, keyValueHeads: kvHeads,
                vocabulary: vocab, context: context, tiedEmbeddings: embeddings == .tied, gated: gated,
                sharedKeyValue: sharedKV, learnedPositions: learnedPositions, biases: biases)
        } catch {
            throw ValidationError(error.description)
        }
    }

    func validate() throws { _ = try shape() }

    func run() throws {
        let accounting = ShapeAccounting(shape: try shape())
        if json { return try Output.printJSON(accounting) }
        print(Self.render(accounting))
    }

    static func render(_ a: ShapeAccounting) -> String {
        let s = a.shape, p = a.parameters
        typealias O = Output
        var lines = [
            "Shape: \(s.layers) layers, d_model \(s.dModel), \(s.heads) heads × \(s.headSize)"
                + (s.keyValueHeads != s.heads ? " (\(s.keyValueHeads) kv heads)" : "")
                + ", d_ff \(s.dFF)\(s.gated ? " gated" : ""), vocab \(s.vocabulary), context \(s.context), "
                + "\(s.tiedEmbeddings ? "tied" : "untied") embeddings"
                + "\(s.learnedPositions ? ", learned positions" : "")\(s.biases ? ", biases" : "")\(s.sharedKeyValue ? ", shared KV" : "")",
            "",
            "Parameters",
        ]
        let rows: [(String, Int)] = [
            ("embedding", p.embedding), ("positional", p.positional), ("attention", p.attention), ("mlp", p.mlp),
            ("layer norm", p.layerNorm), ("unembedding", p.unembedding), ("total", p.total),
            ("non-embedding", p.nonEmbedding),
        ]
        lines += rows.map { "  " + O.pad($0.0, 16) + O.padLeft(groupedDigits($0.1), 18) }
        lines += ["", "Training FLOPs per token (forward + backward = 3 × forward)",
                  "  " + O.pad("method", 22) + O.padLeft("FLOPs/token", 14) + O.padLeft("vs exact", 11)]
        for m in a.flops {
            lines.append("  " + O.pad(m.method.rawValue, 22) + O.padLeft(O.sci(m.trainingFLOPsPerToken), 14)
                         + O.padLeft(m.method == .exact ? "—" : O.percent(m.relativeErrorVersusExact), 11))
        }
        let f = a.forwardBreakdown
        let fw = f.forward
        lines += ["", "Exact forward FLOPs per token by part: "
                  + [("attention projections", f.attentionProjections), ("attention scores", f.attentionScores),
                     ("mlp", f.mlp), ("logits", f.logits)]
                  .map { "\($0.0) \(String(format: "%.1f", 100 * $0.1 / fw))%" }.joined(separator: ", ")]
        let six = a.flops.first { $0.method == .sixN }!.relativeErrorVersusExact
        lines.append("6N is off by \(O.percent(six)) for this shape (negative: it undercounts).")
        return lines.joined(separator: "\n")
    }
}
