"""Boot tests of the deduplication side channel and its two mitigations. Merge domains:
/proc/PID/ksm_domain (inherited by fork, kept by execve, 0-65535, changing it unmerges),
run --domain, the merge_across_domains knob (busy while KSM pages exist), the per-domain
counts of `ksm`. Same behaviour: user/ksm-same's checks of guarded pages, copy on access,
random KSM frames and idle candidates, with every page given back. And user/dedup-probe's
accuracy: at least 95 % for writes with no mitigation; at most 55 % with the attacker in
another domain and merge_across_domains 0; at most 55 % for writes and for reads with
same_behaviour 1 and everything in one domain. 2,000 probes: chance alone stays under 55 %
on the 1,000 held-out ones with odds of about a thousand to one (the one deliberate timing
bound of the suite); with same_behaviour, two rounds of 8,000 (8,000 held out), where a
leak of a few points would show. Each run also reports how many probes were merged when
timed, and the tests check that the right guesses did merge where a mitigation must hide
it."""
import re

from registry import check, check_program_passed, meminfo_kb, start_background, start_spin, test, wait_exit
from test_ksm import ksm, ksm_set, wait_until
from test_process import run


def probe_accuracy(m, args, merged):
    """dedup-probe's accuracy, in %, and its output; merged(n) must hold for the number of
    probes merged when they were timed."""
    out, _, how = run(m, f"dedup-probe {args}", timeout=600)
    r = re.search(r"^probe_accuracy_pct=([\d.]+)$", out, re.M)
    n = re.search(r"^probe_merged=(\d+)$", out, re.M)
    check(how == ("exited", 0) and r and n, f"dedup-probe {args}:\n{out}")
    check(merged(int(n.group(1))), f"dedup-probe {args}: {n.group(1)} probes merged:\n{out}")
    return float(r.group(1)), out


def probe_machine(b, **knobs):
    """A machine whose ksmd scans flat out (the probe waits ten full scans), with knobs."""
    m = b.machine(mem="256M").start()
    m.wait_prompt()
    for knob, value in (("pages_to_scan", 10000), ("sleep_millisecs", 0), *knobs.items(), ("run", 1)):
        ksm_set(m, knob, value)
    return m


def right_guesses_merged(n):
    return n >= 950  # of the 1,000 right guesses


@test
def merge_domains_keep_pages_apart(b):
    m = b.machine(mem="256M").start()
    m.wait_prompt()
    check(m.command("cat /proc/self/ksm_domain").strip() == "0", "the shell's domain is not 0")
    spin = start_spin(m, domain=9)
    check(re.search(rf"^\s*{spin}\s+\d+\s+[RS]\s+\d+\s+9\s+1\s+", m.command("ps"), re.M), "ps does not show domain 9")
    m.command(f"kill {spin}")
    wait_exit(m, spin)
    out, _, how = run(m, "--domain 5 sh -c 'cat /proc/self/ksm_domain; cat /proc/self/ksm_stat'")
    check(how == ("exited", 0) and re.match(r"\s*5\n", out) and re.search(r"^ksm_domain 5$", out, re.M),
          f"a program run in domain 5 (its sh forks, cat execs):\n{out}")
    for bad in ("65536", "-1", "x"):
        check("Invalid argument" in m.command(f"echo {bad} > /proc/self/ksm_domain"), f"domain {bad} accepted")
    check("usage" in m.command("run --domain 70000 hello").lower(), "run --domain 70000 accepted")

    # A process with merged pages that changes domain unmerges them first.
    for knob, value in (("sleep_millisecs", 5), ("smart_scan", 0), ("run", 1)):
        ksm_set(m, knob, value)
    pid = start_background(m, "ksm-states 60")
    m.expect(r"ksm-states: \d+ checks, 0 failed\n", timeout=120)
    check(ksm_set(m, "merge_across_domains", 0).endswith("Device or resource busy"),
          "merge_across_domains changed while KSM pages exist")
    check(re.search(r"^  domain 0: pages_shared 1, pages_sharing 2$", m.command("ksm"), re.M), "ksm's domain 0 line")
    ksm_set(m, "run", 0)  # ksmd still: what the move undid stays undone for a look
    check(m.command(f"echo 7 > /proc/{pid}/ksm_domain") == "", "the shell could not move its child")
    stat = m.command(f"cat /proc/{pid}/ksm_stat")
    check(re.search(r"^ksm_merging_pages 0$", stat, re.M) and re.search(r"^ksm_domain 7$", stat, re.M),
          f"after the move to domain 7:\n{stat}")
    # With merge_across_domains 1 its three pages merge again, across domains as before.
    ksm_set(m, "run", 1)
    wait_until(m, "merge again", lambda c: c["pages_shared"] == 1 and c["pages_sharing"] == 2)
    m.command(f"kill {pid}")
    wait_exit(m, pid)
    wait_until(m, "exit", lambda c: c["pages_shared"] == 0)
    check(ksm_set(m, "merge_across_domains", 0) == "" and ksm(m, "merge_across_domains") == 0,
          "merge_across_domains not settable once no KSM page exists")

    # Two processes with the same pages: apart in two domains, merged in one.
    for domain, merged in ((1, False), (0, True)):
        other = start_background(m, f"--domain {domain} ksm-states 60")
        mine = start_background(m, "ksm-states 60")
        c = wait_until(m, "both merged", lambda c: c["pages_shared"] >= 1 and c["pages_shared"] + c["pages_sharing"] >= 6)
        summary = m.command("ksm")
        if merged:
            check(c["pages_shared"] == 1 and c["pages_sharing"] == 5, f"one domain: {c}")
        else:
            check(c["pages_shared"] == 2 and c["pages_sharing"] == 4 and
                  re.search(r"^  domain 1: pages_shared 1, pages_sharing 2$", summary, re.M), f"two domains:\n{summary}")
        for pid in (other, mine):
            m.command(f"kill {pid}")
            wait_exit(m, pid)
        wait_until(m, "exit", lambda c: c["pages_shared"] == 0)
    m.poweroff()


