/* test_agent_relayconn.c: one relay connection alone, without the relay:
 * a TLS client in a thread sends a request over a socketpair, the test
 * steps the connection and seals its batch, and reads the answer. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>

#include "unit.h"
#include "clock.h"
#include "error.h"
#include "rng.h"
#include "../../agent/relayconn.h"

#define TEST_REPLY_MAX 4096
#define TEST_DEADLINE_MS 10000

/* The relay's side: TLS identity, batch and spool, one connection. */
static struct {
	mbedtls_ssl_config conf;
	mbedtls_x509_crt cert;
	mbedtls_pk_context key;
	struct rng rng;
	struct spool spool;
	struct batch batch;
	struct relayconn_shared shared;
	struct relayconn conn;
	int sealed_ok;			/* what the next seal is told */
} relay;

/* The node's side, run in a thread: send @req, read the whole answer. */
struct test_client {
	int fd;
	const char *req;
	char reply[TEST_REPLY_MAX];
	size_t len;
	int done;
};

/* The sealed function: answer the connection waiting for batch @id. */
static void test_sealed(void *ctx, uint64_t id, int ok)
{
	(void)ctx;
	if (relay.conn.state == RCS_WAIT && relay.conn.wait_id == id)
		relayconn_sealed(&relay.conn, &relay.shared,
				 ok && relay.sealed_ok);
}

static int test_relay_init(void)
{
	char crt[256], key[256], dir[256];
	const char *keys = unit_keys(1);

	memset(&relay, 0, sizeof(relay));
	mbedtls_ssl_config_init(&relay.conf);
	mbedtls_x509_crt_init(&relay.cert);
	mbedtls_pk_init(&relay.key);
	snprintf(crt, sizeof(crt), "%s/server-chain.crt", keys);
	snprintf(key, sizeof(key), "%s/server.key", keys);
	snprintf(dir, sizeof(dir), "%s/relayconn-spool", unit_tmpdir());
	if (rng_init(&relay.rng, "unit relayconn") != 0 ||
	    mbedtls_x509_crt_parse_file(&relay.cert, crt) != 0 ||
	    mbedtls_pk_parse_keyfile(&relay.key, key, NULL) != 0 ||
	    mbedtls_ssl_config_defaults(&relay.conf, MBEDTLS_SSL_IS_SERVER,
					MBEDTLS_SSL_TRANSPORT_STREAM,
					MBEDTLS_SSL_PRESET_DEFAULT) != 0 ||
	    mbedtls_ssl_conf_own_cert(&relay.conf, &relay.cert,
				      &relay.key) != 0 ||
	    spool_open(&relay.spool, dir, "batch", 1u << 20, SPOOL_OWNER) != 0)
		return -1;
	mbedtls_ssl_conf_rng(&relay.conf, rng_random, &relay.rng);
	batch_init(&relay.batch, &relay.spool, test_sealed, NULL);
	relay.shared.conf = &relay.conf;
	relay.shared.batch = &relay.batch;
	relayconn_init(&relay.conn);
	return 0;
}

static int test_relay_clean(void)
{
	relayconn_free(&relay.conn, &relay.shared);
	pbuf_free(&relay.conn.out);
	batch_free(&relay.batch);
	spool_close(&relay.spool);
	mbedtls_ssl_config_free(&relay.conf);
	mbedtls_x509_crt_free(&relay.cert);
	mbedtls_pk_free(&relay.key);
	rng_free(&relay.rng);
	return 0;
}

