/// Bad input to the training engine, checked before any work starts.
/// Each message names the value to change.
public enum TrainerError: Error, Equatable, CustomStringConvertible {
    case invalidConfiguration(String)
    case missingData(path: String)
    case emptyData(path: String)
    case corpusTooShort(bytes: Int, needed: Int)
    case unknownArchitecture(String)
    case checkpoint(String)

    public var description: String {
        switch self {
        case .invalidConfiguration(let m): return "invalid configuration: \(m)"
        case .missingData(let p): return "data path '\(p)' does not exist; pass --data with a text file or folder (scripts/fetch-corpus.sh fetches the default corpus into data/shakespeare.txt)"
        case .emptyData(let p): return "data path '\(p)' holds no bytes"
        case .corpusTooShort(let b, let n): return "corpus has \(b) bytes but needs at least \(n): the training and validation parts must each hold one context window plus one byte; use a shorter --context or more data"
        case .unknownArchitecture(let a): return "unknown architecture '\(a)'; choose one of: \(Architecture.allCases.map(\.rawValue).joined(separator: ", "))"
        case .checkpoint(let m): return "checkpoint: \(m)"
        }
    }
}
