/* proc.c - the one process supervisor (see proc.h) */
#define _GNU_SOURCE
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proc.h"
#include "timefmt.h"
#include "utf8.h"
#include "util.h"

/* Longest sleep of proc_wait, so that a missed wake-up costs little. */
#define POLL_MS 200

/* The last bytes of one output stream of the command. */
struct capture {
	char *buf;		/* ring of cap bytes */
	size_t cap;		/* its size */
	size_t head;		/* where the next byte goes */
	size_t len;		/* bytes held, <= cap */
	uint64_t total;		/* bytes seen in all */
	int fd;			/* the pipe's read end, or -1 once closed */
};

struct proc {
	pid_t pid;		/* the guardian: the group's leader and id */
	struct capture cap[2];	/* PROC_OUT, PROC_ERR (unused with merge) */
	int echo;		/* pass output on as it comes */
	int64_t start;		/* time_mono at start */
	int64_t timeout_at;	/* time_mono of the timeout, or 0 */
	int64_t grace_ms;	/* the timeout's grace */
	int64_t kill_at;	/* time_mono of a SIGKILL due, or 0 */
	int ended;		/* reaped: x holds how */
	struct proc_exit x;	/* how it ended */
};

static int wake[2] = { -1, -1 };	/* SIGCHLD's self-pipe */

static void
on_chld(int signo)
{
	int saved = errno;

	(void)!write(wake[1], "", 1);
	errno = saved;
}

static void
wake_init(void)
{
	struct sigaction sa;

	if (pipe2(wake, O_CLOEXEC | O_NONBLOCK) != 0)
		err(EXIT_FATAL, "pipe");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_chld;
	sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, NULL);
}

int
proc_wake_fd(void)
{
	if (wake[0] < 0)
		wake_init();
	return wake[0];
}

void
proc_wake_clear(void)
{
	char buf[64];

	if (wake[0] >= 0)
		while (read(wake[0], buf, sizeof(buf)) > 0)
			;
}

/* ---- the guardian and the command ---- */

/* End as the command ended: its exit status, or its signal. */
static _Noreturn void
relay(int status)
{
	struct rlimit none = { 0, 0 };
	struct sigaction dfl;
	sigset_t one;
	int sig;

	if (WIFEXITED(status))
		_exit(WEXITSTATUS(status));
	sig = WTERMSIG(status);
	setrlimit(RLIMIT_CORE, &none);	/* the command dumped its own */
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigaction(sig, &dfl, NULL);
	sigemptyset(&one);
	sigaddset(&one, sig);
	sigprocmask(SIG_UNBLOCK, &one, NULL);
	kill(getpid(), sig);
	_exit(128 + sig);
}

/* In the command, after vfork: only system calls, then exec. */
static _Noreturn void
command_exec(const struct proc_spec *s, pid_t guardian)
{
	static const int dfl_sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGCHLD,
	    SIGPIPE, SIGUSR1 };
	extern char **environ;
	struct sigaction dfl;
	sigset_t none;
	const char *msg, *prog = program_invocation_short_name;
	int e;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != guardian)
		_exit(128 + SIGKILL);
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	for (size_t i = 0; i < sizeof(dfl_sigs) / sizeof(*dfl_sigs); i++)
		sigaction(dfl_sigs[i], &dfl, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execvpe(s->argv[0], s->argv, s->envp ? s->envp : environ);
	e = errno;
	msg = strerror(e);
	(void)!write(2, prog, strlen(prog));
	(void)!write(2, ": ", 2);
	(void)!write(2, s->argv[0], strlen(s->argv[0]));
	(void)!write(2, ": ", 2);
	(void)!write(2, msg, strlen(msg));
	(void)!write(2, "\n", 1);
	_exit(e == ENOENT ? 127 : 126);
}

/*
 * The guardian: leads the group, starts the command in it, and waits;
 * signals sent to the group are taken and dropped; the supervisor's
 * death SIGKILLs the group, the guardian with it.
 */
