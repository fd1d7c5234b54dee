import Foundation
import Analysis
import Lab
import LawFitting
import ScalingLaws

/// A simulation study of approach 3's intervals: data sets drawn from a known Chinchilla law on
/// the demo's IsoFLOP ladder with log-normal noise, each fitted and bootstrapped as `scalelab fit`
/// does it (`AnalysisOptions`' defaults: the law `chinchilla`, the 4,500-start Huber fit, 200
/// resamples, 90% percentile intervals), and the share of sets whose interval holds the truth.
struct CoverageStudy {
    /// The law the sets are drawn from: the demo's own fit on bytes of Shakespeare (README,
    /// `make demo` of 2026-11-25: L = 1.495 + 60.36/N^0.5497 + 5662/D^0.7341).
    static let demoLaw = ChinchillaParameters(E: 1.495, A: 60.36, B: 5662, alpha: 0.5497, beta: 0.7341)

    /// The demo's four budgets, 3e10 to 3e12 FLOPs log-spaced (`scalelab demo`'s default ladder).
    static let demoBudgets: [Double] = (0..<4).map { 3e10 * pow(100, Double($0) / 3) }

    /// The demo's ladder as `LadderPlanner` plans it: 5 sizes per budget over ±0.5 decades around
    /// the prior's N_opt, each size the shape rule's real model (N) trained on the tokens its
    /// exact FLOP count allows (D), with those FLOPs (C), as a store records them.
    static func demoDesign() throws -> [(N: Double, D: Double, C: Double)] {
        let plan = try LadderPlanner.plan(LadderSpec(kind: .isoflop, budgets: demoBudgets, count: 5))
        return plan.runs.map { (Double($0.parameters), Double($0.tokens), $0.flops) }
    }

    /// One number read off a law, with its true value.
    struct Quantity {
        var name: String
        var value: (ChinchillaParameters) -> Double
    }

    /// E, A, B, α, β, a; N_opt and the compute-optimal loss at `far`; and the loss of the run the
    /// demo forecasts (the truth's compute-optimal N and D at `heldOut`).
    static func quantities(truth: ChinchillaParameters, heldOut: Double, far: Double) -> [Quantity] {
        let (nHeld, dHeld) = (truth.optimalParameters(compute: heldOut), truth.optimalTokens(compute: heldOut))
        let (nFar, dFar) = (truth.optimalParameters(compute: far), truth.optimalTokens(compute: far))
        return [
            Quantity(name: "E") { $0.E }, Quantity(name: "A") { $0.A }, Quantity(name: "B") { $0.B },
            Quantity(name: "alpha") { $0.alpha }, Quantity(name: "beta") { $0.beta }, Quantity(name: "a") { $0.a },
            Quantity(name: "N_opt(\(multiple(far)))") { $0.optimalParameters(compute: far) },
            Quantity(name: "L(N,D) at \(multiple(heldOut))") { $0.loss(parameters: nHeld, tokens: dHeld) },
            Quantity(name: "L(N,D) at \(multiple(far))") { $0.loss(parameters: nFar, tokens: dFar) },
        ]
    }

    static func multiple(_ C: Double) -> String { "\(Int((C / demoBudgets.last!).rounded()))×" }

    /// How often one quantity's interval held the truth, and on which side it missed.
    struct Tally {
        var covered = 0, below = 0, above = 0, sets = 0
        /// Sum of log(high/low) over the sets: the mean relative width.
        var logWidth = 0.0
        var coverage: Double { Double(covered) / Double(max(sets, 1)) }
    }

    var truth = CoverageStudy.demoLaw
    var design: [(N: Double, D: Double, C: Double)]
    /// σ of the multiplicative noise: each loss is the law's times exp(σ·z), z ~ N(0, 1).
    var noise: Double
    /// κ of a curvature the fitted form lacks: the true loss of a run of C FLOPs is the law's times
    /// `exp(κ·ln²(C/C₀))`, C₀ the smallest budget (`trueLoss`). 0: the data come from the form
    /// fitted. Only `runForecast` reads it; the parameter tallies of `run` need a correct form.
    var curvature = 0.0
    var options = AnalysisOptions()
    /// How the bootstrap resamples; nil: `BootstrapOptions`' default, what `scalelab fit` does.
    var resampling: BootstrapResampling? = nil
    var quantities: [Quantity]

    init(design: [(N: Double, D: Double, C: Double)], noise: Double) {
        self.design = design
        self.noise = noise
        let top = Self.demoBudgets.last!
        quantities = Self.quantities(truth: Self.demoLaw, heldOut: 4 * top, far: 30 * top)
    }

    /// The true loss of a run of N parameters on D tokens with C FLOPs: the law's, times
    /// `exp(κ·ln²(C/C₀))` with κ = `curvature` (1 when κ = 0).
    func trueLoss(N: Double, D: Double, C: Double) -> Double {
        let u = log(C / Self.demoBudgets[0])
        return truth.loss(parameters: N, tokens: D) * exp(curvature * u * u)
    }

    /// The data set of `seed`: the true loss at every run of the design times exp(σ·z).
    func dataSet(seed: UInt64) -> FitData {
        var rng = SplitMix64(seed: seed, stream: 0xC0FE)
        return FitData(design.map { run in
            Observation(parameters: run.N, tokens: run.D, compute: run.C,
                        loss: trueLoss(N: run.N, D: run.D, C: run.C) * exp(noise * rng.nextGaussian()))
        })
    }

