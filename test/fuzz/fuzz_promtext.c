/* fuzz_promtext: the Prometheus text parser (lib/promtext.c), which reads
 * every push an agent, a relay or a Pushgateway client sends. */
#include <math.h>
#include <string.h>

#include "fuzz.h"
#include "promtext.h"

/* Every sample the parser hands out must already be valid: check it, and
 * write it back out through the writer. */
static int fuzz_promtext_sample(void *ctx, const struct prom_sample *s)
{
	struct pbuf *b = ctx;
	size_t i;

	FUZZ_ASSERT(promtext_metric_name_valid(s->name));
	FUZZ_ASSERT(s->n_labels <= PROM_LABELS_MAX);
	for (i = 0; i < s->n_labels; i++) {
		FUZZ_ASSERT(promtext_label_name_valid(s->labels[i].name));
		FUZZ_ASSERT(memchr(s->labels[i].value, 0,
				   sizeof(s->labels[i].value)));
		if (i > 0)
			FUZZ_ASSERT(strcmp(s->labels[i - 1].name,
					   s->labels[i].name) < 0);
	}
	(void)promtext_write_sample(b, s->name, NULL, 0, s->labels,
				    s->n_labels, s->value, s->ts_ms);
	return 0;
}

static int fuzz_promtext_type(void *ctx, const char *name, enum prom_type t)
{
	(void)ctx;
	FUZZ_ASSERT(promtext_metric_name_valid(name));
	FUZZ_ASSERT(t <= PROM_SUMMARY);
	return 0;
}

/* Samples written back must parse again, to the same count. */
static int fuzz_promtext_count(void *ctx, const struct prom_sample *s)
{
	(void)s;
	(*(size_t *)ctx)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct prom_limits lim = { .max_line = 4096, .max_samples = 256 };
	struct pbuf out;
	char err[256];
	size_t n1 = 0, n2 = 0;

	pbuf_init(&out, 1 << 20);
	if (promtext_parse((const char *)data, size, &lim,
			   fuzz_promtext_sample, fuzz_promtext_type, &out, err,
			   sizeof(err)) == 0 && !out.overflow) {
		const struct prom_limits big = { .max_line = 1 << 20,
						 .max_samples = 1 << 20 };

		FUZZ_ASSERT(memchr(err, 0, sizeof(err)));
		(void)promtext_parse((const char *)data, size, &lim,
				     fuzz_promtext_count, NULL, &n1, err,
				     sizeof(err));
		FUZZ_ASSERT(promtext_parse(out.data ? out.data : "", out.len,
					   &big, fuzz_promtext_count, NULL,
					   &n2, err, sizeof(err)) == 0);
		FUZZ_ASSERT(n1 == n2);
	}
	pbuf_free(&out);
	return 0;
}
