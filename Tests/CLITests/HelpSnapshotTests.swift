import Foundation
import XCTest

/// `--help` of every command, byte for byte against committed snapshots: the options, their
/// defaults and their wording are a contract with users and scripts, so a change to any of them
/// shows up in review. Record new snapshots with `SCALELAB_UPDATE_SNAPSHOTS=1 swift test --filter HelpSnapshotTests`.
final class HelpSnapshotTests: XCTestCase {
    /// Every command and subcommand a user can call.
    static let commands: [[String]] = [
        [], ["demo"], ["train"], ["eval"], ["ladder"], ["ladder", "plan"], ["ladder", "run"], ["ladder", "status"], ["ladder", "cancel"], ["ladder", "suggest"],
        ["fit"], ["predict"], ["task-forecast"], ["emergence"], ["study"], ["study", "emergence"], ["study", "repetition"], ["study", "architecture"], ["study", "transfer"], ["study", "hyperparameters"], ["plan"], ["flops"], ["laws"], ["report"], ["plot"], ["import"], ["export"], ["simulate-run"], ["sgemm-peak"],
    ]

    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots/help")

    func testEveryCommandsHelpMatchesItsSnapshot() throws {
        let update = ProcessInfo.processInfo.environment["SCALELAB_UPDATE_SNAPSHOTS"] == "1"
        for command in Self.commands {
            let r = try CLIRunner.run(["help"] + command)
            XCTAssertEqual(r.status, 0, "scalelab help \(command.joined(separator: " ")): \(r.stderr)")
            let name = (["scalelab"] + command).joined(separator: "-") + ".txt"
            let url = Self.directory.appendingPathComponent(name)
            if update {
                try FileManager.default.createDirectory(at: Self.directory, withIntermediateDirectories: true)
                try Data(r.stdout.utf8).write(to: url)
                continue
            }
            let expected = try String(contentsOf: url, encoding: .utf8)
            XCTAssertEqual(r.stdout, expected, "scalelab help \(command.joined(separator: " ")) differs from \(name); "
                           + "if the change is meant, record it with SCALELAB_UPDATE_SNAPSHOTS=1")
        }
    }

    /// The list above holds every subcommand the top-level help lists, so a new command cannot
    /// go without a snapshot.
    func testTheListCoversEverySubcommand() throws {
        func listed(_ command: [String]) throws -> Set<String> {
            let help = try CLIRunner.run(["help"] + command).stdout
            guard let section = help.components(separatedBy: "SUBCOMMANDS:").dropFirst().first else { return [] }
            // The section's lines up to its first blank line; a name starts each entry's first line.
            let lines = section.components(separatedBy: "\n").dropFirst().prefix { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
            return Set(lines.compactMap { line -> String? in
                let words = line.split(separator: " ")
                return line.hasPrefix("  ") && !line.hasPrefix("   ") ? words.first.map(String.init) : nil
            })
        }
        let top = try listed([])
        XCTAssertFalse(top.isEmpty)
        for name in top {
            XCTAssertTrue(Self.commands.contains([name]), "no help snapshot for `scalelab \(name)`")
            for sub in try listed([name]) {
                XCTAssertTrue(Self.commands.contains([name, sub]), "no help snapshot for `scalelab \(name) \(sub)`")
            }
        }
    }
}
