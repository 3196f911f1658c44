#!/usr/bin/env python3
"""The layering rules of docs/architecture.md ("Layers"), checked on the source tree.

Rule 1, private headers: a header named *_internal.h, or listed in PRIVATE, belongs to its
folder; only files in that folder (or below it) include it, and the host unit tests in
tests/unit, which compile a subsystem's pure code whole.

Rule 2, no machine details above arch-x86_64/: in kernel/, mm/, fs/, drivers/ and shell/
no inline assembly, no x86 page-table entry bits (PTE_*), no control-register access
(read_crN/write_crN) and no register fields of a trap frame (tf->rip, ...): those go
through the functions of arch-x86_64/.

Comments and string literals do not count. Each violation is printed as file:line, then
the closing "N passed, N failed" line (tests/summary.py); the exit status is 1 if any rule
is broken. First the check checks itself on the fixture tree tests/fixtures/layers, whose
violations are known, so that a check that cannot fail does not pass.

usage: check_layers.py [ROOT]      (default: the tree this file is in)
"""
import os
import re
import sys

# Headers private to a folder though not named *_internal.h: path -> folder.
PRIVATE = {
    "mm/selftest/selftest_as.h": "mm/selftest",
    "shell/shell_cmds.h": "shell",
    "kernel/syscall_list.h": "kernel",
}
# Files in these folders may include any private header.
PRIVATE_OK_IN = ("tests/unit",)
# Folders above the architecture (rule 2).
ABOVE_ARCH = ("kernel", "mm", "fs", "drivers", "shell")
# Never scanned: build output, and the fixtures (they break the rules on purpose).
SKIP_DIRS = ("build", "tests/fixtures", ".git")

SOURCE_EXT = (".c", ".h")
INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')
INCLUDE_CODE = re.compile(r'^\s*#\s*include\s*"')
ARCH_RULES = [
    ("inline assembly", re.compile(r"\b(?:asm|__asm__|__asm)\b\s*(?:volatile\b|__volatile__\b|goto\b|\s)*\(")),
    ("x86 PTE bit", re.compile(r"\bPTE_[A-Z0-9_]+\b")),
    ("control register", re.compile(r"\b(?:read|write)_cr[0-9]\b")),
]
TF_FIELDS = r"(?:rip|rsp|rflags|rax|rbx|rcx|rdx|rsi|rdi|rbp|r8|r9|r1[0-5]|cs|ss|error|vector)"
# Names declared as a trap-frame pointer in the file: `struct trap_frame *tf`, `const
# struct trap_frame *frame` (parameters and locals alike).
TF_DECL = re.compile(r"\bstruct\s+trap_frame\s*\*\s*(?:const\s+)?([A-Za-z_]\w*)")
# A trap frame reached without a name: task_user_frame(t)->rip.
TF_CALL = re.compile(r"\btask_user_frame\s*\([^()]*\)\s*->\s*" + TF_FIELDS + r"\b")


