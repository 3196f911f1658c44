/* Host stand-in for arch-x86_64/spinlock.h: the unit tests are single-threaded. */
#ifndef STUB_ARCH_SPINLOCK_H
#define STUB_ARCH_SPINLOCK_H
#include <stdint.h>
#include <stdbool.h>
typedef struct spinlock { int locked; const char *name; } spinlock_t;
#define SPINLOCK_INIT(n) { 0, n }
static inline void spin_lock_init(spinlock_t *l, const char *n) { l->locked = 0; l->name = n; }
static inline void spin_lock(spinlock_t *l) { l->locked = 1; }
static inline void spin_unlock(spinlock_t *l) { l->locked = 0; }
static inline bool spin_is_locked(spinlock_t *l) { return l->locked; }
/* One thread: held is locked (assert_held in kernel/lock.h). */
static inline bool spin_held(spinlock_t *l) { return l->locked; }
static inline uint64_t spin_lock_irqsave(spinlock_t *l) { l->locked = 1; return 0; }
static inline void spin_unlock_irqrestore(spinlock_t *l, uint64_t f) { (void)f; l->locked = 0; }
#endif
