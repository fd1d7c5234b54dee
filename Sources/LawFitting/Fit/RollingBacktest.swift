import ScalingLaws

/// The error of a law's form, measured by rolling back-tests over a ladder's budgets
/// (docs/science.md, §Back-tests): fit on the budgets up to the k-th, predict the (k+1)-th, for
/// every k that leaves enough points to fit.
///
/// A bootstrap interval measures how far the fit moves with the noise of its runs, assuming the
/// form is right. A rolling back-test measures how far the form misses one budget ahead, which the
/// bootstrap cannot see. Each step's mean log error `ē_k = mean_i log(L̂_i/L_i)` over the runs of
/// the budget it predicts, divided by the step's distance `ln(C_{k+1}/C_k)`, is a rate of
/// model-form error per unit of `ln C`. `formInterval(_:compute:)` widens a forecast's noise
/// interval by those rates times the forecast's own distance beyond the ladder, on the side each
/// rate points to. That the error grows linearly in `ln C` is an assumption (the first-order term
/// of a smooth misfit), and with a few budgets there are only a few rates: the widened interval
/// is a statement about the ladder's own extrapolation record, not a guarantee.
public struct RollingBacktestResult: Sendable, Codable, Equatable {
    /// One back-test: fitted on the budgets up to `fittedThrough`, predicting the runs at `compute`.
    public struct Step: Sendable, Codable, Equatable {
        /// The largest budget (FLOPs) of the fitted points.
        public var fittedThrough: Double
        /// The budget predicted (FLOPs: the mean `ln C` of its runs).
        public var compute: Double
        /// Points fitted and runs predicted.
        public var points: Int
        public var runs: Int
        /// `log(L̂/L)` of each predicted run.
        public var logErrors: [Double]

        /// The mean of `logErrors`: positive when the law predicted too high.
        public var meanLogError: Double { logErrors.reduce(0, +) / Double(max(logErrors.count, 1)) }
        /// `ln(compute/fittedThrough)`: how far the step extrapolated.
        public var distance: Double { _log(compute / fittedThrough) }
        /// `meanLogError/distance`: the form's error per unit of `ln C`.
        public var errorRate: Double { meanLogError / distance }
    }

    /// The budgets found, smallest first.
    public var budgets: [Double]
    /// One step per budget predicted.
    public var steps: [Step]

    /// The largest budget of the ladder: forecasts beyond it extrapolate.
    public var largestBudget: Double { budgets.last ?? .nan }

    /// Why there is no form interval, in words, when there is none (no step); nil otherwise.
    public var missingFormReason: String? {
        steps.isEmpty ? "too few budgets for a rolling back-test (\(budgets.count) budget\(budgets.count == 1 ? "" : "s"): "
            + "it needs the budgets below one to hold more runs than the law has parameters), so no form interval" : nil
    }

    /// What a form interval is, for people: every output that prints one says it.
    public static let formIntervalText = "form interval: the bootstrap interval widened by the law's errors per unit of ln C "
        + "in rolling back-tests over the ladder's budgets, times the distance beyond the largest budget"

    /// `noise` (a forecast's bootstrap interval `[low, high]` at `compute` FLOPs) widened by the
    /// model-form error the back-tests measured: with `h = max(0, ln(compute/largestBudget))` and
    /// the rates `r_k` of the steps, the law's forecast may be too high by up to
    /// `u = h·max(0, max r_k)` or too low by up to `l = h·max(0, −min r_k)` in log, so the interval
    /// is `[low·e^(−u), high·e^(l)]`. Nil without a step.
    ///
    /// A point inside the ladder (`compute` at most the largest budget) gets its noise interval
    /// back: the rates say how the form errs beyond the budgets it was fitted on.
    public func formInterval(_ noise: [Double], compute: Double) -> [Double]? {
        precondition(noise.count == 2, "an interval is [low, high], got \(noise)")
        guard !steps.isEmpty else { return nil }
        let h = max(0, _log(compute / largestBudget))
        let rates = steps.map(\.errorRate)
        let tooHigh = h * max(0, rates.max()!), tooLow = h * max(0, -rates.min()!)
        return [noise[0] * _exp(-tooHigh), noise[1] * _exp(tooLow)]
    }
}

public enum RollingBacktest {
    /// The most budgets the analyses back-test this way (12, `LawAnalysis.rollingBacktest`). A
    /// ladder has a few budgets of several runs each; data of more distinct budgets are a scatter,
    /// whose steps would predict a run or two each and cost one full multi-start fit per budget.
    public static let maxBudgets = 12