static _Noreturn void
guardian(const struct proc_spec *s, int outw, int errw, pid_t parent)
{
	struct sigaction dfl;
	sigset_t set;
	pid_t cmd, self;
	int status;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigaction(SIGCHLD, &dfl, NULL);	/* not ignored: it must queue */
	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGUSR1);
	if (getppid() != parent)
		_exit(128 + SIGKILL);	/* died before we could tell */
	if ((s->in_fd >= 0 && dup2(s->in_fd, STDIN_FILENO) < 0) ||
	    dup2(outw, STDOUT_FILENO) < 0 ||
	    dup2(s->merge ? outw : errw, STDERR_FILENO) < 0)
		_exit(126);
	/* a pipe that came out as 0, 1 or 2 keeps its close-on-exec flag
	 * through dup2 onto itself */
	for (int fd = 0; fd <= 2; fd++)
		fcntl(fd, F_SETFD, 0);
	self = getpid();
	if ((cmd = vfork()) < 0)
		_exit(126);
	if (cmd == 0)
		command_exec(s, self);
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&set, &si);

		if (sig == SIGCHLD) {
			if (waitpid(cmd, &status, WNOHANG) == cmd)
				relay(status);
		} else if (sig == SIGUSR1 && getppid() != parent) {
			kill(0, SIGKILL);	/* the whole group, us too */
			_exit(128 + SIGKILL);
		}
	}
}

