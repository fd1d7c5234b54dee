/// A catalog entry as plain data: what `scalelab laws --json` prints and a report can show.
public struct PublishedLawDescription: Sendable, Codable, Equatable {
    public struct LossLaw: Sendable, Codable, Equatable {
        /// The form's identifier, e.g. `chinchilla`.
        public var form: String
        public var formula: String
        /// Parameter values by name, in the form's order.
        public var parameters: [Parameter]
    }

    public struct Parameter: Sendable, Codable, Equatable {
        public var name: String
        public var value: Double
    }

    public var identifier: String
    public var citation: Citation
    public var laws: [LossLaw]
    public var allocation: AllocationLaw?
    public var parameterConvention: String
    public var note: String

    public init(_ law: PublishedLaw) {
        identifier = law.identifier
        citation = law.citation
        laws = law.laws.map { l in
            LossLaw(form: l.identifier, formula: l.formula.formula,
                    parameters: zip(l.formula.parameterNames, l.parameters).map { Parameter(name: $0, value: $1) })
        }
        allocation = law.allocation
        parameterConvention = law.parameterConvention
        note = law.note
    }
}

extension PublishedLaws {
    /// Every entry as plain data, in catalog order.
    public static var descriptions: [PublishedLawDescription] { all.map(PublishedLawDescription.init) }
}
