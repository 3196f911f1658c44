/* The 8254 programmable interval timer, used only as a known-frequency reference to
 * calibrate the TSC and the LAPIC timer. Channel 2 is the one whose gate software controls
 * and whose output software can read (port 0x61), so no interrupt is involved. */
#ifndef ARCH_PIT_H
#define ARCH_PIT_H

#include "lib/compiler.h"

#define PIT_HZ 1193182

/* Start channel 2 counting down ticks (at PIT_HZ) once, speaker off. Not reentrant: one
 * caller at a time (boot-time calibration). */
void pit_oneshot_start(uint16_t ticks);
/* True once the countdown started by pit_oneshot_start() has reached zero. */
bool pit_oneshot_done(void);

#endif
