import Foundation
import LawFitting
import ScalingLaws

extension Figures {
    /// One source of N_opt(C) and D_opt(C): a fit, an approach, or a published law.
    struct AllocationSource {
        var name: String
        var color: String
        var parameters: (Double) -> Double?
        var tokens: (Double) -> Double?
    }

    /// The published laws overlaid on every allocation figure (docs/science.md, §Kaplan and §Chinchilla).
    static var publishedSources: [AllocationSource] { [
        AllocationSource(name: "Kaplan 2020", color: Palette.vermillion,
                         parameters: { PublishedLaws.kaplanAllocation.allocation(compute: $0).parameters },
                         tokens: { PublishedLaws.kaplanAllocation.allocation(compute: $0).tokens }),
        AllocationSource(name: "Hoffmann 2022", color: Palette.purple,
                         parameters: { PublishedLaws.hoffmann2022.optimalParameters(compute: $0) },
                         tokens: { PublishedLaws.hoffmann2022.optimalTokens(compute: $0) }),
        AllocationSource(name: "Epoch 2024 refit", color: Palette.orange,
                         parameters: { PublishedLaws.epoch2024.optimalParameters(compute: $0) },
                         tokens: { PublishedLaws.epoch2024.optimalTokens(compute: $0) }),
    ] }

    /// The sources of an analysis: approach 3 (the main fit), approach 2 (IsoFLOP), approach 1
    /// (envelope), then the published laws. D = C/(6·N) where a source gives only N.
    static func allocationSources(_ a: ReportAnalysis) -> [AllocationSource] {
        var sources: [AllocationSource] = []
        if let fit = a.main, fit.hasAllocation {
            sources.append(AllocationSource(name: "approach 3: \(fit.name)", color: Palette.blue,
                                            parameters: { fit.atBudget($0)["N_opt"] }, tokens: { fit.atBudget($0)["D_opt"] }))
        }
        if let iso = a.isoflop, iso.exponent != nil {
            sources.append(AllocationSource(name: "approach 2: IsoFLOP", color: Palette.green,
                                            parameters: { iso.optimalParameters(compute: $0) },
                                            tokens: { C in iso.optimalParameters(compute: C).map { C / (6 * $0) } }))
        }
        if let env = a.envelope, env.exponent != nil {
            sources.append(AllocationSource(name: "approach 1: envelope", color: Palette.sky,
                                            parameters: { env.optimalParameters(compute: $0) },
                                            tokens: { C in env.optimalParameters(compute: C).map { C / (6 * $0) } }))
        }
        return sources + publishedSources
    }

    /// Which of the two allocation panels: N_opt(C) or D_opt(C).
    enum AllocationQuantity {
        case parameters, tokens

        var kind: FigureKind { self == .parameters ? .allocationParameters : .allocationTokens }
        /// The key of `FittedCurves.atBudget` and `band`.
        var key: String { self == .parameters ? "N_opt" : "D_opt" }
        /// The symbol in the summary (`N = 9.53e9`).
        var symbol: String { self == .parameters ? "N" : "D" }

        func value(_ s: AllocationSource, _ C: Double) -> Double? {
            self == .parameters ? s.parameters(C) : s.tokens(C)
        }
    }

    /// N_opt(C) from every source, extrapolated to the budgets.
    static func allocationParameters(_ a: ReportAnalysis) throws(FigureUnavailable) -> Chart {
        try allocation(a, .parameters)
    }

    /// D_opt(C) from every source, extrapolated to the budgets.
    static func allocationTokens(_ a: ReportAnalysis) throws(FigureUnavailable) -> Chart {
        try allocation(a, .tokens)
    }

