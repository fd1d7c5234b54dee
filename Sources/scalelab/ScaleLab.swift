import ArgumentParser

@main
struct ScaleLab: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scalelab",
        abstract: "Train model ladders, fit scaling laws, plan compute.",
        version: ScaleLabVersion.current,
        subcommands: [DemoCommand.self, TrainCommand.self, EvalCommand.self, LadderCommand.self, FitCommand.self, PredictCommand.self,
                      TaskForecastCommand.self, EmergenceCommand.self, StudyCommand.self, PlanCommand.self,
                      FlopsCommand.self, LawsCommand.self, ReportCommand.self, PlotCommand.self,
                      ImportCommand.self, ExportCommand.self, SimulateRunCommand.self, SGEMMPeakCommand.self,
                      WorkerSubcommand.self]
    )
}

enum ScaleLabVersion {
    static let current = "0.1.0"
}
