/* main.c: podboot-agent: read the settings, then push, relay or inspect. */
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "error.h"
#include "https.h"
#include "inspect.h"
#include "log.h"
#include "options.h"
#include "push.h"
#include "relay.h"

#define AGENT_VERSION "1.0"

static volatile sig_atomic_t main_stop;

/* SIGTERM, SIGINT: ask the loop to stop after the push under way. */
static void main_on_signal(int sig)
{
	(void)sig;
	main_stop = 1;
}

/* SIGTERM and SIGINT end the loop after the push under way; they must
 * interrupt sleeps and polls, so no SA_RESTART.  Writes to a closed
 * socket report EPIPE instead of killing us. */
static void main_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = main_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

/* The modes: each runs one of the agent's jobs with the settings read
 * and returns the process's exit status.  --help: the usage. */
static int main_help(const struct options *o)
{
	(void)o;
	options_usage(stdout);
	return 0;
}

/* --version: the agent's version. */
static int main_version(const struct options *o)
{
	(void)o;
	printf("podboot-agent %s\n", AGENT_VERSION);
	return 0;
}

/* --check: what the mode needs loads; nothing is sent. */
static int main_check(const struct options *o)
{
	struct https_client c = { 0 };
	int rc;

	rc = https_client_init(&c, o->ca, o->timeout);
	https_client_free(&c);
	if (rc == 0 && o->relay)
		rc = relay_check(o);
	if (rc != 0)
		return 1;
	printf("%s: ok: %s, %u upstream%s, first %s\n",
	       *o->config ? o->config : "settings",
	       o->relay ? "relay" : "agent", o->n_servers,
	       o->n_servers == 1 ? "" : "s", o->servers[0].text);
	return 0;
}

/* --spool-list: the spooled batches, one line each (1 on error). */
static int main_spool_list(const struct options *o)
{
	return inspect_spool(o->spool, stdout) ? 1 : 0;
}

/* --spool-show SEQ: one spooled batch's text (1 on error). */
static int main_spool_show(const struct options *o)
{
	return inspect_show(o->spool, o->spool_show, stdout) ? 1 : 0;
}

/* --print: one collection, printed, not sent. */
static int main_print(const struct options *o)
{
	return push_print(o);
}

/* --once: collect and push once (0 delivered, 3 spooled, 1 refused). */
static int main_once(const struct options *o)
{
	return push_once(o);
}

/* --relay: the pod relay until SIGTERM (1 if it could not run). */
static int main_relay(const struct options *o)
{
	return relay_run(o, &main_stop) ? 1 : 0;
}

/* The default: collect and push every interval until SIGTERM. */
static int main_agent(const struct options *o)
{
	return push_run(o, &main_stop) ? 1 : 0;
}

/* The modes, first match wins; the last one always matches. */
static const struct {
	size_t flag;			/* offset of an int in options; or 0 */
	int (*run)(const struct options *o);
} main_modes[] = {
	{ offsetof(struct options, help), main_help },
	{ offsetof(struct options, version), main_version },
	{ offsetof(struct options, print), main_print },
	{ offsetof(struct options, spool_list), main_spool_list },
	{ offsetof(struct options, spool_show), main_spool_show },
	{ offsetof(struct options, check), main_check },
	{ offsetof(struct options, relay), main_relay },
	{ offsetof(struct options, once), main_once },
	{ 0, main_agent },
};

int main(int argc, char **argv)
{
	static struct options o;	/* large: not on the stack */
	size_t i;
	int rc;

	log_set_program("podboot-agent");
	options_init(&o);
	rc = options_parse(&o, argc, argv);
	if (o.verbose)
		log_set_level(LOG_LVL_DEBUG);
	if (rc == 0)
		rc = options_finish(&o);
	if (rc != 0) {
		options_free(&o);
		return rc == -PB_EUSAGE ? 2 : 1;
	}
	main_signals();
	for (i = 0; main_modes[i].flag &&
		    !*(const int *)((const char *)&o + main_modes[i].flag);
	     i++)
		;
	rc = main_modes[i].run(&o);
	options_free(&o);
	return rc;
}