static void *test_client_run(void *arg)
{
	struct test_client *tc = arg;
	mbedtls_net_context net = { .fd = tc->fd };
	mbedtls_ssl_config conf;
	mbedtls_ssl_context ssl;
	struct rng rng;
	int ret;

	mbedtls_ssl_config_init(&conf);
	mbedtls_ssl_init(&ssl);
	if (rng_init(&rng, "unit relayconn client") != 0 ||
	    mbedtls_ssl_config_defaults(&conf, MBEDTLS_SSL_IS_CLIENT,
					MBEDTLS_SSL_TRANSPORT_STREAM,
					MBEDTLS_SSL_PRESET_DEFAULT) != 0)
		goto out;
	/* What the relay answers is under test here, not its certificate. */
	mbedtls_ssl_conf_authmode(&conf, MBEDTLS_SSL_VERIFY_NONE);
	mbedtls_ssl_conf_rng(&conf, rng_random, &rng);
	if (mbedtls_ssl_setup(&ssl, &conf) != 0)
		goto out;
	mbedtls_ssl_set_bio(&ssl, &net, mbedtls_net_send, mbedtls_net_recv,
			    NULL);
	if (mbedtls_ssl_handshake(&ssl) != 0 ||
	    mbedtls_ssl_write(&ssl, (const unsigned char *)tc->req,
			      strlen(tc->req)) != (int)strlen(tc->req))
		goto out;
	while (tc->len < sizeof(tc->reply) - 1 &&
	       (ret = mbedtls_ssl_read(&ssl, (unsigned char *)tc->reply +
					     tc->len,
				       sizeof(tc->reply) - 1 - tc->len)) > 0)
		tc->len += (size_t)ret;
out:
	tc->reply[tc->len] = '\0';
	mbedtls_ssl_free(&ssl);
	mbedtls_ssl_config_free(&conf);
	rng_free(&rng);
	shutdown(tc->fd, SHUT_RDWR);
	__atomic_store_n(&tc->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/*
 * Send @req on a fresh connection and return the relay's answer in
 * @tc->reply.  The batch is sealed whenever the connection waits for it,
 * as the relay's loop does after each round.
 */
static void test_exchange(struct test_client *tc, const char *req)
{
	mbedtls_net_context net;
	long long until = clock_now_ms() + TEST_DEADLINE_MS;
	struct pollfd p;
	pthread_t t;
	int sv[2];

	memset(tc, 0, sizeof(*tc));
	tc->req = req;
	CU_ASSERT_EQUAL_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	tc->fd = sv[1];
	mbedtls_net_init(&net);
	net.fd = sv[0];
	CU_ASSERT_EQUAL_FATAL(mbedtls_net_set_nonblock(&net), 0);
	CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, test_client_run, tc),
			      0);
	CU_ASSERT_EQUAL(relayconn_start(&relay.conn, &relay.shared, &net,
					"unit"), 0);
	while (relay.conn.state != RCS_FREE && clock_now_ms() < until) {
		if (relay.conn.state == RCS_WAIT) {
			batch_seal(&relay.batch);
			continue;
		}
		p.fd = relay.conn.net.fd;
		p.events = relay.conn.events;
		if (poll(&p, 1, 100) > 0)
			relayconn_step(&relay.conn, &relay.shared);
	}
	CU_ASSERT_EQUAL(relay.conn.state, RCS_FREE);
	relayconn_free(&relay.conn, &relay.shared);
	pthread_join(t, NULL);
	close(sv[1]);
	CU_ASSERT_EQUAL(relay.shared.inflight, 0);
}

/* A push request with @headers (each ending in \r\n) and body @body. */
static const char *test_push(char *buf, size_t size, const char *headers,
			     const char *body)
{
	snprintf(buf, size, "POST /api/v1/push HTTP/1.1\r\nHost: relay\r\n"
		 "Connection: close\r\n%s\r\n%s", headers, body);
	return buf;
}

static void test_push_relayed(void)
{
	struct test_client tc;
	struct spool_item it;
	struct frame f;
	size_t off = 0, n = relay.spool.n;
	char req[1024];

	relay.sealed_ok = 1;
	test_exchange(&tc, test_push(req, sizeof(req),
				     "Authorization: Bearer node-tok==\r\n"
				     "X-Podboot-Seq: 5\r\n"
				     "X-Podboot-Interval: 30\r\n"
				     "Content-Length: 4\r\n", "a 1\n"));
	CU_ASSERT(strncmp(tc.reply, "HTTP/1.1 200 ", 13) == 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(tc.reply, "\"relayed\": true, "
						"\"seq\": 5"));
	/* The push is in the spool, as a frame with its token and fields. */
	CU_ASSERT_EQUAL_FATAL(relay.spool.n, n + 1);
	CU_ASSERT_EQUAL_FATAL(spool_read(&relay.spool,
					 relay.spool.entries[n].seq, &it), 0);
	CU_ASSERT_EQUAL(frame_next(it.body, it.len, &off, 100, &f), 0);
	CU_ASSERT(f.token_len == 10 && memcmp(f.token, "node-tok==", 10) == 0);
	CU_ASSERT(f.seq == 5 && f.interval == 30 && f.len == 4 &&
		  memcmp(f.body, "a 1\n", 4) == 0);
	spool_item_free(&it);
}

static void test_healthz(void)
{
	struct test_client tc;

	test_exchange(&tc, "GET /healthz HTTP/1.1\r\nHost: relay\r\n"
			   "Connection: close\r\n\r\n");
	CU_ASSERT(strncmp(tc.reply, "HTTP/1.1 200 ", 13) == 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(tc.reply, "\"relay\": true"));
}

