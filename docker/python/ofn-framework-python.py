"""ofn-local's launcher for Python functions: what an instance of a Python function runs.

It starts the functions framework the function's builder installed, the way OpenFunction's Python
builder launches it, with the settings of the build as arguments:

    python ofn-framework-python.py --framework google|openfunction --target NAME --source FILE
                                   [--signature-type http|event|cloudevent]

- google: Google's functions-framework (`functions-framework --target ... --source ...
  --signature-type ... --host ... --port $PORT`), sync functions.
- openfunction: OpenFunction's ofn-functions-framework (async functions): it reads FUNC_CONTEXT and
  serves Dapr's AppCallback over gRPC on FUNC_CONTEXT's port.

In ofn-local's dev mode (OFN_LOCAL_RELOAD=1) it supervises the framework instead of becoming it:
SIGHUP checks the code now in the working folder (every .py file compiles; the source module loads
and defines the target) and, when it is good, restarts the interpreter in place (the instance and its
Dapr sidecar live on). The daemon reads the outcome from one stdout line:

    ofn-framework: reloaded in <ms> ms
    ofn-framework: reload failed: <file>:<line>: <error>

A failed check leaves the running interpreter as it was. Standard library only.
"""

import argparse
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback

PARENT_PID_ENV = "OFN_LOCAL_PARENT_PID"
START_TIMEOUT_ENV = "OFN_LOCAL_START_TIMEOUT_MS"
STOP_GRACE_S = 1.0
SKIP_DIRS = {"__pycache__", ".git", ".ofn-local", "node_modules", ".venv", "venv"}


def parse_args(argv):
    p = argparse.ArgumentParser(prog="ofn-framework-python")
    p.add_argument("--framework", choices=["google", "openfunction"], required=True)
    p.add_argument("--target", required=True)
    p.add_argument("--source", default="main.py")
    p.add_argument("--signature-type", default="")
    p.add_argument("--serve", action="store_true", help="run the framework in this process")
    p.add_argument("--check", action="store_true", help="load the source and look up the target, then exit")
    return p.parse_args(argv)


def say(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def func_context():
    try:
        return json.loads(os.environ.get("FUNC_CONTEXT") or "{}")
    except ValueError:
        return {}


def serving_port(args):
    """The port the framework listens on, as each framework reads it."""
    if args.framework == "openfunction":
        try:
            port = int(func_context().get("port") or 0)
        except (TypeError, ValueError):
            port = 0
        return port or 50051
    try:
        return int(os.environ.get("PORT") or 8080)
    except ValueError:
        return 8080


def openfunction_context():
    """
    FUNC_CONTEXT as ofn-functions-framework 0.2 reads it: its `triggers.dapr` and `outputs` keys are
    those of the v1beta2 context (FUNC_CONTEXT_V1BETA2), its `port` that of FUNC_CONTEXT. When
    FUNC_CONTEXT already has triggers it is used as it is.
    """
    ctx = func_context()
    if "triggers" in ctx:
        return None
    try:
        v2 = json.loads(os.environ.get("FUNC_CONTEXT_V1BETA2") or "{}")
    except ValueError:
        return None
    if "triggers" not in v2:
        return None
    merged = dict(v2)
    for key in ("port", "runtime"):
        if key in ctx:
            merged[key] = ctx[key]
    return json.dumps(merged)


def watch_parent():
    """Exit when the process that started the instance is gone (a daemon that crashed)."""
    raw = os.environ.get(PARENT_PID_ENV)
    if not raw:
        return
    try:
        parent = int(raw)
    except ValueError:
        return

    def loop():
        while True:
            time.sleep(1.0)
            try:
                os.kill(parent, 0)
            except ProcessLookupError:
                os._exit(0)
            except PermissionError:
                pass

    threading.Thread(target=loop, daemon=True).start()


def serve(args):
    """Becomes the framework: `python -m functions_framework` with the build's settings."""
    watch_parent()
    if args.framework == "openfunction":
        ctx = openfunction_context()
        if ctx is not None:
            os.environ["FUNC_CONTEXT"] = ctx
    argv = ["functions-framework", "--target", args.target, "--source", args.source]
    if args.framework == "google":
        if args.signature_type:
            argv += ["--signature-type", args.signature_type]
        argv += ["--host", os.environ.get("OFN_LOCAL_LISTEN_HOST") or "0.0.0.0", "--port", str(serving_port(args))]
    sys.argv = argv
    import runpy

    runpy.run_module("functions_framework", run_name="__main__", alter_sys=True)


def location(tb_text, root):
    """The last `File "...", line N` of a traceback that lies in the function's folder."""
    found = None
    for line in tb_text.splitlines():
        line = line.strip()
        if not line.startswith('File "'):
            continue
        try:
            path = line[len('File "'):line.index('"', len('File "'))]
            lineno = int(line.split(", line ", 1)[1].split(",", 1)[0])
        except (ValueError, IndexError):
            continue
        real = os.path.realpath(path)
        if real.startswith(root + os.sep):
            found = (real, lineno)
    return found


def check(args):
    """Loads the source module as the frameworks do and looks the target up: exit 0 when both work."""
    source = os.path.realpath(args.source)
    if not os.path.exists(source):
        say("{}: the function's source file does not exist (GOOGLE_FUNCTION_SOURCE / FUNC_SRC)".format(source))
        return 2
    directory, filename = os.path.split(source)
    name = os.path.splitext(filename)[0]
    sys.path.insert(0, directory)
    try:
        spec = importlib.util.spec_from_file_location(name, source, submodule_search_locations=[directory])
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    except SyntaxError as err:
        say("{}:{}: SyntaxError: {}".format(err.filename or source, err.lineno or 0, err.msg))
        return 1
    except BaseException as err:  # noqa: B902 - anything the module raises at import
        where = location(traceback.format_exc(), os.path.realpath(os.getcwd())) or (source, 0)
        say("{}:{}: {}: {}".format(where[0], where[1], type(err).__name__, err))
        return 1
    if not callable(getattr(module, args.target, None)):
        say("{}:1: no function named {} (spec.build.env GOOGLE_FUNCTION_TARGET / FUNC_NAME)".format(source, args.target))
        return 1
    return 0


def compile_all(root):
    """Every .py file under the working folder compiles: the first SyntaxError as `file:line: message`."""
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not d.startswith(".")]
        for f in sorted(files):
            if not f.endswith(".py"):
                continue
            path = os.path.join(folder, f)
            try:
                with open(path, "rb") as handle:
                    compile(handle.read(), path, "exec", dont_inherit=True)
            except SyntaxError as err:
                return "{}:{}: SyntaxError: {}".format(path, err.lineno or 0, err.msg)
            except (OSError, ValueError):
                continue  # removed meanwhile, or not text: the load check decides
    return None


