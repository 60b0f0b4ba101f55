"""A long-lived child process that runs the process function, one video at a time.

Why a sandbox per worker slot: a segfault in a native decoder, a hang, or a memory blow-up inside
user code must fail that one video, not the pool. The slot (a thread in the local executor, a task
on a Dask or Ray worker) sends the child one task and waits with a deadline; a dead child means
``worker_crashed`` (with the signal), a missed deadline means kill + ``timeout``, RSS past the cap
means kill + ``memory_limit``; the child is then respawned. Because the engine around the slot never
sees the crash, every engine fails a bad video the same way.

Run as ``python -m batchproc._sandbox_main FD``: a fresh interpreter (not fork) so no driver threads or
locks are inherited, and user scripts without a ``__main__`` guard are never re-executed.
"""
from __future__ import annotations

import atexit
import os
import re
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from multiprocessing.connection import Connection
from typing import Any

import cloudpickle

from .errors import MEMORY_LIMIT, TIMEOUT, WORKER_CRASHED
from .manifest import Task
from .worker import JobSpec, Outcome, run_task

START_TIMEOUT_S = 300.0
POLL_S = 0.05


class SandboxStartError(RuntimeError):
    pass


class SandboxInitError(SandboxStartError):
    """The job cannot even be loaded in a worker (e.g. its module is not importable): no video can
    succeed, so the run stops instead of failing every row the same way."""


