/* metrics_result.h: the outcome of a push: taken, a duplicate, late,
 * or refused and why. */
#ifndef PODBOOT_METRICS_RESULT_H
#define PODBOOT_METRICS_RESULT_H

#include <stddef.h>

/* Why a push was not taken. */
enum metrics_refusal {
	METRICS_OK,
	METRICS_MALFORMED,	/* 400: err names the line */
	METRICS_NODE_LIMIT,	/* 429: the node has too many series */
	METRICS_TOTAL_LIMIT,	/* 429: the server has too many series */
};

struct metrics_result {
	enum metrics_refusal refusal;
	int duplicate;		/* seq already seen: nothing changed */
	int late;		/* older seq never seen: counted, not applied */
	size_t accepted;	/* samples now held for the id */
	char err[256];
};

#endif
