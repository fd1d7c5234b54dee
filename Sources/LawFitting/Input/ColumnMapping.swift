import ScalingLaws

/// A quantity a measurement file holds in one column: a scale variable (N, D, C, U) or the loss.
public enum MeasuredQuantity: String, Sendable, Codable, CaseIterable, Hashable {
    case parameters = "N"
    case tokens = "D"
    case compute = "C"
    case uniqueTokens = "U"
    case loss = "L"

    /// The quantity for a scale variable.
    public init(_ variable: ScaleVariable) {
        switch variable {
        case .parameters: self = .parameters
        case .tokens: self = .tokens
        case .compute: self = .compute
        case .uniqueTokens: self = .uniqueTokens
        }
    }

    /// The scale variable, or nil for the loss.
    public var variable: ScaleVariable? {
        switch self {
        case .parameters: .parameters
        case .tokens: .tokens
        case .compute: .compute
        case .uniqueTokens: .uniqueTokens
        case .loss: nil
        }
    }

    /// For messages: `N (parameters)`, `D (tokens)`, `C (FLOPs)`, `U (unique tokens)`, `loss`.
    public var label: String {
        switch self {
        case .parameters: "N (parameters)"
        case .tokens: "D (tokens)"
        case .compute: "C (FLOPs)"
        case .uniqueTokens: "U (unique tokens)"
        case .loss: "loss"
        }
    }

    /// The command-line option that names this quantity's column, e.g. `--d-column`.
    public var option: String {
        switch self {
        case .parameters: "--n-column"
        case .tokens: "--d-column"
        case .compute: "--c-column"
        case .uniqueTokens: "--u-column"
        case .loss: "--loss-column"
        }
    }

    /// Column names recognised without a mapping, in order of preference. Matching ignores
    /// case, spaces, underscores and hyphens (see `ColumnMapping.normalized(_:)`).
    public var aliases: [String] {
        switch self {
        case .parameters:
            ["params", "N", "n_params", "num_params", "model_size", "parameters", "params_N",
             "model_params", "model_parameters"]
        case .tokens:
            ["tokens", "D", "n_tokens", "num_tokens", "tokens_D", "train_tokens", "training_tokens",
             "train_dataset_size", "dataset_size"]
        case .compute:
            ["flops", "C", "compute", "train_flops", "training_flops"]
        case .uniqueTokens:
            ["unique_tokens", "U", "unique_tokens_U", "n_unique_tokens"]
        case .loss:
            ["loss", "val_loss", "validation_loss", "eval_loss", "test_loss", "test_cross_entropy",
             "L"]
        }
    }
}

/// Column names chosen by the user for each quantity; nil means "find it by its usual names".
///
/// The command line fills this from `--n-column`, `--d-column`, `--c-column`, `--u-column` and
/// `--loss-column`. After reading, `MeasurementSet.columns` holds the mapping actually used.
public struct ColumnMapping: Sendable, Codable, Equatable, Hashable {
    public var parameters: String?
    public var tokens: String?
    public var compute: String?
    public var uniqueTokens: String?
    public var loss: String?

    public init(parameters: String? = nil, tokens: String? = nil, compute: String? = nil,
                uniqueTokens: String? = nil, loss: String? = nil) {
        self.parameters = parameters
        self.tokens = tokens
        self.compute = compute
        self.uniqueTokens = uniqueTokens
        self.loss = loss
    }

    /// The column named for `quantity`, if any.
    public subscript(quantity: MeasuredQuantity) -> String? {
        get {
            switch quantity {
            case .parameters: parameters
            case .tokens: tokens
            case .compute: compute
            case .uniqueTokens: uniqueTokens
            case .loss: loss
            }
        }
        set {
            switch quantity {
            case .parameters: parameters = newValue
            case .tokens: tokens = newValue
            case .compute: compute = newValue
            case .uniqueTokens: uniqueTokens = newValue
            case .loss: loss = newValue
            }
        }
    }

    /// A column name folded for matching: lower case, without spaces, underscores or hyphens,
    /// so `Val Loss`, `val_loss` and `val-loss` are the same name.
    public static func normalized(_ name: String) -> String {
        String(name.lowercased().filter { $0 != " " && $0 != "_" && $0 != "-" })
    }
}

// MARK: - Resolving columns (internal)

extension ColumnMapping {
    /// The index of each quantity's column in `columns`: named columns first (exact name, then
    /// the normalized name), then the aliases. A column is used for at most one quantity.
    ///
    /// Throws `.namedColumnNotFound` when a named column is absent.
    func resolve(in columns: [String], source: String)
        throws(MeasurementInputError) -> [MeasuredQuantity: Int]
    {
        var found: [MeasuredQuantity: Int] = [:]
        var claimed = Set<Int>()
        for q in MeasuredQuantity.allCases {
            guard let name = self[q] else { continue }
            let key = Self.normalized(name)
            if let i = columns.firstIndex(of: name) {
                if let j = columns.indices.first(where: { $0 > i && columns[$0] == name }) {
                    throw .duplicateColumn(file: source, first: name, second: name, positions: [i + 1, j + 1])
                }
                found[q] = i
            } else if let i = columns.firstIndex(where: { Self.normalized($0) == key }) {
                try Self.unique(i, in: columns, source: source)
                found[q] = i
            } else {
                throw .namedColumnNotFound(file: source, name: name, option: q.option, available: columns)
            }
            let i = found[q]!
            claimed.insert(i)
        }
        let keys = columns.map(Self.normalized)
        for q in MeasuredQuantity.allCases where found[q] == nil {
            for alias in q.aliases {
                let a = Self.normalized(alias)
                if let i = keys.indices.first(where: { keys[$0] == a && !claimed.contains($0) }) {
                    try Self.unique(i, in: columns, source: source)
                    found[q] = i
                    claimed.insert(i)
                    break
                }
            }
        }
        return found
    }

    /// Throws `.duplicateColumn` when another column has the same name as column `i` once
    /// folded (`normalized`): reading either would be a guess.
    private static func unique(_ i: Int, in columns: [String], source: String) throws(MeasurementInputError) {
        let key = normalized(columns[i])
        guard let j = columns.indices.first(where: { $0 != i && normalized(columns[$0]) == key }) else { return }
        let (a, b) = (min(i, j), max(i, j))
        throw .duplicateColumn(file: source, first: columns[a], second: columns[b], positions: [a + 1, b + 1])
    }
}