    /// One panel of the compute-optimal allocation: a solid line per source (the same colour in
    /// both panels), the main fit's bootstrap band, the IsoFLOP minima and the budget rules.
    static func allocation(_ a: ReportAnalysis, _ q: AllocationQuantity) throws(FigureUnavailable) -> Chart {
        guard let range = computeRange(a) else {
            throw FigureUnavailable(kind: q.kind, reason: "no run has C, or N and D to compute it, and no budget was given")
        }
        let xs = logSpace(range.low, range.high, count: 61)
        var layers: [Layer] = []
        var legend: [LegendEntry] = []
        let sources = allocationSources(a)
        if let fit = a.main, fit.hasAllocation, let band = fit.band(q.key, at: xs) {
            layers.append(.band(BandLayer(xs: xs, low: band.low, high: band.high, color: Palette.blue, opacity: 0.16)))
            legend.append(LegendEntry("bootstrap band", .band(color: Palette.blue, opacity: 0.16)))
        }
        for s in sources {
            layers.append(.line(LineLayer(xs: xs, ys: xs.map { q.value(s, $0) ?? .nan }, color: s.color, width: 2)))
            legend.append(LegendEntry(s.name, .line(color: s.color, width: 2.5, dash: nil)))
        }
        var minimaNote = ""
        if let iso = a.isoflop {
            let minima = iso.parabolas.compactMap { p in p.bracketed ? p.optimalParameters.map { (compute: p.compute, N: $0) } : nil }
            // D at a minimum as the approach-2 line takes it: C/(6·N_opt).
            let ys = minima.map { q == .parameters ? $0.N : $0.compute / (6 * $0.N) }
            if !minima.isEmpty {
                layers.append(.points(PointLayer(xs: minima.map { $0.compute }, ys: ys, color: Palette.green, shape: .diamond, radius: 4.5,
                                                 tooltips: zip(minima, ys).map { "IsoFLOP minimum at C = \(num($0.compute)): \(q.key) = \(num($1))" })))
                legend.append(LegendEntry("IsoFLOP minima", .marker(shape: .diamond, color: Palette.green, hollow: false)))
                minimaNote = " Diamonds: the minima of the IsoFLOP parabolas."
            }
        }
        // Approaches 2 and 1 fit N_opt only; their D_opt is C/(6·N_opt).
        let derived = ["2", "1"].filter { n in sources.contains { $0.name.hasPrefix("approach \(n):") } }
        var summary = q == .parameters
            ? "Compute-optimal parameters N_opt against compute, from "
            : "Compute-optimal training tokens D_opt against compute, from "
        summary += sources.map(\.name).joined(separator: "; ") + "."
        if q == .tokens && !derived.isEmpty {
            summary += " For approach\(derived.count > 1 ? "es" : "") " + derived.joined(separator: " and ") + ", D_opt = C/(6·N_opt)."
        }
        summary += minimaNote
        for C in a.input.budgets {
            summary += " At \(num(C)) FLOPs: " + sources.map { s in
                "\(s.name) \(q.symbol) = \(q.value(s, C).map(num) ?? "n/a")"
            }.joined(separator: "; ") + "."
        }
        layers += budgetRules(a)
        let y = Axis(q == .parameters ? "N_opt (parameters)" : "D_opt (tokens)", scale: .log,
                     domain: a.input.budgets.isEmpty ? nil : headroomDomain(layers))
        return Chart(id: q.kind.rawValue,
                     title: q == .parameters ? "Compute-optimal parameters N_opt" : "Compute-optimal training tokens D_opt",
                     summary: summary, x: Axis("training compute C (FLOPs)", scale: .log), y: y, layers: layers, legend: legend)
    }

    /// A log y range over the layers' values with room at the top for the budget rules' labels:
    /// every line rises with C, so the highest one ends at the largest budget, right under its label.
    static func headroomDomain(_ layers: [Layer]) -> ClosedRange<Double>? {
        var ys: [Double] = []
        for layer in layers {
            switch layer {
            case .line(let l): ys += l.ys
            case .band(let b): ys += b.low + b.high
            case .points(let p): ys += p.ys
            case .verticalRule, .horizontalRule: break
            }
        }
        let logs = ys.filter { $0.isFinite && $0 > 0 }.map { log10($0) }
        guard let lo = logs.min(), let hi = logs.max(), hi - lo > 1e-9 else { return nil }
        let span = hi - lo
        return AxisMap.logDomain(lo - 0.04 * span, hi + 0.1 * span)
    }
}