def _die_with_parent() -> None:
    """Linux: have the kernel SIGKILL this child when the driver dies, even by kill -9."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _signal_name(returncode: int | None) -> str:
    if returncode is None:
        return "unknown"
    if returncode < 0:
        try:
            return signal.Signals(-returncode).name
        except ValueError:
            return f"signal {-returncode}"
    return f"exit code {returncode}"


# -- native log noise ----------------------------------------------------------------------------

# Informational lines native libraries write straight to file descriptor 2, past Python's logging:
# absl / glog INFO and WARNING lines (MediaPipe: "W0000 00:00:1796056748.93 15485
# inference_feedback_manager.cc:114] Feedback manager requires ..." at every graph start), TFLite's
# "INFO: Created TensorFlow Lite XNNPACK delegate for CPU." and absl's notice that it was never
# initialised. Their level cannot be set from outside: this MediaPipe build logs through absl, which
# reads neither GLOG_minloglevel nor TF_CPP_MIN_LOG_LEVEL, and exports no symbol to call. Errors
# (E/F lines), tracebacks, decoder messages and anything else pass through unchanged.
NATIVE_NOISE = re.compile(
    rb"^(?:[IW]\d{4}(?:\d{4})? [\d:.]+\s+\d+ \S+:\d+\] "
    rb"|INFO: (?:Created|Initialized|Replacing) .*(?:TensorFlow Lite|XNNPACK|TfLite)"
    rb"|WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR)")
NATIVE_ENV = {"TF_CPP_MIN_LOG_LEVEL": "2", "GLOG_minloglevel": "2", "OPENCV_LOG_LEVEL": "ERROR"}
_stderr_filter: dict[str, Any] | None = None


def quiet_native_logs() -> bool:
    """Keep native libraries' informational log lines (see ``NATIVE_NOISE``) out of this process's
    stderr, for good: fd 2 becomes a pipe read by a thread that forwards every other line, unchanged,
    to the real stderr (a partial line after 0.2 s of quiet). Call it before the noisy library starts
    (in a sandbox child, in ``batchproc analyze``); idempotent. ``BATCHPROC_NATIVE_LOGS=1`` keeps
    everything. Returns whether the filter is on."""
    global _stderr_filter
    if _stderr_filter is not None:
        return True
    if os.environ.get("BATCHPROC_NATIVE_LOGS", "") not in ("", "0"):
        return False
    for k, v in NATIVE_ENV.items():
        os.environ.setdefault(k, v)  # for libraries that do read them (glog builds, TensorFlow, OpenCV)
    try:
        sys.stderr.flush()
    except (OSError, ValueError, AttributeError):
        pass
    try:
        real = os.dup(2)
        r, w = os.pipe()
    except OSError:
        return False
    os.dup2(w, 2)
    os.close(w)

    def write_all(data: bytes) -> None:
        while data:
            try:
                data = data[os.write(real, data):]
            except InterruptedError:
                continue
            except OSError:
                return

    def pump() -> None:
        buf = b""
        while True:
            if buf:  # a partial line: pass it on if nothing completes it soon (a prompt, a progress bar)
                ready, _, _ = select.select([r], [], [], 0.2)
                if not ready:
                    write_all(buf)
                    buf = b""
                    continue
            try:
                chunk = os.read(r, 65536)
            except InterruptedError:
                continue
            except OSError:
                break
            if not chunk:
                break
            *lines, buf = (buf + chunk).split(b"\n")
            out = b"".join(line + b"\n" for line in lines if not NATIVE_NOISE.match(line))
            if out:
                write_all(out)
        if buf and not NATIVE_NOISE.match(buf):
            write_all(buf)
        os.close(r)

    th = threading.Thread(target=pump, name="batchproc-stderr-filter", daemon=True)
    th.start()
    _stderr_filter = {"real": real, "thread": th}
    try:
        import faulthandler

        if faulthandler.is_enabled():  # a crash report must not wait on the filter thread
            faulthandler.enable(file=real)
    except (ImportError, OSError, ValueError):
        pass
    atexit.register(_restore_stderr)
    return True


def _restore_stderr() -> None:
    """At exit: give fd 2 back and let the filter thread pass on what it still holds."""
    global _stderr_filter
    state, _stderr_filter = _stderr_filter, None
    if state is None:
        return
    try:
        sys.stderr.flush()
    except (OSError, ValueError, AttributeError):
        pass
    os.dup2(state["real"], 2)  # closes the pipe's last write end: the thread sees EOF
    state["thread"].join(timeout=2.0)


def child_main(fd: int) -> None:
    _die_with_parent()
    quiet_native_logs()  # before anything imports MediaPipe; the rest still reaches workers.log
    conn = Connection(fd)
    # The driver's import path first, so functions defined in its scripts and test modules unpickle here.
    driver_path = conn.recv()
    sys.path[:] = driver_path + [p for p in sys.path if p not in driver_path]
    try:
        job: JobSpec = cloudpickle.loads(conn.recv_bytes())
    except Exception as e:  # noqa: BLE001 - reported to the driver as a configuration error
        conn.send(("init_error", f"the process function cannot be loaded in a worker process: {type(e).__name__}: {e}"))
        return
    _cap_threads(job.threads)
    setup_error = None
    if job.setup is not None:
        try:
            job.setup()
        except Exception as e:  # noqa: BLE001 - reported on every task this sandbox receives
            setup_error = f"setup hook failed: {type(e).__name__}: {e}"
    conn.send(("ready", os.getpid(), setup_error))
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        if msg[0] == "stop":
            return
        outcome = run_task(job, msg[1], setup_error)
        try:
            conn.send(outcome)
        except (BrokenPipeError, OSError):
            return


def _cap_threads(threads: int) -> None:
    try:
        import cv2

        cv2.setNumThreads(max(1, threads))
    except ImportError:
        pass


def thread_env(threads: int) -> dict[str, str]:
    """Environment that caps native thread pools (BLAS, OpenMP, TFLite/XNNPACK) per sandbox."""
    env = dict(os.environ)
    n = str(max(1, threads))
    for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS"):
        env[k] = n
    env["BATCHPROC_THREADS"] = n  # the budget, for libraries configured in code (MediaPipe, TFLite)
    for k, v in NATIVE_ENV.items():  # the child also filters what ignores these (quiet_native_logs)
        env.setdefault(k, v)
    return env


class Sandbox:
    """The driver-side handle of one sandbox child."""

    def __init__(self, job_bytes: bytes, threads: int = 1, timeout_s: float | None = None,
                 max_memory_mb: float | None = None, recycle_every: int = 1000, log_path: str | None = None):
        self.job_bytes = job_bytes
        self.threads = threads
        self.timeout_s = timeout_s
        self.max_memory_mb = max_memory_mb
        self.recycle_every = max(1, recycle_every)
        self.proc: subprocess.Popen | None = None
        self.conn: Connection | None = None
        self.served = 0
        self.setup_error: str | None = None
        # Native decoders print to stderr; their noise goes to a log file, not the operator's terminal.
        self.log_path = log_path

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> None:
        parent, child = socket.socketpair()
        log = open(self.log_path, "ab") if self.log_path else None
        try:
            out = log.fileno() if log else sys.stderr.fileno()
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "batchproc._sandbox_main", str(child.fileno())],
                pass_fds=(child.fileno(),), stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                env=thread_env(self.threads), close_fds=True,
            )
        finally:
            child.close()
            if log:
                log.close()
        self.conn = Connection(os.dup(parent.fileno()))
        parent.close()
        self.served = 0
        try:
            self.conn.send(list(sys.path))
            self.conn.send_bytes(self.job_bytes)
            if not self._wait_readable(START_TIMEOUT_S):
                raise SandboxStartError("the worker process did not start within "
                                        f"{START_TIMEOUT_S:.0f} s ({_signal_name(self.proc.poll())})")
            reply = self.conn.recv()
            if reply[0] == "init_error":
                self.kill()
                raise SandboxInitError(reply[1])
            _, _pid, self.setup_error = reply
        except (EOFError, OSError) as e:
            rc = self.proc.wait(timeout=5) if self.proc else None
            self.kill()
            raise SandboxStartError(f"the worker process died while starting ({_signal_name(rc)}): {e}") from None

    def _wait_readable(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.conn.poll(POLL_S):
                return True
            if self.proc.poll() is not None:
                return self.conn.poll(0)
        return False

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        if self.proc is not None:
            try:
                self.proc.kill()
            except OSError:
                pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        if self.conn is not None:
            self.conn.close()
        self.proc, self.conn = None, None

    def close(self) -> None:
        if self.alive() and self.conn is not None:
            try:
                self.conn.send(("stop",))
                self.proc.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                pass
        self.kill()

    def rss_mb(self) -> float:
        try:
            with open(f"/proc/{self.proc.pid}/statm") as f:
                return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
        except (OSError, AttributeError, ValueError, IndexError):
            return 0.0

    # -- one task ----------------------------------------------------------------------------
    def run(self, task: Task, cancelled: Any = None) -> Outcome | None:
        """Run one task. Returns None only if ``cancelled`` (an Event) was set while waiting."""
        if not self.alive():
            self.kill()
            try:
                self.start()
            except SandboxInitError:
                raise
            except SandboxStartError as e:
                return Outcome.failure(task, WORKER_CRASHED, str(e))
        t0 = time.monotonic()
        try:
            self.conn.send(("task", task))
        except OSError:
            rc = self.proc.poll()
            self.kill()
            return Outcome.failure(task, WORKER_CRASHED, f"the worker process died ({_signal_name(rc)})")
        deadline = t0 + self.timeout_s if self.timeout_s else None
        peak = 0.0
        while True:
            try:
                ready = self.conn.poll(POLL_S)
            except OSError:
                ready = True
            if ready:
                try:
                    outcome: Outcome = self.conn.recv()
                except (EOFError, OSError):
                    rc = self.proc.wait(timeout=10) if self.proc else None
                    self.kill()
                    return Outcome.failure(task, WORKER_CRASHED, f"the worker process died while processing this video "
                                           f"({_signal_name(rc)})", elapsed_s=time.monotonic() - t0)
                self.served += 1
                if self.served >= self.recycle_every or (self.max_memory_mb and self.rss_mb() > self.max_memory_mb):
                    self.close()  # a fresh process releases fragmented or leaked memory
                return outcome
            now = time.monotonic()
            if self.proc.poll() is not None and not self.conn.poll(0):
                rc = self.proc.returncode
                self.kill()
                return Outcome.failure(task, WORKER_CRASHED, f"the worker process died while processing this video "
                                       f"({_signal_name(rc)})", elapsed_s=now - t0)
            if cancelled is not None and cancelled.is_set():
                self.kill()
                return None
            if deadline is not None and now > deadline:
                self.kill()
                return Outcome.failure(task, TIMEOUT, f"timed out after {self.timeout_s:g} s; the worker was killed",
                                       elapsed_s=now - t0)
            if self.max_memory_mb:
                rss = self.rss_mb()
                peak = max(peak, rss)
                if rss > self.max_memory_mb:
                    self.kill()
                    return Outcome.failure(task, MEMORY_LIMIT, f"worker memory reached {rss:.0f} MB, over the "
                                           f"{self.max_memory_mb:g} MB limit; the worker was killed",
                                           elapsed_s=now - t0, peak_rss_mb=rss)

