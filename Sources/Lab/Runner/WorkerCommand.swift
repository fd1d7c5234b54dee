import Foundation
import Trainer

/// How a worker process is started: `scalelab worker --config run-<id>.config.json …`.
///
/// The runner writes the run's stored `TrainingConfig` (the value in the store's `config_json`
/// column) to a config file next to the run's record and checkpoint, and the worker trains
/// exactly that value: every field, with nothing turned into command-line flags and parsed
/// back. The command line names the run's files, so `isWorker` can still tell a live worker of
/// a run by its command line naming the run's record file.
public enum WorkerCommand {
    /// The hidden `scalelab` subcommand a worker runs.
    public static let subcommand = "worker"

    /// `worker …` arguments: train the config in `config`, writing the record to `record` and
    /// checkpoints to `checkpoint` (resuming from it when it exists), printing JSON only.
    public static func arguments(config: String, data: String, record: String, checkpoint: String,
                                 progress: String? = nil) -> [String] {
        [subcommand, "--config", config, "--data", data, "--out", record, "--checkpoint", checkpoint]
            + (progress.map { ["--progress-file", $0] } ?? [])
    }

    /// A config file that cannot be written or read, with the file and the reason.
    public struct ConfigFileError: Error, CustomStringConvertible, Sendable {
        public var path: String
        public var detail: String
        public var description: String { "\(path): \(detail)" }
    }

    /// Writes `config` to `path` atomically: to `<path>.tmp`, then renamed over `path`, so a
    /// worker (or anyone) never reads half a file.
    public static func writeConfig(_ config: TrainingConfig, to path: String) throws(ConfigFileError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data: Data
        do { data = try encoder.encode(config) } catch {
            throw ConfigFileError(path: path, detail: "cannot write the run's config file: \(error.localizedDescription)")
        }
        if let problem = RunFiles.replace(data, at: path) {
            throw ConfigFileError(path: path, detail: "cannot write the run's config file: \(problem)")
        }
    }

    /// Reads a config file written by `writeConfig`.
    public static func readConfig(at path: String) throws(ConfigFileError) -> TrainingConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigFileError(path: path, detail: "cannot read the run's config file (missing or unreadable); `scalelab ladder run` writes it before it starts a worker")
        }
        do { return try JSONDecoder().decode(TrainingConfig.self, from: data) } catch {
            throw ConfigFileError(path: path, detail: "not a training config (JSON of a TrainingConfig): \(error)")
        }
    }

    /// This machine's host name (`gethostname`), stored with a runner's pid: a pid names a
    /// process only on its own host.
    public static let hostName: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "localhost" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }()

    /// This program's own executable: `/proc/self/exe` on Linux, else `argv[0]` made absolute.
    public static func currentExecutable() -> String {
        if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return target }
        let arg0 = CommandLine.arguments.first ?? "scalelab"
        return URL(fileURLWithPath: arg0, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath)).path
    }

    /// Whether process `pid` exists (signal 0) and is not a zombie: an orphan that exited but whose
    /// new parent has not reaped it yet (in a container, PID 1 may never reap) is gone for us.
    public static func isAlive(_ pid: Int32) -> Bool {
        guard pid > 0, kill(pid, 0) == 0 || errno == EPERM else { return false }
        return !isZombie(pid)
    }

    /// Linux: the start time of process `pid` (field 22 of `/proc/<pid>/stat`, clock ticks since
    /// boot), or nil where there is none. A pid can be reused by another process; a pid with its
    /// start time cannot (within one boot), so the store records both for runners and workers.
    public static func startTime(of pid: Int32) -> Int64? {
        guard pid > 0, let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        // Fields after the parenthesized command name start with field 3 (the state).
        let fields = stat[stat.index(after: close)...].split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count > 19 else { return nil }
        return Int64(fields[19])
    }

    /// Whether process `pid` is alive and is the process that was recorded with `startTime`
    /// (when one was recorded): a live process that reused the pid is not it.
    public static func isAlive(_ pid: Int32, startedAt startTime: Int64?) -> Bool {
        guard isAlive(pid) else { return false }
        guard let startTime, let now = self.startTime(of: pid) else { return true }
        return now == startTime
    }

    /// Linux: the state field of `/proc/<pid>/stat` (after the parenthesized command name) is `Z`.
    static func isZombie(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        return stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
    }

    /// Whether live process `pid` is a worker writing `record`: its command line names the
    /// record file (ScaleLab's worker, see `arguments`) or its environment has
    /// `SCALELAB_RESULT=<record>` (any training command); guards against signalling an unrelated
    /// process that reused the pid. With `startTime`, the process must also have that start time.
    static func isWorker(_ pid: Int32, startedAt startTime: Int64? = nil, writing record: String) -> Bool {
        guard isAlive(pid, startedAt: startTime) else { return false }
        if let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"),
           data.split(separator: 0).contains(where: { String(decoding: $0, as: UTF8.self) == record }) { return true }
        guard let env = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { return false }
        return env.split(separator: 0).contains { String(decoding: $0, as: UTF8.self) == "SCALELAB_RESULT=" + record }
    }
}