    /// The budgets of `data`: points whose `Backtest.scale` (C, else 6·N·D) lies within
    /// `tolerance` of the smallest point of the budget in `|ln C/C'|` form one budget; each
    /// budget's indices, smallest budget first.
    public static func budgets(_ data: FitData, for formula: any LawFormula, tolerance: Double) -> [[Int]] {
        let scale = data.inputs.map { Backtest.scale(of: $0, for: formula) }
        let order = data.inputs.indices.filter { scale[$0].isFinite && scale[$0] > 0 }.sorted { scale[$0] < scale[$1] }
        var groups: [[Int]] = []
        for i in order {
            if let first = groups.last?.first, _log(scale[i] / scale[first]) <= tolerance {
                groups[groups.count - 1].append(i)
            } else {
                groups.append([i])
            }
        }
        return groups
    }

    /// Fits `formula` on the budgets up to k and predicts budget k+1, for every k whose budgets
    /// hold more points than the law has parameters. Budgets are grouped as
    /// `budgets(_:for:tolerance:)` does (0.01, `AnalysisOptions.defaultBudgetTolerance`, the
    /// IsoFLOP grouping). A step whose fit finds no converged start is left out.
    ///
    /// Each step's fit starts from the full start grid of `options`; with `warmStarts`, only the
    /// first step's does, and each later step starts from `warmStarts(_:from:options:)` of the
    /// step before it: that fit's best starts and a coarse grid over the same box, about a
    /// twentieth of the starts for approach 3. A step never starts from a fit that saw the budget
    /// it predicts.
    public static func run(_ formula: any LawFormula, data: FitData, tolerance: Double = 0.01,
                           options: FitOptions = FitOptions(), warmStarts warm: Bool = false) throws -> RollingBacktestResult {
        guard tolerance >= 0, tolerance.isFinite else {
            throw FitError.badOption("the budget tolerance must be 0 or more (|ln C/C'|), got \(tolerance)")
        }
        let grid = try options.startPoints(for: formula)
        var previous: LawFit? = nil
        let groups = budgets(data, for: formula, tolerance: tolerance)
        let meanScale = groups.map { g in
            _exp(g.map { _log(Backtest.scale(of: data.inputs[$0], for: formula)) }.reduce(0, +) / Double(g.count))
        }
        var steps: [RollingBacktestResult.Step] = []
        var fitted: [Int] = []
        for k in 0..<max(groups.count - 1, 0) {
            fitted += groups[k]
            guard fitted.count > formula.parameters.count else { continue }
            let fit: LawFit
            let starts = try warm ? previous.map { try warmStarts(formula, from: $0, options: options) } ?? grid : grid
            do { fit = try LawFitter.fit(formula, to: data.subset(fitted), starts: starts, options: options) } catch FitError.noConvergedStart {
                continue
            }
            previous = fit
            let p = fit.parameters
            let errors = groups[k + 1].map { i in _log(formula.value(p, at: data.inputs[i])) - data.logLoss[i] }
            steps.append(.init(fittedThrough: meanScale[k], compute: meanScale[k + 1], points: fitted.count,
                               runs: groups[k + 1].count, logErrors: errors))
        }
        return RollingBacktestResult(budgets: meanScale, steps: steps)
    }

    /// The starts of a back-test fit warmed by `fit`, the law's fit to the budgets below (fitting
    /// space): `fit`'s best starts (`LawFit.bestStarts`, the basins the smaller ladder found),
    /// then `options.coarseStartPoints(for:)` (every parameter's grid thinned to its ends and
    /// middle, so a ladder whose optimum moved with the new budget still has a start near it,
    /// `options.extraStarts` among them).
    ///
    /// With one more budget the optimum moves, and it may move far: fewer budgets pin E and the
    /// exponents less. The coarse grid is what keeps a warm start honest there; the tests hold
    /// every step's optimum to the full grid's on ladders of the right and a wrong form.
    public static func warmStarts(_ formula: any LawFormula, from fit: LawFit, options: FitOptions) throws -> [[Double]] {
        let specs = formula.parameters
        guard fit.formula.identifier == formula.identifier, fit.formula.parameters.count == specs.count else {
            throw FitError.badOption("a warm start for \(formula.identifier) from a fit of \(fit.formula.identifier)")
        }
        let best = fit.bestStarts.map { s in zip(specs, s.parameters).map { $0.fitting($1) } }
            .filter { $0.allSatisfy(\.isFinite) }
        return best + (try options.coarseStartPoints(for: formula))
    }
}
