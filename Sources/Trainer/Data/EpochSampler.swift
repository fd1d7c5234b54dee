/// Draws training sequences from a capped prefix of the training bytes, epoch by epoch: the
/// sampler of a run with a unique-token cap (`TrainingConfig.uniqueTokens`, `--unique-tokens`).
///
/// The first U bytes are cut into W = ⌊(U − 1)/T⌋ windows of T + 1 bytes at stride T (window w
/// holds bytes wT … wT + T: T inputs and the T targets one byte ahead), so every byte of the cap
/// but the last (U − 1 − WT) < T is an input of exactly one window. Each epoch visits all W windows
/// once, in an order drawn afresh for that epoch (a Fisher–Yates shuffle from a generator seeded by
/// the run's seed and the epoch's number); a run of D tokens sees D/(W·T) epochs, the
/// repetitions R_D = D/U − 1 of Muennighoff et al.'s data-constrained law (arXiv:2305.16264, §3).
/// With D ≤ W·T no window repeats: the run sees D fresh tokens.
///
/// Its whole state is the count of sequences drawn (the epoch and the place in it follow; an
/// epoch's order is recomputed from the seed), so a checkpoint that saves this value resumes
/// the data order exactly.
public struct EpochSampler: Sendable, Codable, Equatable {
    /// The seed every epoch's order is drawn from.
    public let seed: UInt64
    /// W: the windows per epoch.
    public let windows: Int
    /// T: the context (a window is T + 1 bytes).
    public let context: Int
    /// Sequences drawn so far, over all epochs.
    public private(set) var sequencesDrawn = 0

    /// The epoch whose order `order` holds (−1: none yet); not saved, recomputed on demand.
    private var orderEpoch = -1
    private var order: [Int] = []

    private enum CodingKeys: String, CodingKey { case seed, windows, context, sequencesDrawn }

    /// A sampler over the first `unique` bytes in windows of `context` + 1 bytes.
    ///
    /// - Precondition: `unique ≥ context + 1` (the trainer checks it first and throws instead).
    public init(seed: UInt64, unique: Int, context T: Int) {
        precondition(T >= 1 && unique >= T + 1, "unique tokens \(unique) < context + 1 = \(T + 1)")
        self.seed = seed
        self.context = T
        windows = (unique - 1) / T
    }

    /// Epochs completed or begun so far, as a fraction: sequences drawn over windows per epoch.
    public var epochs: Double { Double(sequencesDrawn) / Double(windows) }

    /// The start offset of the next window, advancing the sampler by one sequence.
    public mutating func nextStart() -> Int {
        let epoch = sequencesDrawn / windows, place = sequencesDrawn % windows
        if epoch != orderEpoch {
            order = Self.order(windows: windows, seed: seed, epoch: epoch)
            orderEpoch = epoch
        }
        sequencesDrawn += 1
        return order[place] * context
    }

    /// Fills inputs and targets (B, T) from `train`'s capped prefix: targets are inputs shifted one byte ahead.
    public mutating func fill(_ inputs: UnsafeMutablePointer<UInt8>, _ targets: UnsafeMutablePointer<UInt8>,
                              batch B: Int, from train: [UInt8]) {
        let T = context
        precondition(train.count >= windows * T + 1, "training bytes \(train.count) < the \(windows) windows' \(windows * T + 1)")
        train.withUnsafeBufferPointer { src in
            for b in 0..<B {
                let start = nextStart()
                (inputs + b * T).update(from: src.baseAddress! + start, count: T)
                (targets + b * T).update(from: src.baseAddress! + start + 1, count: T)
            }
        }
    }

    /// The order of the windows in `epoch`: a Fisher–Yates shuffle of 0..<W from a generator
    /// seeded by `seed` and `epoch` (SplitMix-style mixing of the two).
    static func order(windows W: Int, seed: UInt64, epoch: Int) -> [Int] {
        var rng = SeededGenerator(seed: seed ^ (UInt64(epoch) &+ 1) &* 0x9E37_79B9_7F4A_7C15)
        var out = Array(0..<W)
        for i in stride(from: W - 1, to: 0, by: -1) { out.swapAt(i, rng.nextInt(below: i + 1)) }
        return out
    }

    /// Equal when the seed, windows, context and sequences drawn are (the cached order is not state).
    public static func == (a: EpochSampler, b: EpochSampler) -> Bool {
        a.seed == b.seed && a.windows == b.windows && a.context == b.context && a.sequencesDrawn == b.sequencesDrawn
    }
}
