import Foundation
import ArgumentParser
import LawFitting
import ScalingLaws
import Trainer

/// `--grid log_A=0,5,10` → ("log_A", [0, 5, 10]); `--fix E=1.69` → ("E", [1.69]).
struct NamedValues: ExpressibleByArgument {
    let name: String
    let values: [Double]

    init?(argument: String) {
        let parts = argument.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2, !parts[0].isEmpty else { return nil }
        let values = parts[1].split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.count == parts[1].split(separator: ",").count,
              values.allSatisfy(\.isFinite) else { return nil }
        name = parts[0]
        self.values = values
    }

    static var defaultValueDescription: String { "name=value[,value…]" }
}

/// A positive finite number given as `1e24`, `5.76e23`, `3e+21`.
struct PositiveNumber: ExpressibleByArgument {
    let value: Double
    init?(argument: String) {
        guard let v = Double(argument), v.isFinite, v > 0 else { return nil }
        value = v
    }
}

extension ScaleVariable: ExpressibleByArgument {
    public init?(argument: String) {
        self.init(rawValue: argument.uppercased())
    }
}

extension FitObjectiveKind: ExpressibleByArgument {}

extension HyperparameterRecipe: ExpressibleByArgument {}

extension BootstrapResampling: ExpressibleByArgument {
    /// The help of every `--resampling` option.
    static var help: ArgumentHelp { "How the bootstrap resamples the runs: residuals (deleted leave-one-out residuals, calibrated on demo-like ladders) or cases (the runs themselves; wider intervals)." }
}
