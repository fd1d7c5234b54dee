import ScalingLaws

/// Rebuilding a law from a fit report.
public enum FittedLaw {
    /// The law a report describes, with `parameters` (in `parameterOrder`) as its free values,
    /// expressed in its base form: fixed parameters filled in, tied exponents untied.
    public static func baseLaw(of report: FitReport, parameters p: [Double]) throws -> Law {
        guard let formula = report.namedLaw else {
            throw FitError.badOption("the fit report names an unknown law '\(report.law)'")
        }
        guard p.count == report.parameterOrder.count else {
            throw FitError.badOption("the fit report has \(report.parameterOrder.count) parameter names but \(p.count) values")
        }
        var values = Dictionary(uniqueKeysWithValues: zip(report.parameterOrder, p))
        for (k, v) in report.fixed ?? [:] { values[k] = v }
        if formula.tiesExponents {
            let base = formula.untiedForm
            values["beta"] = values["alpha"]
            guard let law = Law(base, named: values) else { throw missing(report, base) }
            return law
        }
        guard let law = Law(formula, named: values) else { throw missing(report, formula) }
        return law
    }

    private static func missing(_ report: FitReport, _ formula: any LawFormula) -> FitError {
        .badOption("the fit report of \(report.law) lacks some of \(formula.parameterNames.joined(separator: ", "))")
    }
}
