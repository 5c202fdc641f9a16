/* sig.c - signals set a flag */
#include <stdatomic.h>
#include <string.h>

#include "sig.h"

volatile _Atomic int sig_caught;
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "an int flag safe in a signal handler");

static void
on_signal(int signo)
{
	sig_caught = signo;
}

void
sig_catch(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}
