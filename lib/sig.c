/* sig.c - signals set a flag */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "sig.h"

volatile _Atomic int sig_caught;
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "an int flag safe in a signal handler");

/* the signals caught */
static const int caught[] = { SIGINT, SIGTERM, SIGHUP };

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
	for (size_t i = 0; i < sizeof(caught) / sizeof(*caught); i++)
		sigaction(caught[i], &sa, NULL);
}

void
sig_mask(int how)
{
	sigset_t set;

	sigemptyset(&set);
	for (size_t i = 0; i < sizeof(caught) / sizeof(*caught); i++)
		sigaddset(&set, caught[i]);
	pthread_sigmask(how, &set, NULL);
}
