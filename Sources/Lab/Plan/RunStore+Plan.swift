import Foundation

extension RunStore {
    /// Stores a plan as one sweep with one queued run per planned run, in one transaction.
    /// Returns the sweep (with its id) and the stored runs.
    @discardableResult
    public func add(_ plan: LadderPlan, name: String? = nil, version: String) throws(StoreError) -> (sweep: Sweep, runs: [StoredRun]) {
        let now = Date()
        let spec = plan.spec
        let defaultName: String
        switch spec.kind {
        case .isoflop: defaultName = "isoflop " + spec.budgets.map { String(format: "%.3g", $0) }.joined(separator: ",")
        case .fixedSize: defaultName = String(format: "fixed-size N=%.3g", spec.fixedValue ?? 0)
        case .fixedData: defaultName = String(format: "fixed-data D=%.3g", spec.fixedValue ?? 0)
        }
        let sweep = Sweep(name: name ?? defaultName, kind: spec.kind.rawValue,
                          specJSON: try StoreJSON.encode(plan, what: "the plan (the sweep's spec_json)"),
                          scalelabVersion: version, createdAt: now)
        let runs = try plan.runs.map { p throws(StoreError) -> StoredRun in
            var r = StoredRun(sweepID: 0, parameters: Double(p.parameters), status: .queued, createdAt: now)
            r.configJSON = try StoreJSON.encode(p.config, what: "a planned run's config_json")
            r.arch = p.config.shape.architecture.rawValue
            r.seed = Int64(bitPattern: p.config.seed)
            r.nonEmbeddingParameters = Double(p.nonEmbeddingParameters)
            r.tokens = Double(p.tokens)
            r.flops = p.flops
            r.budget = p.budget
            return r
        }
        return try insert(sweep, runs: runs)
    }
}
