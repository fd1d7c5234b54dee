import GRDB

/// The store's schema, as an ordered list of migrations (GRDB `DatabaseMigrator`).
///
/// Rules for changing it: never edit a registered migration; append a new one and bump
/// `version`. The last migration sets SQLite's `user_version` to `version`, so another program
/// (or an older ScaleLab) can tell which schema a file has without knowing GRDB's bookkeeping.
/// A file whose `user_version` is above ours, or that lists migrations we do not know, was
/// written by a newer ScaleLab and is refused before anything is written.
enum StoreSchema {
    /// The schema version this build writes and understands.
    static let version = 6

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1: sweeps, runs, curve points, fits") { db in
            try db.create(table: "sweep") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("name", .text).notNull()
                /// isoflop, fixed-size, fixed-data or import.
                t.column("kind", .text).notNull()
                /// The `LadderPlan` (or import description) as JSON.
                t.column("spec_json", .text).notNull()
                t.column("scalelab_version", .text).notNull()
                t.column("created_at", .datetime).notNull()
            }
            try db.create(table: "run") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("sweep_id", .integer).notNull().references("sweep", onDelete: .cascade)
                /// `TrainingConfig` JSON for planned runs; NULL for imported runs.
                t.column("config_json", .text)
                t.column("arch", .text)
                t.column("seed", .integer)
                /// N counting every parameter (Chinchilla's convention).
                t.column("parameters", .double).notNull()
                /// N without embeddings (Kaplan's convention); NULL when unknown (imports).
                t.column("non_embedding_parameters", .double)
                /// D: planned token budget, then the tokens actually trained.
                t.column("tokens", .double)
                /// C: planned, then actual training FLOPs.
                t.column("flops", .double)
                /// The sweep's nominal budget for this run (isoflop), or NULL.
                t.column("budget", .double)
                t.column("unique_tokens", .double)
                t.column("status", .text).notNull()
                    .check { ["queued", "running", "done", "failed", "interrupted", "diverged"].contains($0) }
                t.column("message", .text)
                t.column("created_at", .datetime).notNull()
                t.column("started_at", .datetime)
                t.column("finished_at", .datetime)
                t.column("wall_seconds", .double)
                t.column("tokens_per_second", .double)
                t.column("final_train_loss", .double)
                t.column("final_validation_loss", .double)
                t.column("final_bits_per_byte", .double)
                t.column("checkpoint_path", .text)
                t.column("record_path", .text)
                t.column("worker_pid", .integer)
                t.column("runner_pid", .integer)
                t.column("heartbeat", .datetime)
                /// Launches of a worker for this run, and how many continued from a checkpoint.
                t.column("attempts", .integer).notNull().defaults(to: 0)
                t.column("resumes", .integer).notNull().defaults(to: 0)
                /// The whole `RunRecord` JSON of a finished run (step losses included).
                t.column("record_json", .text)
            }
            try db.create(index: "run_on_status", on: "run", columns: ["status"])
            try db.create(index: "run_on_sweep", on: "run", columns: ["sweep_id"])
            try db.create(table: "curve_point") { t in
                t.column("run_id", .integer).notNull().references("run", onDelete: .cascade)
                t.column("step", .integer).notNull()
                t.column("tokens", .double).notNull()
                t.column("flops", .double).notNull()
                t.column("train_loss", .double).notNull()
                t.column("validation_loss", .double).notNull()
                t.column("validation_bits_per_byte", .double).notNull()
                t.column("learning_rate", .double).notNull()
                t.primaryKey(["run_id", "step"])
            }
            try db.create(table: "fit") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("law", .text).notNull()
                /// approach-1, approach-2, approach-3, or a command's own label.
                t.column("method", .text).notNull()
                t.column("data_hash", .text).notNull()
                t.column("points", .integer).notNull()
                t.column("parameters_json", .text).notNull()
                t.column("intervals_json", .text)
                t.column("scalelab_version", .text).notNull()
                t.column("created_at", .datetime).notNull()
            }
            try db.execute(sql: "PRAGMA user_version = 1")
        }
        m.registerMigration("v2: process start times of runners and workers") { db in
            try db.alter(table: "run") { t in
                /// Start time (field 22 of /proc/<pid>/stat, clock ticks since boot) of `runner_pid`
                /// and `worker_pid`: with the pid it names a process even after the pid is reused.
                t.add(column: "runner_start_time", .integer)
                t.add(column: "worker_start_time", .integer)
            }
            try db.execute(sql: "PRAGMA user_version = 2")
        }
        m.registerMigration("v3: executors, job ids, logs, task metrics") { db in
            try db.alter(table: "run") { t in
                /// Where the run was (last) launched: `local` (a worker process on the runner's
                /// machine) or `slurm` (a task of a Slurm job array); NULL before its first launch.
                t.add(column: "executor", .text)
                /// The executor's id of the running task: Slurm's `<array job>_<task>`; NULL locally.
                t.add(column: "job_id", .text)
                /// Slurm: the array's job id and this run's task index in it.
                t.add(column: "array_job_id", .integer)
                t.add(column: "array_task_id", .integer)
                /// The run's log file (stdout and stderr of its training command).
                t.add(column: "log_path", .text)
                /// The training command line it was launched with (the default worker or `--train-command`).
                t.add(column: "command", .text)
                /// Task metrics the trainer reported with its result (`{"name": value}` JSON), or NULL.
                t.add(column: "metrics_json", .text)
            }
            try db.execute(sql: "PRAGMA user_version = 3")
        }
        m.registerMigration("v4: the runner's host") { db in
            try db.alter(table: "run") { t in
                /// The host name of `runner_pid`: a pid names a process on its own machine only, so
                /// runners on other machines sharing a PostgreSQL store are judged by their heartbeat.
                t.add(column: "runner_host", .text)
            }
            try db.execute(sql: "PRAGMA user_version = 4")
        }
        m.registerMigration("v5: task evaluations") { db in
            /// One metric of one task measured at one step of a run (`TaskEvaluation`): what the
            /// trainer's `--eval` or a result file's `evaluations` reported. A re-record replaces a
            /// run's rows; a run's rows go with it.
            try db.create(table: "evaluation") { t in
                t.column("run_id", .integer).notNull().references("run", onDelete: .cascade)
                t.column("step", .integer).notNull()
                /// Training tokens seen at that step.
                t.column("tokens", .double).notNull()
                t.column("task", .text).notNull()
                t.column("metric", .text).notNull()
                t.column("value", .double).notNull()
                t.primaryKey(["run_id", "step", "task", "metric"])
            }
            // The primary key reads a run's rows; this one reads a task's rows across runs.
            try db.create(index: "evaluation_on_task", on: "evaluation", columns: ["task", "metric", "run_id"])
            try db.execute(sql: "PRAGMA user_version = 5")
        }
        m.registerMigration("v6: gradient noise of curve points") { db in
            try db.alter(table: "curve_point") { t in
                /// The mean unbiased estimates of |G|² and tr(Σ) over the steps measured since the
                /// run's previous point (`GradientNoise`), and how many; NULL when not measured.
                t.add(column: "gradient_squared_norm", .double)
                t.add(column: "gradient_noise_trace", .double)
                t.add(column: "noise_measurements", .integer)
            }
            try db.execute(sql: "PRAGMA user_version = 6")
        }
        return m
    }
}