def strip_comments_and_strings(text):
    """text with comments and the insides of string and character literals blanked out
    (newlines kept, so line numbers stay)."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
            out.append(c + re.sub(r"[^\n]", " ", text[i + 1:j - 1]) + text[j - 1:j])
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def source_files(root):
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = os.path.relpath(dirpath, root).replace(os.sep, "/")
        rel_dir = "" if rel_dir == "." else rel_dir
        dirnames[:] = sorted(d for d in dirnames
                             if not any((rel_dir + "/" + d).lstrip("/") == s or
                                        (rel_dir + "/" + d).lstrip("/").startswith(s + "-")
                                        for s in SKIP_DIRS))
        for f in sorted(filenames):
            if f.endswith(SOURCE_EXT):
                yield (rel_dir + "/" + f).lstrip("/")


def under(path, folder):
    return path.startswith(folder + "/")


def private_folder(header):
    """The folder a header is private to, or None for a public one."""
    if header in PRIVATE:
        return PRIVATE[header]
    if os.path.basename(header).endswith("_internal.h"):
        return os.path.dirname(header)
    return None


def check_private_headers(root, path, lines, code_lines):
    """Rule 1 for one file (its lines, and the same without comments and strings):
    [(line number, message)]."""
    found = []
    if any(under(path, d) for d in PRIVATE_OK_IN):
        return found
    for no, (line, code) in enumerate(zip(lines, code_lines), 1):
        m = INCLUDE.match(line)
        if not m or not INCLUDE_CODE.match(code):  # not one in a comment
            continue
        inc = m.group(1)
        # Names are from the include root; one that is not, next to the includer.
        beside = os.path.normpath(os.path.join(os.path.dirname(path), inc)).replace(os.sep, "/")
        if not os.path.exists(os.path.join(root, inc)) and os.path.exists(os.path.join(root, beside)):
            inc = beside
        folder = private_folder(inc)
        if folder is not None and not under(path, folder):
            found.append((no, f"includes {inc}, private to {folder}/"))
    return found


def check_arch_details(path, code_lines):
    """Rule 2 for one file (its lines without comments and strings): [(line, message)]."""
    found = []
    if not any(under(path, d) for d in ABOVE_ARCH):
        return found
    tf_names = set(TF_DECL.findall("\n".join(code_lines)))
    tf_access = (re.compile(r"\b(?:" + "|".join(map(re.escape, sorted(tf_names))) + r")\s*->\s*" +
                            TF_FIELDS + r"\b") if tf_names else None)
    for no, line in enumerate(code_lines, 1):
        for what, rx in ARCH_RULES:
            for m in rx.finditer(line):
                found.append((no, f"{what}: {m.group(0).strip()}"))
        for rx in (tf_access, TF_CALL):
            if rx:
                for m in rx.finditer(line):
                    found.append((no, f"trap frame register: {m.group(0)}"))
    return found


def check_tree(root):
    """Every violation under root: [(rule, "path:line: message")]."""
    violations = []
    for path in source_files(root):
        with open(os.path.join(root, path), encoding="utf-8", errors="replace") as f:
            text = f.read()
        code = strip_comments_and_strings(text).split("\n")
        for no, msg in check_private_headers(root, path, text.split("\n"), code):
            violations.append((1, f"{path}:{no}: {msg}"))
        for no, msg in check_arch_details(path, code):
            violations.append((2, f"{path}:{no}: {msg}"))
    return violations


# The fixture tree's violations, exactly (tests/fixtures/layers/README).
FIXTURE_EXPECTED = {
    (1, "shell/uses_private.c:3: includes mm/thing_internal.h, private to mm/"),
    (1, "kernel/uses_private.c:2: includes shell/shell_cmds.h, private to shell/"),
    (1, "fs/bare_include.c:2: includes mm/thing_internal.h, private to mm/"),
    (2, "kernel/arch_details.c:6: inline assembly: asm volatile("),
    (2, "kernel/arch_details.c:7: inline assembly: __asm__("),
    (2, "kernel/arch_details.c:8: x86 PTE bit: PTE_PRESENT"),
    (2, "kernel/arch_details.c:8: x86 PTE bit: PTE_W"),
    (2, "kernel/arch_details.c:9: control register: read_cr3"),
    (2, "kernel/arch_details.c:10: control register: write_cr3"),
    (2, "mm/trap_user.c:6: trap frame register: tf->rip"),
    (2, "mm/trap_user.c:7: trap frame register: frame->error"),
    (2, "mm/trap_user.c:8: trap frame register: frame -> vector"),
    (2, "mm/trap_user.c:9: trap frame register: task_user_frame(t)->rsp"),
    (2, "mm/trap_user.c:10: trap frame register: tf->r10"),
}


def self_test():
    """[(ok, message)]: the check finds exactly the fixture tree's violations, and the
    comment stripper keeps line numbers."""
    results = []
    here = os.path.dirname(os.path.abspath(__file__))
    got = set(check_tree(os.path.join(here, "fixtures", "layers")))
    for v in sorted(FIXTURE_EXPECTED - got):
        results.append((False, f"self-test: the check missed rule {v[0]} at {v[1]}"))
    for v in sorted(got - FIXTURE_EXPECTED):
        results.append((False, f"self-test: the check wrongly reported rule {v[0]} at {v[1]}"))
    if got == FIXTURE_EXPECTED:
        results.append((True, f"self-test: {len(got)} known violations in the fixture tree, no more"))
    s = 'a /* asm("x")\n tf->rip */ b "PTE_W // x" c // read_cr3()\nd \'"\' asm'
    stripped = strip_comments_and_strings(s)
    ok = (stripped.count("\n") == s.count("\n") and "PTE_W" not in stripped and
          "read_cr3" not in stripped and "tf->rip" not in stripped and stripped.endswith("asm"))
    results.append((ok, "self-test: comments and strings are blanked, lines kept"))
    return results


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    passed = failed = 0
    for ok, msg in self_test():
        if not ok:
            print(msg)
        passed += ok
        failed += not ok
    violations = check_tree(root)
    names = {1: "private headers are included only inside their folder",
             2: "no inline assembly, PTE bits, control registers or trap-frame registers "
                "in " + ", ".join(d + "/" for d in ABOVE_ARCH)}
    for rule in (1, 2):
        mine = [v for r, v in violations if r == rule]
        for v in mine:
            print(f"{v}  [rule {rule}]")
        if mine:
            print(f"check_layers: rule {rule} broken {len(mine)} times: {names[rule]}")
            failed += 1
        else:
            passed += 1
    print(f"check_layers: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
