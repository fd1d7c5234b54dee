import Foundation

/// The Slurm client commands an executor calls: names looked up on the `PATH`, or paths.
public struct SlurmCommands: Sendable, Equatable {
    /// Submits the batch scripts (`sbatch`).
    public var sbatch: String
    /// Lists the queue, once per poll (`squeue`).
    public var squeue: String
    /// Signals and cancels tasks (`scancel`).
    public var scancel: String
    /// Reads the cluster's configuration, and requeues a task from its batch script (`scontrol`).
    public var scontrol: String
    /// Lists the partitions (`sinfo`).
    public var sinfo: String

    /// The commands by their usual names, each found on the `PATH`.
    public init(sbatch: String = "sbatch", squeue: String = "squeue", scancel: String = "scancel",
                scontrol: String = "scontrol", sinfo: String = "sinfo") {
        self.sbatch = sbatch
        self.squeue = squeue
        self.scancel = scancel
        self.scontrol = scontrol
        self.sinfo = sinfo
    }
}

/// What a Slurm client command printed, and how it exited.
struct SlurmCommandOutput: Sendable {
    var status: Int32
    var stdout: String
    var stderr: String
    /// stderr, else stdout, trimmed: what to quote in an error.
    var message: String {
        let e = stderr.trimmingCharacters(in: .whitespacesAndNewlines)
        return e.isEmpty ? stdout.trimmingCharacters(in: .whitespacesAndNewlines) : e
    }
}

/// Runs Slurm's client commands and reads the cluster's configuration.
///
/// `maxArraySize()` and `partitions()` ask the cluster (`scontrol show config`, `sinfo`); the
/// static parsers read their output, so they can be checked on captured text.
public struct SlurmCluster: Sendable {
    /// The client commands to call.
    public var commands: SlurmCommands

    /// A cluster reached through `commands` (with the environment of this process, so
    /// `SLURM_CONF` chooses the cluster).
    public init(commands: SlurmCommands = SlurmCommands()) {
        self.commands = commands
    }

    /// The cluster's `MaxArraySize`: an array task's index must be below it.
    public func maxArraySize() throws(ExecutorError) -> Int {
        let out = try Self.run(commands.scontrol, ["show", "config"])
        guard out.status == 0 else { throw Self.failure(commands.scontrol, "show config", out) }
        guard let size = Self.maxArraySize(fromConfig: out.stdout) else {
            throw ExecutorError("`\(commands.scontrol) show config` printed no MaxArraySize line; is this Slurm?")
        }
        return size
    }

    /// The cluster's partitions, the default one first-listed as `sinfo` lists it (without its `*`).
    public func partitions() throws(ExecutorError) -> [String] {
        let out = try Self.run(commands.sinfo, ["--noheader", "--format=%P"])
        guard out.status == 0 else { throw Self.failure(commands.sinfo, "--noheader --format=%P", out) }
        return Self.partitions(fromSinfo: out.stdout)
    }

    /// `MaxArraySize` from the text of `scontrol show config` (a line `MaxArraySize = 1001`),
    /// or nil when there is no such line.
    public static func maxArraySize(fromConfig text: String) -> Int? {
        for line in text.split(whereSeparator: \.isNewline) {
            let parts = line.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == "MaxArraySize" else { continue }
            return Int(parts[1].trimmingCharacters(in: .whitespaces))
        }
        return nil
    }

    /// Partition names from the text of `sinfo --noheader --format=%P` (one per line; the
    /// default partition's `*` removed; each name once, in order).
    public static func partitions(fromSinfo text: String) -> [String] {
        var names: [String] = []
        for line in text.split(whereSeparator: \.isNewline) {
            var name = line.trimmingCharacters(in: .whitespaces)
            if name.hasSuffix("*") { name.removeLast() }
            if !name.isEmpty, !names.contains(name) { names.append(name) }
        }
        return names
    }

    // MARK: Running commands

    /// The executable for `command`: itself when it holds a `/`, else the first match on `PATH`.
    static func resolve(_ command: String) throws(ExecutorError) -> String {
        let fm = FileManager.default
        if command.contains("/") {
            guard fm.isExecutableFile(atPath: command) else {
                throw ExecutorError("\(command) does not exist or is not executable: install Slurm's client commands "
                    + "or give their right path; `scripts/start-slurm.sh` starts a one-node cluster")
            }
            return command
        }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":") where !dir.isEmpty {
            let candidate = (String(dir) as NSString).appendingPathComponent(command)
            if fm.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw ExecutorError("`\(command)` is not on the PATH (\(path)): install Slurm's client commands or put them "
            + "on PATH; `scripts/start-slurm.sh` starts a one-node cluster")
    }

    /// Runs `command` with `arguments` (no shell), waits for it, and returns what it printed.
    static func run(_ command: String, _ arguments: [String]) throws(ExecutorError) -> SlurmCommandOutput {
        let executable = try resolve(command)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch {
            throw ExecutorError("cannot run \(executable): \(error.localizedDescription)")
        }
        // Both pipes are drained at once, so a command that fills one of them never blocks.
        final class Box: @unchecked Sendable { var data = Data() }
        let errBox = Box()
        let group = DispatchGroup()
        group.enter()
        let errHandle = err.fileHandleForReading
        DispatchQueue.global().async {
            errBox.data = errHandle.readDataToEndOfFile()
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return SlurmCommandOutput(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                                  stderr: String(decoding: errBox.data, as: UTF8.self))
    }

    /// Whether a command's message says the controller could not be reached.
    static func controllerUnreachable(_ message: String) -> Bool {
        let m = message.lowercased()
        return m.contains("unable to contact slurm controller") || m.contains("connection refused")
            || m.contains("socket timed out") || m.contains("zero bytes were transmitted or received")
            || m.contains("unable to establish controller machine")
    }

    /// The error for a failed command: the controller unreachable, or the command's own message.
    static func failure(_ command: String, _ what: String, _ out: SlurmCommandOutput) -> ExecutorError {
        if controllerUnreachable(out.message) {
            return ExecutorError("the Slurm controller does not answer (`\(command) \(what)`: \(out.message)): check that "
                + "slurmctld is up (`scontrol ping`) and that SLURM_CONF names the cluster's slurm.conf; "
                + "`scripts/start-slurm.sh` starts a one-node cluster")
        }
        return ExecutorError("`\(command) \(what)` failed with status \(out.status): \(out.message)")
    }
}