@test
def dedup_probe_leaks_without_mitigation_and_not_across_domains(b):
    m = probe_machine(b)
    acc, out = probe_accuracy(m, "-p 2000", right_guesses_merged)
    check(acc >= 95, f"the write channel is not there without mitigation ({acc}%):\n{out}")
    check(ksm_set(m, "merge_across_domains", 0) == "", "merge_across_domains 0 refused")
    acc, out = probe_accuracy(m, "-p 2000 -d 1", lambda n: n == 0)
    check(acc <= 55, f"the attacker in another domain still tells right guesses from wrong ({acc}%):\n{out}")
    m.poweroff()


@test
def dedup_probe_same_behaviour_hides_merges_from_writes_and_reads(b):
    m = probe_machine(b, same_behaviour=1)
    for mode in ("write", "read"):
        acc, out = probe_accuracy(m, f"-p 8000 -r 2 -m {mode}", lambda n: n >= 7600)
        check(acc <= 55, f"same_behaviour: {mode}s still tell right guesses from wrong ({acc}%):\n{out}")
    # A victim holding each secret five times: a right guess joins a KSM page of five
    # mappings (two reverse-map blocks), and must still cost what a wrong one does.
    acc, out = probe_accuracy(m, "-p 8000 -r 2 -m write -c 5", lambda n: n >= 7600)
    check(acc <= 55, f"same_behaviour: writes tell a page shared five times from none ({acc}%):\n{out}")
    m.poweroff()


@test
def same_behaviour_guards_idle_candidates_merged_or_not(b):
    m = b.machine(mem="256M").start()
    m.wait_prompt()
    check("Invalid argument" in ksm_set(m, "same_behaviour", 2), "same_behaviour 2 accepted")
    for knob, value in (("same_behaviour", 1), ("run", 1)):
        ksm_set(m, knob, value)
    check(re.search(r"same_behaviour 1$", m.command("ksm"), re.M), "`ksm` does not show same_behaviour 1")
    frees = []
    for _ in range(2):  # the first run warms the caches up; the second must give back every page
        out, _, how = run(m, "ksm-same", timeout=300)
        check_program_passed("ksm-same", out, how)
        wait_until(m, "the KSM pages dropped", lambda c: c["pages_shared"] == 0 and c["pages_sharing"] == 0)
        frees.append(meminfo_kb(m)["MemFree"])
    check(frees[1] == frees[0], f"ksm-same did not give back its memory: MemFree {frees}")
    vmstat = m.command("cat /proc/vmstat")
    check(re.search(r"^ksm_copy_on_access (\d+)$", vmstat, re.M).group(1) == str(2 * 160),
          f"ksm_copy_on_access is not 160 per run:\n{vmstat}")
    m.poweroff()
