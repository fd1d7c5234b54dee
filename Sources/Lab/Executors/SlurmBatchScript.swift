import Foundation

/// The bash files the Slurm executor writes in `<run directory>/slurm/`:
///
/// - `run-<id>.task.sh`, one per run: shell variables naming the run's files, its environment
///   and its argv, each value single-quoted (so spaces, quotes and newlines survive; nothing is
///   evaluated). The batch script sources it.
/// - `array-<stamp>.sh`, one per `sbatch` call: the list of task files by array index, and the
///   wrapper that runs one task (below). `array-<stamp>.tasks` lists index, run id and command
///   for people reading the folder.
///
/// The wrapper, for array task `$SLURM_ARRAY_TASK_ID`: removes a stale exit file; appends a
/// header line to the run's log; starts the command in the background (in the run's directory,
/// with its environment, stdout and stderr appended to the log); forwards SIGTERM to it when the
/// batch shell gets SIGTERM, SIGINT or USR2 (the time-limit warning, or an interrupt); waits for
/// it; writes its exit status (the code, or 128 + the signal) to the exit file by rename; and, when
/// USR2 came near the time limit and the command stopped without finishing, requeues its own
/// task, so it resumes from its checkpoint.
enum SlurmBatchScript {
    /// `s` in single quotes for bash: every byte literal (a `'` becomes `'\''`).
    static func quote(_ s: String) -> String {
        "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// The task file of one run.
    static func taskFile(_ task: TaskSpec) -> String {
        var env = task.environment
        env["SCALELAB_RUN_ID"] = String(task.runID)
        let envWords = env.keys.sorted().map { quote("\($0)=\(env[$0]!)") }
        return """
            # ScaleLab run \(task.runID), written by SlurmExecutor: sourced by the array's batch script.
            task_run_id=\(task.runID)
            task_log=\(quote(task.logPath))
            task_exit=\(quote(task.exitPath))
            task_result=\(quote(task.resultPath))
            task_dir=\(quote(task.directory))
            task_env=(\(envWords.joined(separator: " ")))
            task_cmd=(\(task.arguments.map(quote).joined(separator: " ")))

            """
    }

    /// The batch script of one array: task `i` runs the task file `taskFiles[i]`. `scontrol` is
    /// the command that requeues; `warningSeconds` how long before the limit USR2 comes.
    static func batchScript(taskFiles: [String], scontrol: String, squeue: String, warningSeconds: Int) -> String {
        let list = taskFiles.map { "    " + quote($0) }.joined(separator: "\n")
        return #"""
            #!/bin/bash
            # ScaleLab: one Slurm job array, written by SlurmExecutor (docs/slurm.md). Array task i runs
            # the command of the run in task_files[i].
            scalelab_child=""
            scalelab_signalled=0
            scalelab_warned=0
            scalelab_forward() {
                scalelab_signalled=1
                if [ -n "$scalelab_child" ]; then kill -TERM "$scalelab_child" 2>/dev/null; fi
            }
            trap 'scalelab_warned=1; scalelab_forward' USR2
            trap 'scalelab_forward' TERM INT
            task_files=(
            \#(list)
            )
            scalelab_scontrol=\#(quote(scontrol))
            scalelab_squeue=\#(quote(squeue))
            scalelab_warning=\#(warningSeconds)
            scalelab_index=${SLURM_ARRAY_TASK_ID:-}
            case "$scalelab_index" in ''|*[!0-9]*) echo "scalelab: not an array task (SLURM_ARRAY_TASK_ID='$scalelab_index')" >&2; exit 2 ;; esac
            scalelab_file=${task_files[$scalelab_index]:-}
            if [ -z "$scalelab_file" ] || ! . "$scalelab_file"; then
                echo "scalelab: array task $scalelab_index has no readable task file ('$scalelab_file')" >&2
                exit 2
            fi
            scalelab_task="${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}"
            rm -f -- "$task_exit"
            printf '=== scalelab: run %s, Slurm task %s on %s, attempt %s, started %s\n' \
                "$task_run_id" "$scalelab_task" "$(hostname)" "$((${SLURM_RESTART_COUNT:-0} + 1))" "$(date '+%F %T')" >>"$task_log"
            # The command runs in the background of a subshell that ignores the signals, so the subshell's one
            # wait is never interrupted and always gets the command's status (bash can lose a child's status when
            # a trapped signal interrupts `wait` as the child dies). The command's pid and status pass through files.
            scalelab_tmp=$(mktemp -d "${TMPDIR:-/tmp}/scalelab-task.XXXXXX") || exit 1
            (
                if ! cd -- "$task_dir"; then echo 127 >"$scalelab_tmp/status"; exit 127; fi
                for scalelab_kv in "${task_env[@]}"; do export "$scalelab_kv"; done
                "${task_cmd[@]}" </dev/null &
                scalelab_cmd=$!
                trap '' TERM INT USR2
                echo "$scalelab_cmd" >"$scalelab_tmp/pid.tmp" && mv -f "$scalelab_tmp/pid.tmp" "$scalelab_tmp/pid"
                wait "$scalelab_cmd"
                echo "$?" >"$scalelab_tmp/status"
            ) >>"$task_log" 2>&1 </dev/null &
            scalelab_sub=$!
            while [ ! -s "$scalelab_tmp/pid" ] && kill -0 "$scalelab_sub" 2>/dev/null; do sleep 0.1; done
            scalelab_child=$(cat "$scalelab_tmp/pid" 2>/dev/null)
            if [ "$scalelab_signalled" = 1 ]; then scalelab_forward; fi
            while kill -0 "$scalelab_sub" 2>/dev/null; do wait "$scalelab_sub"; done
            scalelab_code=$(cat "$scalelab_tmp/status" 2>/dev/null)
            rm -rf -- "$scalelab_tmp"
            if [ -z "$scalelab_code" ]; then
                printf '=== scalelab: run %s: its command'"'"'s exit status is lost (its wrapper was killed)\n' "$task_run_id" >>"$task_log"
                exit 1
            fi
            printf '%s\n' "$scalelab_code" >"$task_exit.tmp.$$" && mv -f -- "$task_exit.tmp.$$" "$task_exit"
            printf '=== scalelab: run %s ended with status %s at %s\n' "$task_run_id" "$scalelab_code" "$(date '+%F %T')" >>"$task_log"

            # Seconds left before the time limit (squeue's %L: [days-]hours:minutes:seconds), or nothing.
            scalelab_seconds_left() {
                local left days=0 h=0 m=0 s=0
                left=$("$scalelab_squeue" --noheader --jobs="$SLURM_JOB_ID" --format=%L 2>/dev/null | head -n 1 | tr -d ' ')
                case "$left" in ''|*[!0-9:-]*) return 1 ;; esac
                case "$left" in *-*) days=${left%%-*}; left=${left#*-} ;; esac
                IFS=: read -r a b c <<<"$left"
                if [ -n "$c" ]; then h=$a; m=$b; s=$c; elif [ -n "$b" ]; then m=$a; s=$b; else s=$a; fi
                echo $(( ((10#$days * 24 + 10#$h) * 60 + 10#$m) * 60 + 10#$s ))
            }
            # USR2 near the time limit (not an interrupt long before it), and the command stopped without
            # finishing (a non-zero status, or a result that says interrupted): run again from its checkpoint.
            if [ "$scalelab_warned" = 1 ]; then
                scalelab_left=$(scalelab_seconds_left) || scalelab_left=""
                scalelab_unfinished=0
                if [ "$scalelab_code" != 0 ] || grep -qs '"status"[[:space:]]*:[[:space:]]*"interrupted"' "$task_result"; then
                    scalelab_unfinished=1
                fi
                if [ -n "$scalelab_left" ] && [ "$scalelab_left" -le $((scalelab_warning + 60)) ] && [ "$scalelab_unfinished" = 1 ]; then
                    printf '=== scalelab: %s s before the time limit; requeueing Slurm task %s\n' "$scalelab_left" "$scalelab_task" >>"$task_log"
                    "$scalelab_scontrol" requeue "$scalelab_task" >>"$task_log" 2>&1
                fi
            fi
            exit "$scalelab_code"

            """#
    }
}
