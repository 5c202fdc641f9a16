/*
 * sig.h - signals set a flag; the main loop looks at it.
 *
 * sig_catch installs handlers for SIGINT, SIGTERM and SIGHUP without
 * SA_RESTART, so a blocking read returns EINTR and the loop can finish or
 * roll back its unit of work, then exit 128 + sig_caught.  The flag is a
 * lock-free atomic rather than a sig_atomic_t because in a program with
 * threads (store) the handler may run on one thread while another reads it.
 */
#ifndef JOBLINE_SIG_H
#define JOBLINE_SIG_H

#include <signal.h>

extern volatile _Atomic int sig_caught;	/* last signal caught, or 0 */

void sig_catch(void);

/* Block (SIG_BLOCK) or unblock (SIG_UNBLOCK) those signals in the calling
 * thread, so that another thread takes them. */
void sig_mask(int how);

#endif