static void
capture_init(struct capture *c, size_t keep, int fd)
{
	memset(c, 0, sizeof(*c));
	c->cap = keep > 0 ? keep : 1;
	c->buf = xmalloc(c->cap);
	c->fd = fd;
	if (fd >= 0)
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

struct proc *
proc_start(const struct proc_spec *s)
{
	struct proc *p = xcalloc(1, sizeof(*p));
	int po[2], pe[2] = { -1, -1 };
	pid_t self = getpid();

	if (wake[0] < 0)
		wake_init();
	if (s->out_fd > 0) {
		po[0] = -1;
		po[1] = s->out_fd;
	} else if (pipe2(po, O_CLOEXEC) != 0) {
		err(EXIT_FATAL, "pipe");
	}
	if (!s->merge && pipe2(pe, O_CLOEXEC) != 0)
		err(EXIT_FATAL, "pipe");
	if ((p->pid = fork()) < 0)
		err(EXIT_FATAL, "fork");
	if (p->pid == 0)
		guardian(s, po[1], pe[1], self);
	setpgid(p->pid, p->pid);	/* also here: no window without it */
	if (s->out_fd <= 0)
		close(po[1]);
	if (pe[1] >= 0)
		close(pe[1]);
	capture_init(&p->cap[PROC_OUT], s->keep, po[0]);
	capture_init(&p->cap[PROC_ERR], s->merge ? 1 : s->keep, pe[0]);
	p->echo = s->echo;
	p->start = time_mono();
	p->timeout_at = s->timeout_ms > 0 ? p->start + s->timeout_ms : 0;
	p->grace_ms = s->grace_ms;
	return p;
}

void
proc_free(struct proc *p)
{
	int status;

	if (p == NULL)
		return;
	if (!p->ended) {
		kill(-p->pid, SIGKILL);
		while (waitpid(p->pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	for (int i = 0; i < 2; i++) {
		if (p->cap[i].fd >= 0)
			close(p->cap[i].fd);
		free(p->cap[i].buf);
	}
	free(p);
}

pid_t
proc_pid(const struct proc *p)
{
	return p->pid;
}

/* ---- output ---- */

static void
capture_add(struct capture *c, const char *s, size_t n)
{
	c->total += n;
	if (n > c->cap) {
		s += n - c->cap;
		n = c->cap;
	}
	while (n > 0) {
		size_t room = c->cap - c->head;
		size_t k = n < room ? n : room;

		memcpy(c->buf + c->head, s, k);
		c->head = (c->head + k) % c->cap;
		c->len = c->len + k > c->cap ? c->cap : c->len + k;
		s += k;
		n -= k;
	}
}

static void
write_all(int fd, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, s, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return;		/* nowhere to complain to */
		}
		s += w;
		n -= (size_t)w;
	}
}

/* Read what is there from c's pipe (to its end: then close it). */
static void
drain(struct proc *p, int stream)
{
	struct capture *c = &p->cap[stream];
	char buf[16384];
	ssize_t n;

	while (c->fd >= 0) {
		n = read(c->fd, buf, sizeof(buf));
		if (n > 0) {
			capture_add(c, buf, (size_t)n);
			if (p->echo)
				write_all(stream == PROC_OUT ? STDOUT_FILENO :
				    STDERR_FILENO, buf, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		close(c->fd);	/* end of file, or an error: done */
		c->fd = -1;
	}
}

int
proc_pollfd(const struct proc *p, struct pollfd *pfd)
{
	int n = 0;

	for (int i = 0; i < 2; i++)
		if (p->cap[i].fd >= 0) {
			pfd[n].fd = p->cap[i].fd;
			pfd[n].events = POLLIN;
			pfd[n++].revents = 0;
		}
	return n;
}

void
proc_read(struct proc *p)
{
	drain(p, PROC_OUT);
	drain(p, PROC_ERR);
}

/* The last max bytes held (all with max 0), as a new string. */
static char *
capture_copy(const struct capture *c, size_t max, size_t *lenp)
{
	size_t n = max && max < c->len ? max : c->len;
	size_t start = (c->head + c->cap - n) % c->cap;
	char *s = xmalloc(n + 1);

	for (size_t i = 0; i < n; i++)
		s[i] = c->buf[(start + i) % c->cap];
	s[n] = '\0';
	*lenp = n;
	return s;
}

uint64_t
proc_total(const struct proc *p, int stream)
{
	return p->cap[stream].total;
}

size_t
proc_kept(const struct proc *p, int stream)
{
	return p->cap[stream].len;
}

char *
proc_tail(const struct proc *p, int stream, size_t max)
{
	const struct capture *c = &p->cap[stream];
	size_t n, skip = 0, ok;
	char *s = capture_copy(c, max, &n), *t, *o;
	const char *q;

	/* start at a line (or at least a character) boundary */
	if (max > 0 && n == max && c->len > max) {
		char *nl = memchr(s, '\n', n);

		if (nl != NULL && nl + 1 < s + n)
			skip = (size_t)(nl + 1 - s);
		else
			while (skip < n && ((unsigned char)s[skip] & 0xc0) ==
			    0x80)
				skip++;
	}
	while (n > skip && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	/* invalid UTF-8 and NULs each become U+FFFD */
	t = o = xmalloc((n - skip) * 3 + 1);
	for (q = s + skip; q < s + n;) {
		ok = utf8_check(q, (size_t)(s + n - q));
		for (size_t i = 0; i < ok; i++) {
			if (q[i] == '\0') {
				memcpy(o, "\xef\xbf\xbd", 3);
				o += 3;
			} else {
				*o++ = q[i];
			}
		}
		q += ok;
		if (q < s + n) {
			memcpy(o, "\xef\xbf\xbd", 3);
			o += 3;
			q++;
		}
	}
	*o = '\0';
	free(s);
	return t;
}

void
proc_print(const struct proc *p, int stream, int fd, const char *what)
{
	const struct capture *c = &p->cap[stream];
	size_t n;
	char *s;

	if (c->total == 0)
		return;
	if (c->total > c->len) {
		char note[160];
		int k = snprintf(note, sizeof(note), "[%s: first %llu "
		    "bytes of %s not kept]\n", program_invocation_short_name,
		    (unsigned long long)(c->total - c->len), what);

		write_all(fd, note, (size_t)k);
	}
	s = capture_copy(c, 0, &n);
	write_all(fd, s, n);
	if (n > 0 && s[n - 1] != '\n')
		write_all(fd, "\n", 1);
	free(s);
}

/* ---- the end ---- */

int
proc_reap(struct proc *p)
{
	int status;
	pid_t w;

	if (p->ended)
		return 1;
	w = waitpid(p->pid, &status, WNOHANG);
	if (w == 0 || (w < 0 && errno == EINTR))
		return 0;
	if (w < 0)
		err(EXIT_FATAL, "waitpid");
	p->ended = 1;
	p->x.ms = time_mono() - p->start;
	if (WIFEXITED(status)) {
		p->x.code = WEXITSTATUS(status);
	} else if (WIFSIGNALED(status)) {
		p->x.signo = WTERMSIG(status);
		p->x.code = 128 + p->x.signo;
	}
	/* the leader is gone: take what its output holds, not waiting for
	 * descendants that keep the pipes open */
	for (int i = 0; i < 2; i++) {
		drain(p, i);
		if (p->cap[i].fd >= 0) {
			close(p->cap[i].fd);
			p->cap[i].fd = -1;
		}
	}
	p->kill_at = 0;
	return 1;
}

const struct proc_exit *
proc_exit(const struct proc *p)
{
	return p->ended ? &p->x : NULL;
}

void
proc_stop(struct proc *p, int sig, int64_t grace_ms)
{
	int64_t at;

	p->x.stopped = 1;
	if (p->ended)
		return;
	kill(-p->pid, sig);
	if (sig == SIGKILL) {
		p->kill_at = 0;
		return;
	}
	at = time_mono() + (grace_ms > 0 ? grace_ms : 0);
	if (p->kill_at == 0 || at < p->kill_at)
		p->kill_at = at;
}

int
proc_stopping(const struct proc *p)
{
	return p->x.stopped;
}

int64_t
proc_due(const struct proc *p)
{
	int64_t due = INT64_MAX;

	if (p->ended)
		return due;
	if (p->timeout_at && !p->x.stopped)
		due = p->timeout_at;
	if (p->kill_at && p->kill_at < due)
		due = p->kill_at;
	return due;
}

void
proc_tick(struct proc *p)
{
	int64_t now = time_mono();

	if (p->ended)
		return;
	if (p->timeout_at && !p->x.stopped && now >= p->timeout_at) {
		p->x.timed_out = 1;
		proc_stop(p, SIGTERM, p->grace_ms);
	}
	if (p->kill_at && now >= p->kill_at) {
		kill(-p->pid, SIGKILL);
		p->kill_at = 0;
	}
}

int
proc_wait(struct proc *p, volatile _Atomic int *sig, int64_t grace_ms)
{
	int first = 0;

	for (;;) {
		struct pollfd pfd[3];
		int64_t due, now;
		int nfd, wait_ms = POLL_MS;

		if (*sig) {
			int s = *sig;

			*sig = 0;
			if (first) {
				proc_stop(p, SIGKILL, 0);  /* no more grace */
			} else {
				first = s;
				proc_stop(p, s == SIGHUP ? SIGTERM : s,
				    grace_ms);
			}
		}
		proc_tick(p);
		proc_wake_clear();
		if (proc_reap(p))
			break;
		now = time_mono();
		due = proc_due(p);
		if (due - now < wait_ms)
			wait_ms = due > now ? (int)(due - now) : 0;
		nfd = proc_pollfd(p, pfd);
		pfd[nfd].fd = wake[0];
		pfd[nfd].events = POLLIN;
		pfd[nfd++].revents = 0;
		if (poll(pfd, (nfds_t)nfd, wait_ms) < 0 && errno != EINTR)
			err(EXIT_FATAL, "poll");
		proc_read(p);
	}
	if (p->x.timed_out || first)
		kill(-p->pid, SIGKILL);	/* what is left of a stopped job */
	return first;
}

char *
proc_exit_text(int code, int signo, char *buf)
{
	if (signo)
		snprintf(buf, PROC_TEXTSZ, "killed by SIG%s",
		    sigabbrev_np(signo) ? sigabbrev_np(signo) : "?");
	else
		snprintf(buf, PROC_TEXTSZ, "exit %d", code);
	return buf;
}

char **
proc_env(const char *const *drop, char *const *set)
{
	extern char **environ;
	size_t n = 0, k = 0;
	char **env;

	for (char **e = environ; *e; e++)
		n++;
	for (char *const *v = set; v && *v; v++)
		n++;
	env = xcalloc(n + 1, sizeof(*env));
	for (char **e = environ; *e; e++) {
		int skip = 0;

		for (const char *const *d = drop; d && *d && !skip; d++)
			skip = strncmp(*e, *d, strlen(*d)) == 0;
		if (!skip)
			env[k++] = *e;
	}
	for (char *const *v = set; v && *v; v++)
		env[k++] = *v;
	env[k] = NULL;
	return env;
}