    /// The set of `seed` fitted and bootstrapped by the options' one path. The bootstrap's seed is
    /// the set's, so that sets do not share their resampling.
    func fitted(seed: UInt64) throws -> (data: FitData, fit: LawFit, laws: [ChinchillaParameters]) {
        let formula = ChinchillaLaw(), fitOptions = options.fitOptions(for: formula)
        let data = dataSet(seed: seed)
        let fit = try LawFitter.fit(formula, to: data, options: fitOptions)
        var resampling = options.bootstrapOptions
        resampling.seed = seed
        if let r = self.resampling { resampling.resampling = r }
        let boot = try Bootstrap.run(fit, data: data, options: resampling, fitOptions: fitOptions)
        return (data, fit, boot.samples.map(ChinchillaParameters.init))
    }

    /// Fits and bootstraps the set of each seed, and tallies each quantity's interval against the truth.
    func run(seeds: Range<UInt64>) throws -> [Tally] {
        var tallies = Array(repeating: Tally(), count: quantities.count)
        for seed in seeds {
            let laws = try fitted(seed: seed).laws
            for (k, q) in quantities.enumerated() {
                let t = q.value(truth)
                tallies[k].sets += 1
                guard let iv = BootstrapResult.percentileInterval(laws.map(q.value), level: options.level) else {
                    continue
                }
                if t < iv[0] { tallies[k].below += 1 } else if t > iv[1] { tallies[k].above += 1 } else { tallies[k].covered += 1 }
                tallies[k].logWidth += log(iv[1] / iv[0])
            }
        }
        return tallies
    }

    /// How often the demo's forecast intervals held the true loss of the run it forecasts: the
    /// truth's compute-optimal N and D at `heldOut` FLOPs (4× the ladder's largest budget, as the
    /// demo), its true loss `trueLoss`. The noise interval is the bootstrap percentile interval of
    /// the refits' losses there; the form interval widens it by the set's own rolling back-tests
    /// (`LawAnalysis.rollingBacktest`, `RollingBacktestResult.formInterval`), as `scalelab predict`
    /// and the demo do.
    struct ForecastTally {
        var sets = 0, noiseCovered = 0, formCovered = 0, withForm = 0
        /// Sets whose true loss lay below (above) the noise interval, and below (above) the form interval.
        var belowNoise = 0, aboveNoise = 0, belowForm = 0, aboveForm = 0
        /// Sums of log(high/low) over the sets (form: over the sets with one).
        var noiseLogWidth = 0.0, formLogWidth = 0.0
        var noiseCoverage: Double { Double(noiseCovered) / Double(max(sets, 1)) }
        /// Over the sets with a form interval.
        var formCoverage: Double { Double(formCovered) / Double(max(withForm, 1)) }
    }

    func runForecast(seeds: Range<UInt64>, heldOut: Double = 4 * CoverageStudy.demoBudgets.last!) throws -> ForecastTally {
        let (N, D) = (truth.optimalParameters(compute: heldOut), truth.optimalTokens(compute: heldOut))
        let target = trueLoss(N: N, D: D, C: heldOut)
        var t = ForecastTally()
        for seed in seeds {
            let (data, _, laws) = try fitted(seed: seed)
            t.sets += 1
            guard let noise = BootstrapResult.percentileInterval(laws.map { $0.loss(parameters: N, tokens: D) }, level: options.level)
            else { continue }
            if target < noise[0] { t.belowNoise += 1 } else if target > noise[1] { t.aboveNoise += 1 } else { t.noiseCovered += 1 }
            t.noiseLogWidth += log(noise[1] / noise[0])
            let rolling = try LawAnalysis.rollingBacktest(ChinchillaLaw(), data: data, options: options)
            guard let form = rolling?.formInterval(noise, compute: heldOut) else { continue }
            t.withForm += 1
            if target < form[0] { t.belowForm += 1 } else if target > form[1] { t.aboveForm += 1 } else { t.formCovered += 1 }
            t.formLogWidth += log(form[1] / form[0])
        }
        return t
    }

    /// One Markdown row of a forecast tally: noise and form coverage, misses below/above, mean widths.
    func row(_ t: ForecastTally) -> String {
        String(format: "| σ = %g, κ = %g | %.1f%% (%d below, %d above, ×%.3f) | %.1f%% (%d below, %d above, ×%.3f) | %d of %d |",
               noise, curvature, 100 * t.noiseCoverage, t.belowNoise, t.aboveNoise, exp(t.noiseLogWidth / Double(max(t.sets, 1))),
               100 * t.formCoverage, t.belowForm, t.aboveForm, exp(t.formLogWidth / Double(max(t.withForm, 1))), t.withForm, t.sets)
    }

    /// A Markdown table of the tallies.
    func table(_ tallies: [Tally]) -> String {
        var lines = ["| quantity | truth | coverage | truth below | truth above | mean width (×) |", "|---|---:|---:|---:|---:|---:|"]
        for (q, t) in zip(quantities, tallies) {
            lines.append(String(format: "| %@ | %.4g | %.1f%% | %d | %d | %.3f |", q.name, q.value(truth), 100 * t.coverage,
                                t.below, t.above, exp(t.logWidth / Double(max(t.sets, 1)))))
        }
        return lines.joined(separator: "\n")
    }
}
