import Foundation
import Lab
import LawFitting
import ScalingLaws
import Trainer

extension TransferStudy {
    /// One model size of the study.
    public struct SizeRow: Sendable, Codable, Equatable {
        /// The size's place among the sizes, smallest first (0-based).
        public var rung: Int
        /// Layers and residual width.
        public var layers: Int, dModel: Int
        /// N (all parameters) and N without embeddings.
        public var parameters: Double, nonEmbeddingParameters: Double
        /// The pre-trained model's final validation loss on the study's own corpus (nats per byte).
        public var pretrainingLoss: Double?
    }

    /// A from-scratch run on the target corpus.
    public struct ScratchRow: Sendable, Codable, Equatable {
        /// The run's id and its size's rung.
        public var run: Int64, rung: Int
        /// Tokens trained on, and the final validation loss on the target corpus.
        public var tokens: Double, loss: Double
    }

    /// A fine-tuned run, and what it was worth.
    public struct TransferRow: Sendable, Codable, Equatable {
        /// The run's id, its size's rung and N without embeddings.
        public var run: Int64, rung: Int, nonEmbeddingParameters: Double
        /// The fine-tuning tokens D_F and the final validation loss on the target corpus.
        public var fineTuningTokens: Double, loss: Double
        /// The effective data D_E read off its size's from-scratch curve, and how it bounds D_E
        /// (`equal`, `at-most`, `more-than`).
        public var effectiveTokens: Double, bound: String
        /// D_T = D_E − D_F and D_T/D_E, when D_E is measured (not a bound).
        public var transferred: Double?, fractionTransferred: Double?
        /// The fitted law's D_T here, and Hernandez et al.'s text → Python law's.
        public var fitted: Double?, published: Double
        /// Whether the point entered the fit (D_E measured and D_T > 0).
        public var inFit: Bool { transferred.map { $0 > 0 } ?? false }
    }

    /// A published set of constants, for the comparison table.
    public struct PublishedRow: Sendable, Codable, Equatable {
        public var name: String
        public var law: TransferLaw
    }

    /// The study's findings (`summary.json`).
    public struct Summary: Sendable, Codable, Equatable {
        /// The settings.
        public var design: Design
        /// Every size that finished pre-training.
        public var sizes: [SizeRow]
        /// Every finished from-scratch run, by size then tokens.
        public var scratch: [ScratchRow]
        /// Every finished fine-tuned run, by size then D_F.
        public var transfers: [TransferRow]
        /// The fit of D_T = k·D_F^α·N^β to the transfers with measured D_T > 0 (nil with too few).
        public var fit: TransferFit.Result?
        /// Why there is no fit, when there is none.
        public var fitError: String?
        /// Hernandez et al.'s constants.
        public var published: [PublishedRow]
        /// Headline: the median fraction of the effective data that pre-training supplied,
        /// D_T/D_E, over the measured transfers.
        public var medianFractionTransferred: Double?
        /// What should be read with care.
        public var notes: [String]
    }

