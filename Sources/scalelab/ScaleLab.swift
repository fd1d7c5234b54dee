import ArgumentParser

@main
struct ScaleLab: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scalelab",
        abstract: "Train model ladders, fit scaling laws, plan compute.",
        version: ScaleLabVersion.current,
        subcommands: [TrainCommand.self]
    )
}

enum ScaleLabVersion {
    static let current = "0.1.0"
}
