import Foundation

/// Runs each task as a child process of the runner, on this machine: the embedded default.
///
/// A task's stdout and stderr are appended to its log; its exit status comes from the process
/// itself (no exit file). `interrupt` sends SIGINT (the trainer checkpoints and writes an
/// `interrupted` result), `cancel` SIGKILL, each to the task's process group. The tasks end with the runner: it interrupts them
/// and waits when it stops.
public final class LocalExecutor: RunExecutor {
    public let kind = ExecutorKind.local
    /// Worker processes at once.
    public let capacity: Int
    public let pollInterval: Double
    public let tasksEndWithMonitor = true
    var processes: [Int64: Process] = [:]

    public init(workers: Int, pollInterval: Double = 0.05) {
        precondition(workers >= 1, "workers \(workers) must be at least 1")
        capacity = workers
        self.pollInterval = pollInterval
    }

    public func submit(_ tasks: [TaskSpec]) throws(ExecutorError) -> [TaskHandle] {
        var started: [TaskHandle] = []
        for task in tasks {
            do { started.append(try start(task)) } catch {
                cancel(started)
                throw error
            }
        }
        return started
    }

    func start(_ task: TaskSpec) throws(ExecutorError) -> TaskHandle {
        guard let executable = task.arguments.first else { throw ExecutorError("run \(task.runID): an empty command line") }
        if !FileManager.default.fileExists(atPath: task.logPath) {
            _ = FileManager.default.createFile(atPath: task.logPath, contents: nil)
        }
        guard let log = FileHandle(forWritingAtPath: task.logPath) else {
            throw ExecutorError("run \(task.runID): cannot write its log \(task.logPath); check the run folder's permissions and free space")
        }
        defer { try? log.close() }
        _ = try? log.seekToEnd()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable.contains("/") ? executable : "/usr/bin/env")
        process.arguments = executable.contains("/") ? Array(task.arguments.dropFirst()) : task.arguments
        process.currentDirectoryURL = URL(fileURLWithPath: task.directory)
        process.environment = ProcessInfo.processInfo.environment.merging(task.environment) { $1 }
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch {
            throw ExecutorError("run \(task.runID): cannot start \(executable): \(error.localizedDescription)")
        }
        processes[task.runID] = process
        let pid = process.processIdentifier
        return TaskHandle(runID: task.runID, executor: .local, pid: pid, startTime: WorkerCommand.startTime(of: pid))
    }

    public func poll(_ handles: [TaskHandle]) throws(ExecutorError) -> [Int64: TaskState] {
        var states: [Int64: TaskState] = [:]
        for h in handles {
            guard let p = processes[h.runID] else {
                states[h.runID] = .ended(.unknown("run \(h.runID) was not started by this runner"))
                continue
            }
            if p.isRunning { states[h.runID] = .running; continue }
            let code = p.terminationStatus
            // A command under `/bin/sh -c` that a signal killed makes the shell exit 128 + n.
            states[h.runID] = .ended(p.terminationReason == .uncaughtSignal ? .signalled(code)
                                     : code > 128 && code < 160 ? .signalled(code - 128) : .exited(code))
        }
        return states
    }

    public func interrupt(_ handles: [TaskHandle]) {
        for h in handles { if let p = processes[h.runID], p.isRunning { Self.signalTask(p.processIdentifier, SIGINT) } }
    }

    public func cancel(_ handles: [TaskHandle]) {
        for h in handles { if let p = processes[h.runID], p.isRunning { Self.signalTask(p.processIdentifier, SIGKILL) } }
    }

    /// Signals a task's whole process group when it leads one (each child starts in its own
    /// group), so a training command under `/bin/sh -c` gets the signal too, not only its shell.
    public static func signalTask(_ pid: Int32, _ signal: Int32) {
        if getpgid(pid) == pid { kill(-pid, signal) } else { kill(pid, signal) }
    }

}
