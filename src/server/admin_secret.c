/*
 * Reading secrets (passwords, client secrets) for the admin commands: from
 * stdin, or from the terminal with echo off. Never from argv, where ps and
 * shell history would see them.
 */
#include "admin_secret.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "banned.h"

/* Restores the terminal if a signal arrives while echo is off. */
static struct termios saved_tio;
static volatile sig_atomic_t tio_saved;

static void restore_tty(int sig)
{
	if (tio_saved)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tio);
	signal(sig, SIG_DFL);
	raise(sig);
}

/*
 * Reads one line from stdin into buf, without the newline. read(2) byte by
 * byte rather than stdio, so no copy of the secret lingers in a FILE
 * buffer. Returns the length, or -1 with *why set.
 */
long cat_secret_read_line(char *buf, size_t size, const char **why)
{
	size_t n = 0;
	char c;
	ssize_t r;

	for (;;) {
		r = read(STDIN_FILENO, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			*why = "cannot read stdin";
			return -1;
		}
		if (r == 0 || c == '\n')
			break;
		if (c == '\0') {
			*why = "NUL byte in the secret";
			return -1;
		}
		if (n + 1 >= size) {
			*why = "the secret is too long";
			return -1;
		}
		buf[n++] = c;
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	return (long)n;
}

/* Prompts on stderr and reads a line from the terminal with echo off. */
long cat_secret_prompt(const char *prompt, char *buf, size_t size,
		       const char **why)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	struct sigaction sa, old[4];
	struct termios tio;
	long n;
	size_t i;

	fputs(prompt, stderr);
	fflush(stderr);
	if (tcgetattr(STDIN_FILENO, &saved_tio) < 0) {
		*why = "cannot turn off terminal echo";
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = restore_tty;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < 4; i++)
		sigaction(sigs[i], &sa, &old[i]);
	tio_saved = 1;
	tio = saved_tio;
	tio.c_lflag &= ~(tcflag_t)ECHO;
	tio.c_lflag |= ECHONL;
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &tio);
	n = cat_secret_read_line(buf, size, why);
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tio);
	tio_saved = 0;
	for (i = 0; i < 4; i++)
		sigaction(sigs[i], &old[i], NULL);
	return n;
}