    /// Reads the three ladders' finished runs, measures each fine-tuned model's effective data
    /// on its size's from-scratch curve, and fits the law.
    public func analyze(_ store: RunStore) throws -> Summary {
        func done(_ stage: String) throws -> [StoredRun] {
            guard let sweep = try Self.sweep(stage, in: store) else {
                throw StudyError.unusable("the store has no \(stage) ladder of the transfer study; run the study to its end")
            }
            return try store.runs(sweep: sweep).filter { $0.status == .done && $0.finalValidationLoss != nil && $0.trainingConfig != nil }
        }
        let pretrained = try done("pretrain").sorted { ($0.parameters, $0.id ?? 0) < ($1.parameters, $1.id ?? 0) }
        var rungOf: [String: Int] = [:]
        var sizes: [SizeRow] = []
        for (rung, run) in pretrained.enumerated() {
            let shape = run.trainingConfig!.shape
            rungOf[Self.key(shape)] = rung
            sizes.append(SizeRow(rung: rung, layers: shape.layers, dModel: shape.dModel, parameters: run.parameters,
                                 nonEmbeddingParameters: run.nonEmbeddingParameters ?? run.parameters,
                                 pretrainingLoss: run.finalValidationLoss))
        }
        let rung = { (run: StoredRun) in rungOf[Self.key(run.trainingConfig!.shape)] }
        let scratch = try done("scratch").compactMap { run -> ScratchRow? in
            guard let r = rung(run) else { return nil }
            return ScratchRow(run: run.id ?? 0, rung: r, tokens: run.tokens ?? Double(run.trainingConfig!.tokens), loss: run.finalValidationLoss!)
        }.sorted { ($0.rung, $0.tokens) < ($1.rung, $1.tokens) }
        let published = Self.publishedLaws
        var transfers: [TransferRow] = []
        for run in try done("fine-tune") {
            guard let r = rung(run) else { continue }
            let curve = scratch.filter { $0.rung == r }.map { (tokens: $0.tokens, loss: $0.loss) }
            guard !curve.isEmpty else { continue }
            let DF = run.tokens ?? Double(run.trainingConfig!.tokens), N = sizes[r].nonEmbeddingParameters
            let E = try TransferFit.effectiveData(loss: run.finalValidationLoss!, scratch: curve)
            let DT = E.bound == .equal ? E.tokens - DF : nil
            transfers.append(TransferRow(run: run.id ?? 0, rung: r, nonEmbeddingParameters: N, fineTuningTokens: DF,
                                         loss: run.finalValidationLoss!, effectiveTokens: E.tokens, bound: E.bound.rawValue,
                                         transferred: DT, fractionTransferred: DT.map { $0 / E.tokens }, fitted: nil,
                                         published: published[0].law.transferred(fineTuningTokens: DF, parameters: N)))
        }
        transfers.sort { ($0.rung, $0.fineTuningTokens) < ($1.rung, $1.fineTuningTokens) }
        let usable = transfers.filter(\.inFit)
        var fit: TransferFit.Result?, fitError: String?
        do {
            fit = try TransferFit.fit(usable.map { TransferFit.Point(fineTuningTokens: $0.fineTuningTokens, parameters: $0.nonEmbeddingParameters,
                                                                     transferred: $0.transferred!) },
                                      bootstrap: design.bootstrap, level: design.level, seed: design.seed)
        } catch {
            fitError = "\(error)"
        }
        if let law = fit?.law {
            for i in transfers.indices {
                transfers[i].fitted = law.transferred(fineTuningTokens: transfers[i].fineTuningTokens, parameters: transfers[i].nonEmbeddingParameters)
            }
        }
        let fractions = transfers.compactMap(\.fractionTransferred).sorted()
        let median = fractions.isEmpty ? nil : (fractions[(fractions.count - 1) / 2] + fractions[fractions.count / 2]) / 2
        return Summary(design: design, sizes: sizes, scratch: scratch, transfers: transfers, fit: fit, fitError: fitError,
                       published: published, medianFractionTransferred: median, notes: notes(transfers))
    }

    /// Hernandez et al.'s two sets of constants, text → Python first.
    static var publishedLaws: [PublishedRow] {
        [PublishedRow(name: "Hernandez et al. 2021, text → Python", law: .hernandezTextToPython),
         PublishedRow(name: "Hernandez et al. 2021, text + code → Python", law: .hernandezMixToPython)]
    }

    /// The caveats of the study's setting, and what the data left out.
    func notes(_ transfers: [TransferRow]) -> [String] {
        var notes = [
            "Our setting differs from Hernandez et al.'s: they pre-train on hundreds of billions of tokens of web text and fine-tune "
                + "with early stopping on D_F characters seen many times; here each model is pre-trained on \(Self.sci(design.pretrainingTokens)) "
                + "bytes of the plays and fine-tuned once through D_F bytes of code, with the trainer's own recipe for that budget. "
                + "k and β depend on the pre-training, so ours compare with theirs in sign and rough size, not digit by digit.",
            "D_E is read off the final losses of separate from-scratch runs (each with its own schedule), made monotone and "
                + "interpolated in log D and log L; a fine-tuned loss outside their range gives only a bound on D_E, and such "
                + "points, and any with D_T ≤ 0, are left out of the fit.",
            "Data are counted in bytes (our models read bytes); Hernandez et al. count characters: the same for ASCII source.",
        ]
        let above = transfers.filter { $0.bound == TransferFit.EffectiveData.Bound.moreThan.rawValue }.count
        let below = transfers.filter { $0.bound == TransferFit.EffectiveData.Bound.atMost.rawValue }.count
        let negative = transfers.filter { ($0.transferred ?? 1) <= 0 }.count
        if above > 0 {
            notes.append("\(above) fine-tuned model\(above == 1 ? "" : "s") beat every from-scratch run of \(above == 1 ? "its" : "their") size: "
                + "D_E is beyond the largest from-scratch budget (\(Self.sci(design.scratchRange[1])) bytes), a lower bound only.")
        }
        if below > 0 {
            notes.append("\(below) fine-tuned model\(below == 1 ? " did" : "s did") no better than the smallest from-scratch run of "
                + "\(below == 1 ? "its" : "their") size: D_E is at most \(Self.sci(design.scratchRange[0])) bytes.")
        }
        if negative > 0 {
            notes.append("\(negative) fine-tuned model\(negative == 1 ? " was" : "s were") worth less than its own fine-tuning data "
                + "(D_T ≤ 0): pre-training on the plays hurt it against training from scratch.")
        }
        return notes
    }
}
