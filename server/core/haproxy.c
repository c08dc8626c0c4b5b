/* haproxy.c: the haproxy.cfg that puts HAProxy in front of podboot's
 * replicas: TCP mode, TLS passed through (iPXE and agents check podboot's
 * own chain, which HAProxy never holds), health checks on /healthz. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "haproxy.h"

/*
 * The host and port of @url ("https://HOST[:PORT][/...]", HOST maybe a
 * bracketed IPv6 address) into @host and *@port (443 when absent).
 * 0 or -EINVAL.
 */
static int haproxy_url_host(const char *url, char *host, size_t size,
			    unsigned int *port)
{
	const char *p = strstr(url, "://"), *end, *colon;
	size_t len;

	if (!p)
		return -EINVAL;
	p += 3;
	end = p + strcspn(p, "/?#");
	colon = NULL;
	if (*p == '[') {
		const char *rb = memchr(p, ']', (size_t)(end - p));

		if (!rb)
			return -EINVAL;
		colon = rb + 1 < end && rb[1] == ':' ? rb + 1 : NULL;
	} else {
		colon = memchr(p, ':', (size_t)(end - p));
	}
	len = (size_t)((colon ? colon : end) - p);
	if (len == 0 || len >= size)
		return -EINVAL;
	memcpy(host, p, len);
	host[len] = '\0';
	*port = 443;
	if (colon && sscanf(colon + 1, "%u", port) != 1)
		return -EINVAL;
	return *port >= 1 && *port <= 65535 ? 0 : -EINVAL;
}

/* The global and defaults sections: TCP, and timeouts long enough for a
 * large image to stream (podboot cuts slow transfers itself). */
static int haproxy_head(struct pbuf *out)
{
	return pbuf_printf(out,
		"# haproxy.cfg rendered by podboot haproxy: replicas of podboot\n"
		"# serve behind one address, TLS passed through (docs/operations.md).\n"
		"global\n"
		"    maxconn 2000\n"
		"    log stderr format short local0 notice\n"
		"\n"
		"defaults\n"
		"    mode tcp\n"
		"    log global\n"
		"    option tcplog\n"
		"    option dontlognull\n"
		"    # a connection a dead replica refuses goes to another\n"
		"    option redispatch\n"
		"    retries 3\n"
		"    timeout connect 3s\n"
		"    timeout client 10m\n"
		"    timeout server 10m\n"
		"    timeout check 3s\n"
		"\n");
}

/* The frontend on @listen, with @monitor the monitoring one, and with
 * @stats a stats page. */
static int haproxy_front(struct pbuf *out, const char *listen,
			 const char *monitor, const char *stats)
{
	int rc = pbuf_printf(out,
			     "frontend podboot\n"
			     "    bind %s\n"
			     "    default_backend podboot_replicas\n"
			     "\n", listen);

	if (rc == 0 && monitor[0])
		rc = pbuf_printf(out,
				 "# agents, relays and Prometheus: the alert "
				 "leader only\n"
				 "frontend podboot_monitor\n"
				 "    bind %s\n"
				 "    default_backend podboot_leader\n"
				 "\n", monitor);

	if (rc == 0 && stats[0])
		rc = pbuf_printf(out,
				 "listen stats\n"
				 "    mode http\n"
				 "    bind %s\n"
				 "    stats enable\n"
				 "    stats uri /\n"
				 "\n", stats);
	return rc;
}

/*
 * Backend @name: the replicas in order, each checked with GET @uri over
 * TLS verified against the root for @host, healthy when the reply meets
 * @expect (HAProxy's "string ok", "status 200"); a replica marked down has its sessions cut so that clients
 * retry on another.
 */
static int haproxy_back(struct pbuf *out, const struct config *cfg,
			const char *host, unsigned int check_s,
			const char *name, const char *uri, const char *expect)
{
	size_t i;
	int rc;

	rc = pbuf_printf(out,
			 "\nbackend %s\n"
			 "    balance roundrobin\n"
			 "    option httpchk\n"
			 "    http-check send meth GET uri %s "
			 "ver HTTP/1.1 hdr Host %s\n"
			 "    http-check expect %s\n"
			 "    default-server check check-ssl verify required "
			 "ca-file %s check-sni %s verifyhost %s inter %us "
			 "fall 2 rise 2 on-marked-down shutdown-sessions\n",
			 name, uri, host, expect, cfg->root_cert, host, host,
			 check_s);
	for (i = 0; rc == 0 && i < cfg->n_replicas; i++)
		rc = pbuf_printf(out, "    server replica%zu %s\n", i + 1,
				 cfg->replicas[i]);
	return rc;
}

int haproxy_render(const struct config *cfg, const struct haproxy_opts *o,
		   struct pbuf *out, char *err, size_t errlen)
{
	char host[256], listen[CONFIG_REPLICA_LEN];
	unsigned int port;

	if (!cfg->n_replicas) {
		snprintf(err, errlen, "%s: server.replicas is empty: name the "
			 "HOST:PORT of each podboot serve", cfg->path);
		return -EINVAL;
	}
	if (haproxy_url_host(cfg->base_url, host, sizeof(host), &port) != 0) {
		snprintf(err, errlen, "%s: server.base_url has no host HAProxy "
			 "can check the replicas' certificate for", cfg->path);
		return -EINVAL;
	}
	if (o->listen[0])
		snprintf(listen, sizeof(listen), "%s", o->listen);
	else
		snprintf(listen, sizeof(listen), ":%u", port);
	if (haproxy_head(out) != 0 ||
	    haproxy_front(out, listen, o->monitor, o->stats) != 0 ||
	    haproxy_back(out, cfg, host, o->check_s ? o->check_s : 2,
			 "podboot_replicas", "/healthz?format=text",
			 "string ok") != 0 ||
	    (o->monitor[0] &&
	     haproxy_back(out, cfg, host, o->check_s ? o->check_s : 2,
			  "podboot_leader", "/healthz/leader", "status 200") != 0)) {
		snprintf(err, errlen, "out of memory rendering haproxy.cfg");
		return -ENOMEM;
	}
	return 0;
}
