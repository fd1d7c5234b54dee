import Foundation
import Trainer

/// The documented rule that turns a target parameter count into a concrete model shape.
///
/// Candidates are every `(n_layer, d_model)` with `d_model` a multiple of `widthStep` and the
/// aspect ratio `d_model / n_layer` within a factor `aspectTolerance` of `aspectRatio`; the
/// rule takes the candidate whose *exact* parameter count (all parameters,
/// `ModelShape.parameterCount`) is closest to the target in log space, and among candidates
/// within 2% of that best, the one whose aspect ratio is closest to the target ratio.
///
/// Defaults and why:
/// - aspect ratio 32 within ×2 (16…64): Kaplan et al. 2020 (arXiv:2001.08361, Fig. 5) find the
///   loss within a few percent over aspect ratios from about 10 to 200 at fixed N, so the ratio
///   can bend to hit N closely; 32 keeps tiny models at one or two layers;
/// - width step 8 (tiny models need it: one step of 16 at d_model 32 moves N by 40%) and head
///   size 64 from d_model 512, 32 from 256, else 16, or 8 when 16 does not divide d_model
///   (heads = d_model / head size): tiny models keep several heads; wide ones use GPT-2's 64;
/// - byte vocabulary 256 (the trainer's), context 64 bytes, d_ff = 4·d_model;
/// - LSTMs: the same ratio rule over hidden size, at most 4 layers (Kaplan's LSTMs had 1–4).
public struct ShapeRule: Sendable, Codable, Equatable {
    public var architecture: Architecture
    public var context: Int
    public var aspectRatio: Double
    public var aspectTolerance: Double
    public var widthStep: Int
    public var maxWidth: Int
    public var maxLayers: Int

    public init(architecture: Architecture = .transformer, context: Int = 64, aspectRatio: Double = 32,
                aspectTolerance: Double = 2, widthStep: Int = 8, maxWidth: Int = 2048, maxLayers: Int? = nil) {
        precondition(context >= 1 && aspectRatio > 0 && aspectTolerance >= 1 && widthStep >= 1 && maxWidth >= widthStep,
                     "bad shape rule: context \(context), ratio \(aspectRatio), tolerance \(aspectTolerance), step \(widthStep), max width \(maxWidth)")
        self.architecture = architecture
        self.context = context
        self.aspectRatio = aspectRatio
        self.aspectTolerance = aspectTolerance
        self.widthStep = widthStep
        self.maxWidth = maxWidth
        self.maxLayers = maxLayers ?? (architecture == .lstm ? 4 : 48)
    }

    /// Attention heads for a width: d_model / head size, head size 8, 16, 32 or 64 as documented.
    public static func heads(dModel d: Int) -> Int {
        let k = d >= 512 && d % 64 == 0 ? 64 : (d >= 256 && d % 32 == 0 ? 32 : (d % 16 == 0 ? 16 : 8))
        return d % k == 0 ? d / k : 1
    }

    /// Every shape the rule may choose, smallest width first.
    public var candidates: [ModelShape] {
        var out: [ModelShape] = []
        for d in stride(from: widthStep, through: maxWidth, by: widthStep) {
            for L in 1...maxLayers {
                let ratio = Double(d) / Double(L)
                guard ratio <= aspectRatio * aspectTolerance, ratio >= aspectRatio / aspectTolerance
                        || (L == 1 && ratio < aspectRatio) else { continue }
                out.append(ModelShape(architecture: architecture, layers: L, dModel: d,
                                      heads: architecture == .transformer ? Self.heads(dModel: d) : 1, context: context))
            }
        }
        return out
    }

    /// The candidate whose parameter count is closest to `parameters` (see the type's doc).
    public func shape(forParameters target: Double) -> ModelShape {
        precondition(target > 0 && target.isFinite, "target parameter count must be positive, got \(target)")
        let scored = candidates.map { s in (s, abs(log(Double(s.parameterCount) / target))) }
        let best = scored.map(\.1).min()!
        let near = scored.filter { $0.1 <= best + 0.02 }
        return near.min { a, b in
            abs(log(Double(a.0.dModel) / Double(a.0.layers) / aspectRatio))
                < abs(log(Double(b.0.dModel) / Double(b.0.layers) / aspectRatio))
        }!.0
    }
}
