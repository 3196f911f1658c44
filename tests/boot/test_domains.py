"""Boot tests of KSM merge domains and of the deduplication side channel they close:
/proc/PID/ksm_domain (inherited by fork, kept by execve, 0-65535, changing it unmerges),
run --domain, the merge_across_domains knob (busy while KSM pages exist), the per-domain
counts of `ksm`; and user/dedup-probe's accuracy: at least 95 % with no mitigation, at
most 55 % with the attacker in another domain and merge_across_domains 0 (2,000 probes:
chance alone stays under 55 % on the 1,000 held-out ones with odds of about a thousand to
one; the one deliberate timing bound of the suite)."""
import re

from registry import check, start_background, start_spin, test, wait_exit
from test_ksm import ksm, ksm_set, wait_until
from test_process import run


def probe_accuracy(m, args):
    out, _, how = run(m, f"dedup-probe {args}", timeout=600)
    r = re.search(r"^probe_accuracy_pct=([\d.]+)$", out, re.M)
    check(how == ("exited", 0) and r, f"dedup-probe {args}:\n{out}")
    return float(r.group(1)), out


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
    m = b.machine(mem="256M").start()
    m.wait_prompt()
    for knob, value in (("pages_to_scan", 10000), ("sleep_millisecs", 0), ("run", 1)):
        ksm_set(m, knob, value)
    acc, out = probe_accuracy(m, "-p 2000")
    check(acc >= 95, f"the write channel is not there without mitigation ({acc}%):\n{out}")
    check(ksm_set(m, "merge_across_domains", 0) == "", "merge_across_domains 0 refused")
    acc, out = probe_accuracy(m, "-p 2000 -d 1")
    check(acc <= 55, f"the attacker in another domain still tells right guesses from wrong ({acc}%):\n{out}")
    m.poweroff()
