/* Starting the application processors (smp.h). The protocol is Intel's (SDM vol. 3, "MP
 * initialization"): an INIT IPI resets the AP into wait-for-SIPI, then a STARTUP IPI,
 * sent twice as the SDM's example does, makes it run real-mode code at the page its vector
 * names. That page is below 1 MiB and never given to the frame allocator
 * (mm/memlayout.h: LOW_MEM_END); trampoline.asm's blob is copied there with its
 * parameters. The APs start one at a time, so one trampoline and one `starting` slot do. */
#include "arch-x86_64/smp.h"
#include "arch-x86_64/smp_call.h"
#include "arch-x86_64/acpi.h"
#include "arch-x86_64/lapic.h"
#include "arch-x86_64/percpu.h"
#include "arch-x86_64/gdt.h"
#include "arch-x86_64/idt.h"
#include "arch-x86_64/fpu.h"
#include "arch-x86_64/pte.h"
#include "arch-x86_64/syscall_entry.h"
#include "arch-x86_64/cpu.h"
#include "mm/pgtable.h"
#include "mm/page_alloc.h"
#include "mm/memlayout.h"
#include "arch-x86_64/memlayout.h"
#include "kernel/clock.h"
#include "kernel/sched.h"
#include "kernel/task.h"
#include "arch-x86_64/apic_timer.h"
#include "arch-x86_64/irq.h"
#include "kernel/printk.h"
#include "arch-x86_64/trap.h"
#include "lib/string.h"

#define TRAMPOLINE_BASE 0x8000 /* trampoline.asm's, and STARTUP's vector 0x08 */
#define AP_STACK_ORDER  2      /* 16 KiB, a task's kernel stack: the AP's idle task's */
_Static_assert(PAGE_SIZE << AP_STACK_ORDER == KSTACK_SIZE, "an idle task's stack is a kernel stack");
#define AP_ANSWER_NS    100000000ULL

extern const uint8_t trampoline_start[], trampoline_end[];
extern const uint8_t trampoline_cr3[], trampoline_efer[], trampoline_stack[],
	trampoline_entry[], trampoline_kernel_cr3[];
extern const uint8_t boot_pml4[]; /* boot.asm's page tables, at their physical address */

static volatile int starting = -1; /* the id the AP being started takes */
static void *ap_stack; /* and the stack it starts on (KSTACK_SIZE bytes) */

_Static_assert(LOW_MEM_END >= TRAMPOLINE_BASE + PAGE_SIZE, "the trampoline page is never allocated");

/* Where the copy at TRAMPOLINE_BASE keeps the parameter the blob has at sym. */
static void *param(const uint8_t *sym)
{
	return (uint8_t *)phys_to_virt(TRAMPOLINE_BASE) + (sym - trampoline_start);
}

static void spin_ns(uint64_t ns)
{
	uint64_t end = clock_ns() + ns;
	while (clock_ns() < end)
		cpu_relax();
}

/* An AP's first C code, on its own stack and the kernel's page tables, interrupts off. */
static __noreturn void ap_main(void)
{
	int id = starting;
	percpu_init(id);
	cpus[id].pgtable = &kernel_pgtable; /* ap_start64 loaded it */
	write_cr4(read_cr4() | CR4_PGE); /* the kernel half's global pages, as on the boot CPU */
	gdt_init();
	idt_load();
	fpu_cpu_init();
	syscall_init();
	lapic_init();
	sched_init_cpu(ap_stack);
	apic_timer_start_cpu();
	__atomic_store_n(&cpus[id].online, true, __ATOMIC_RELEASE);
	sched_idle_loop(); /* turns interrupts on */
}

/* A reschedule IPI: nothing to do but be taken; the interrupt's way out (trap_dispatch)
 * switches to the task the sender queued. */
static void resched_interrupt(int vector, void *ctx)
{
	lapic_eoi();
}

/* An NMI during a panic: this CPU stops where it is, so that the report is alone on the
 * console (another NMI goes to the usual report). */
static bool nmi_stop(struct trap_frame *tf)
{
	if (!panic_in_progress())
		return false;
	cpu_halt_forever();
}

void smp_stop_others(void)
{
	for (int cpu = 0; cpu < MAX_CPUS; cpu++)
		if (cpu != this_cpu()->id && cpus[cpu].online)
			lapic_send_nmi(cpus[cpu].lapic_id);
}

void smp_send_resched(int cpu)
{
	lapic_send_ipi(cpus[cpu].lapic_id, IRQ_VECTOR_RESCHED);
}

/* Start the AP whose LAPIC id is apic_id as CPU id: true once it is up. */
static bool start_ap(uint32_t apic_id, int id)
{
	struct page *stack = alloc_pages(AP_STACK_ORDER);
	if (!stack) {
		printk("smp: no memory for the stack of CPU %d\n", id);
		return false;
	}
	ap_stack = page_address(stack);
	*(uint64_t *)param(trampoline_stack) = (uint64_t)ap_stack + (PAGE_SIZE << AP_STACK_ORDER);
	*(uint64_t *)param(trampoline_entry) = (uint64_t)ap_main;
	starting = id;
	lapic_send_init(apic_id);
	spin_ns(10000000); /* 10 ms, the SDM's wait after INIT */
	for (int i = 0; i < 2 && !READ_ONCE(cpus[id].online); i++) {
		lapic_send_startup(apic_id, TRAMPOLINE_BASE);
		spin_ns(200000);
	}
	uint64_t deadline = clock_ns() + AP_ANSWER_NS;
	while (!__atomic_load_n(&cpus[id].online, __ATOMIC_ACQUIRE) && clock_ns() < deadline)
		cpu_relax();
	if (cpus[id].online)
		return true;
	/* It may still wake up on the stack: leave it allocated. */
	printk("smp: the CPU with LAPIC id %u did not answer; skipped\n", apic_id);
	return false;
}

void smp_boot_aps(void)
{
	BUG_ON(this_cpu()->id != 0);
	smp_call_init();
	irq_register(IRQ_VECTOR_RESCHED, resched_interrupt, NULL, "resched");
	trap_register_exception(T_NMI, nmi_stop);
	memcpy(phys_to_virt(TRAMPOLINE_BASE), trampoline_start, trampoline_end - trampoline_start);
	*(uint32_t *)param(trampoline_cr3) = (uint32_t)(uint64_t)boot_pml4;
	*(uint32_t *)param(trampoline_efer) = (uint32_t)(rdmsr(MSR_EFER) & (EFER_LME | EFER_NXE));
	*(uint64_t *)param(trampoline_kernel_cr3) = read_cr3();
	int next = 1;
	for (unsigned i = 0; i < acpi_madt.ncpus && next < MAX_CPUS; i++) {
		uint32_t apic_id = acpi_madt.cpu_lapic_ids[i];
		if (apic_id == this_cpu()->lapic_id)
			continue;
		start_ap(apic_id, next++); /* a late one that wakes after all keeps its own id */
	}
	unsigned up = smp_nr_online();
	printk("smp: %u CPU%s up\n", up, up == 1 ? "" : "s");
}