def accepts(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def die_with_parent():
    """In the child: SIGKILL when the supervisor dies (Linux), so no framework outlives its instance."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:  # noqa: BLE001 - not Linux: the parent watch still ends it
        pass


class Supervisor:
    def __init__(self, args, argv):
        self.args = args
        self.argv = argv
        self.child = None
        self.reload = threading.Event()
        self.stopping = False
        self.timeout = max(1.0, int(os.environ.get(START_TIMEOUT_ENV) or 20000) / 1000.0)

    def start(self):
        env = dict(os.environ, PYTHONUNBUFFERED="1", PYTHONDONTWRITEBYTECODE="1")
        env.pop("OFN_LOCAL_RELOAD", None)
        self.child = subprocess.Popen(
            [sys.executable, os.path.realpath(__file__), "--serve"] + self.argv,
            env=env,
            start_new_session=True,
            preexec_fn=die_with_parent,
        )

    def stop(self, quick=False):
        """
        Ends the framework and everything in its process group (a gunicorn worker too). `quick`
        (a reload: the gateway let in-flight requests finish first) kills at once; otherwise SIGINT,
        a quick stop for every server the frameworks use, and SIGKILL after STOP_GRACE_S, well within
        the runtime's own grace for this launcher.
        """
        child = self.child
        if child is None:
            return
        if not quick and child.poll() is None:
            try:
                os.killpg(child.pid, signal.SIGINT)
                child.wait(timeout=STOP_GRACE_S)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
        try:
            os.killpg(child.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            child.wait(timeout=5.0)
        except subprocess.TimeoutExpired:
            pass

    def do_reload(self):
        started = time.monotonic()
        problem = compile_all(os.getcwd())
        if problem is None:
            try:
                out = subprocess.run(
                    [sys.executable, os.path.realpath(__file__), "--check"] + self.argv,
                    capture_output=True,
                    text=True,
                    timeout=self.timeout,
                    env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"),
                )
                if out.returncode != 0:
                    lines = [l for l in (out.stdout + out.stderr).splitlines() if l.strip()]
                    problem = lines[-1] if lines else "the source did not load (exit {})".format(out.returncode)
            except subprocess.TimeoutExpired:
                problem = "{}:0: loading the source took more than {:.0f} s".format(self.args.source, self.timeout)
        if problem is not None:
            say("ofn-framework: reload failed: " + problem)
            return
        self.stop(quick=True)
        self.start()
        port = serving_port(self.args)
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.child.poll() is not None:
                say("ofn-framework: reload failed: the new code exited with {} before it listened".format(self.child.returncode))
                sys.exit(1)
            if accepts(port):
                say("ofn-framework: reloaded in {} ms".format(int((time.monotonic() - started) * 1000)))
                return
            time.sleep(0.02)
        say("ofn-framework: reload failed: the new code did not listen on port {} within {:.0f} s".format(port, self.timeout))
        sys.exit(1)

    def run(self):
        watch_parent()

        def on_stop(signum, _frame):
            self.stopping = True
            self.reload.set()

        signal.signal(signal.SIGTERM, on_stop)
        signal.signal(signal.SIGINT, on_stop)
        signal.signal(signal.SIGHUP, lambda *_: self.reload.set())
        self.start()
        try:
            while True:
                self.reload.wait(0.25)
                if self.stopping:
                    break
                if self.reload.is_set():
                    self.reload.clear()
                    self.do_reload()
                    continue
                code = self.child.poll()
                if code is not None:
                    return code
        finally:
            self.stop()
        return 0


def main():
    # Logs reach the instance's log as they are written; no bytecode is cached beside the code, whose
    # files hot reload replaces (a same-size edit within a second would otherwise load a stale .pyc).
    sys.dont_write_bytecode = True
    try:
        sys.stdout.reconfigure(line_buffering=True)
    except AttributeError:
        pass
    args = parse_args(sys.argv[1:])
    if args.check:
        sys.exit(check(args))
    if args.serve or os.environ.get("OFN_LOCAL_RELOAD") != "1":
        serve(args)
        return
    argv = [a for a in sys.argv[1:] if a != "--serve"]
    sys.exit(Supervisor(args, argv).run())


if __name__ == "__main__":
    main()