/* The answer's status line for a push with @headers and @body. */
static void test_refused(const char *headers, const char *body,
			 const char *status)
{
	struct test_client tc;
	size_t n = relay.spool.n;
	char req[1024];

	test_exchange(&tc, test_push(req, sizeof(req), headers, body));
	if (strncmp(tc.reply, status, strlen(status)) != 0)
		fprintf(stderr, "\n%s-> %.40s\n", headers, tc.reply);
	CU_ASSERT(strncmp(tc.reply, status, strlen(status)) == 0);
	CU_ASSERT_EQUAL(relay.spool.n, n);	/* nothing queued */
}

static void test_refusals(void)
{
#define AUTH "Authorization: Bearer node-tok\r\n"
#define SEQ "X-Podboot-Seq: 6\r\n"
	relay.sealed_ok = 1;
	test_refused(SEQ "Content-Length: 3\r\n", "a 1",
		     "HTTP/1.1 401 ");
	test_refused("Authorization: Bearer a b\r\n" SEQ
		     "Content-Length: 3\r\n", "a 1", "HTTP/1.1 401 ");
	test_refused(AUTH SEQ "Content-Length: 3\r\nContent-Length: 3\r\n",
		     "a 1", "HTTP/1.1 400 ");
	test_refused(AUTH SEQ "Content-Length: 3\r\n"
		     "Transfer-Encoding: chunked\r\n", "a 1", "HTTP/1.1 400 ");
	test_refused(AUTH SEQ "Transfer-Encoding: chunked\r\n",
		     "3\r\na 1\r\n0\r\n\r\n", "HTTP/1.1 501 ");
	test_refused(AUTH SEQ, "", "HTTP/1.1 411 ");
	test_refused(AUTH SEQ "Content-Length: 1048577\r\n", "",
		     "HTTP/1.1 413 ");
	test_refused(AUTH "X-Podboot-Seq: 0\r\nContent-Length: 3\r\n",
		     "a 1", "HTTP/1.1 400 ");
	test_refused(AUTH "Content-Length: 3\r\n", "a 1", "HTTP/1.1 400 ");
	test_refused(AUTH SEQ "X-Podboot-Interval: 3601\r\n"
		     "Content-Length: 3\r\n", "a 1", "HTTP/1.1 400 ");
	test_refused(AUTH SEQ "Content-Encoding: br\r\n"
		     "Content-Length: 3\r\n", "a 1", "HTTP/1.1 415 ");
	test_refused(AUTH SEQ "Content-Encoding: gzip\r\n"
		     "Content-Length: 3\r\n", "a 1", "HTTP/1.1 400 ");
#undef AUTH
#undef SEQ
}

static void test_not_spooled(void)
{
	struct test_client tc;
	char req[1024];

	/* The batch could not be kept: the push must not be acknowledged. */
	relay.sealed_ok = 0;
	test_exchange(&tc, test_push(req, sizeof(req),
				     "Authorization: Bearer node-tok\r\n"
				     "X-Podboot-Seq: 7\r\n"
				     "Content-Length: 4\r\n", "a 1\n"));
	CU_ASSERT(strncmp(tc.reply, "HTTP/1.1 503 ", 13) == 0);
	relay.sealed_ok = 1;
}

static void test_other_paths(void)
{
	struct test_client tc;

	test_exchange(&tc, "POST /api/v1/other HTTP/1.1\r\nHost: r\r\n\r\n");
	CU_ASSERT(strncmp(tc.reply, "HTTP/1.1 404 ", 13) == 0);
	test_exchange(&tc, "GET /api/v1/push HTTP/1.1\r\nHost: r\r\n\r\n");
	CU_ASSERT(strncmp(tc.reply, "HTTP/1.1 405 ", 13) == 0);
	test_exchange(&tc, "POST /api/v1/push\r\n\r\n");
	CU_ASSERT(strncmp(tc.reply, "HTTP/1.1 400 ", 13) == 0);
}

static const CU_TestInfo test_agent_relayconn_tests[] = {
	{ "a push is answered once its batch is spooled", test_push_relayed },
	{ "GET /healthz", test_healthz },
	{ "unauthorised, ambiguous and oversized pushes are refused",
	  test_refusals },
	{ "a batch the spool refused is not acknowledged", test_not_spooled },
	{ "other paths and methods, a malformed head", test_other_paths },
	CU_TEST_INFO_NULL,
};

static int suite_agent_relayconn_register(void)
{
	return unit_add_suite("agent_relayconn", test_relay_init,
			      test_relay_clean, test_agent_relayconn_tests);
}

UNIT_SUITE(suite_agent_relayconn_register)
