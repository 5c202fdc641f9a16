/* sig.c - signals set a flag */
#include <string.h>

#include "sig.h"

volatile sig_atomic_t sig_caught;

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
