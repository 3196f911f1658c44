#!/bin/sh
# Usage: gen-ksyms.sh kernel.elf > ksyms.S
# Emits the text symbols of a linked kernel, sorted by address, as the .ksyms section that
# kernel/ksyms.c searches. With no argument it emits an empty table (first link).
set -e
echo '	.section .note.GNU-stack, "", @progbits'
echo '	.section .ksyms, "a"'
echo '	.balign 8'
echo '	.globl ksym_table, ksym_count, ksym_names'
if [ -z "$1" ]; then
	printf 'ksym_count: .quad 0\nksym_table:\nksym_names: .byte 0\n'
	exit 0
fi
nm -n "$1" | awk 'BEGIN { n = 0 }
	NF == 3 && $2 ~ /^[tTwW]$/ && $3 !~ /^\./ { addr[n] = $1; name[n] = $3; n++ }
	END {
		printf "ksym_count: .quad %d\nksym_table:\n", n
		off = 0
		for (i = 0; i < n; i++) { printf "\t.quad 0x%s\n\t.long %d, 0\n", addr[i], off; off += length(name[i]) + 1 }
		printf "ksym_names:\n"
		for (i = 0; i < n; i++) printf "\t.asciz \"%s\"\n", name[i]
	}'
