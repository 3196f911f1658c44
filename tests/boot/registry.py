"""The test registry and the helpers every boot-test module uses."""
import re

from machine import TestFailure

TESTS = []
STRESS = []


def test(fn):
    """Register a boot test: a function taking the Bench (which starts machines)."""
    TESTS.append(fn)
    return fn


def stress(fn):
    """Register a long test that only `make stress` runs."""
    STRESS.append(fn)
    return fn


class Skip(Exception):
    """Raised by a test that cannot run here (what it needs is absent): reported, not failed."""


def check(cond, what):
    if not cond:
        raise TestFailure(what)


def counted(pattern, text, flags=re.M):
    """Whether regex `pattern` matches in text and every count it captures is above 0, at
    each match: a summary such as `N checks, 0 failed` passes only if something was
    checked. The groups of pattern are the counts."""
    found = list(re.finditer(pattern, text, flags))
    return bool(found) and all(int(n) > 0 for m in found for n in m.groups())


def check_program_passed(name, out, how):
    """A self-testing program's run (user/selfcheck.h) ended with status 0 and its summary
    `name: N checks, 0 failed`, N > 0."""
    check(how == ("exited", 0) and counted(rf"^{name}: (\d+) checks, 0 failed$", out), f"{name}:\n{out}")


def start_background(m, line):
    """`run LINE &` at the shell: the pid of the program it started in the background."""
    out = m.command(f"run {line} &")
    r = re.search(r"\[pid (\d+) started in the background\]", out)
    check(r, f"no pid for `run {line} &`:\n{out}")
    return int(r.group(1))


def start_spin(m, domain=None, timeout=None):
    """A background `spin` (in KSM merge domain `domain` if given), once it has said
    "spin: running": its pid. From another CPU that line may come before the shell's prompt
    or after it, so it is looked for in the command's output first, then waited for: it
    never lands inside the next command's output."""
    line = f"run {'' if domain is None else f'--domain {domain} '}spin &"
    out = m.command(line)
    r = re.search(r"\[pid (\d+) started in the background\]", out)
    check(r, f"no pid for `{line}`:\n{out}")
    if "spin: running" not in out:
        m.expect(r"spin: running", timeout)
    return int(r.group(1))


def meminfo_kb(m):
    """The shell's meminfo as a dict of kB values."""
    out = m.command("meminfo")
    fields = dict(re.findall(r"^(\w+):\s+(\d+) kB$", out, re.M))
    for name in ("MemTotal", "MemFree", "MemAvailable"):
        check(name in fields, f"meminfo has no {name} line:\n{out}")
    return {k: int(v) for k, v in fields.items()}


def wait_exit(m, pid, tries=600):
    """Wait for the shell's report of background pid's end (made before a prompt, so an
    empty command is typed until it comes); return how it ended. The report may have come
    already, inside an earlier command's output, so the log is searched from the pid's
    last start report on (pids wrap after 32767)."""
    rx = re.compile(rf"\[pid {pid} (exited, status=(\d+)|killed by (\w+))\]")
    started = m.log.rfind(f"[pid {pid} started")
    for _ in range(tries):
        m.command("echo")
        end = rx.search(m.log, max(started, 0))
        if end:
            return ("exited", int(end.group(2))) if end.group(2) is not None else ("killed", end.group(3))
        m.quiet_for(0.1)
    check(False, f"pid {pid} did not end")
