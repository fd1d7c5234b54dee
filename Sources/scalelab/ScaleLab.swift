import ArgumentParser

@main
struct ScaleLab: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scalelab",
        abstract: "Train model ladders, fit scaling laws, plan compute.",
        version: ScaleLabVersion.current,
        subcommands: [FitCommand.self, PlanCommand.self, FlopsCommand.self, LawsCommand.self, TrainCommand.self,
                      ReportCommand.self, PlotCommand.self]
    )
}

enum ScaleLabVersion {
    static let current = "0.1.0"
}
