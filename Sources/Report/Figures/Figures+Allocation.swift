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

    /// N_opt(C) (solid) and D_opt(C) (dashed) from every source, extrapolated to the budgets.
    static func allocation(_ a: ReportAnalysis) throws(FigureUnavailable) -> Chart {
        guard let range = computeRange(a) else {
            throw FigureUnavailable(kind: .allocation, reason: "no run has C, or N and D to compute it, and no budget was given")
        }
        let xs = logSpace(range.low, range.high, count: 61)
        var layers: [Layer] = []
        var legend: [LegendEntry] = []
        let sources = allocationSources(a)
        if let fit = a.main, fit.hasAllocation {
            for key in ["N_opt", "D_opt"] {
                if let band = fit.band(key, at: xs) {
                    layers.append(.band(BandLayer(xs: xs, low: band.low, high: band.high, color: Palette.blue, opacity: 0.16)))
                }
            }
            if fit.report.bootstrap != nil {
                legend.append(LegendEntry("bootstrap band", .band(color: Palette.blue, opacity: 0.16)))
            }
        }
        for s in sources {
            layers.append(.line(LineLayer(xs: xs, ys: xs.map { s.parameters($0) ?? .nan }, color: s.color, width: 2)))
            layers.append(.line(LineLayer(xs: xs, ys: xs.map { s.tokens($0) ?? .nan }, color: s.color, width: 2, dash: "7 4")))
            legend.append(LegendEntry(s.name, .line(color: s.color, width: 2.5, dash: nil)))
        }
        if let iso = a.isoflop {
            let minima = iso.parabolas.filter { $0.optimalParameters != nil && $0.bracketed }
            layers.append(.points(PointLayer(xs: minima.map(\.compute), ys: minima.map { $0.optimalParameters! },
                                             color: Palette.green, shape: .diamond, radius: 4.5,
                                             tooltips: minima.map { "IsoFLOP minimum at C = \(num($0.compute)): N_opt = \(num($0.optimalParameters!))" })))
            layers.append(.points(PointLayer(xs: minima.map(\.compute), ys: minima.map { $0.compute / (6 * $0.optimalParameters!) },
                                             color: Palette.green, shape: .diamond, radius: 4.5, hollow: true)))
            legend.append(LegendEntry("IsoFLOP minima", .marker(shape: .diamond, color: Palette.green, hollow: false)))
        }
        legend.append(LegendEntry("N_opt (solid)", .line(color: Palette.grey, width: 2, dash: nil)))
        legend.append(LegendEntry("D_opt (dashed)", .line(color: Palette.grey, width: 2, dash: "7 4")))
        layers += budgetRules(a)
        var summary = "Compute-optimal parameters N_opt (solid lines) and training tokens D_opt (dashed) against compute, from "
            + sources.map(\.name).joined(separator: "; ") + "."
        for C in a.input.budgets {
            summary += " At \(num(C)) FLOPs: " + sources.map { s in
                "\(s.name) N = \(s.parameters(C).map(num) ?? "n/a"), D = \(s.tokens(C).map(num) ?? "n/a")"
            }.joined(separator: "; ") + "."
        }
        return Chart(id: "allocation", title: "Compute-optimal N and D", summary: summary,
                     x: Axis("training compute C (FLOPs)", scale: .log), y: Axis("N_opt (parameters), D_opt (tokens)", scale: .log),
                     layers: layers, legend: legend)
    }
}
