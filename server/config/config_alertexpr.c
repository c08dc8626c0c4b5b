/* config_alertexpr.c: alert rules: names, the expression grammar
 * (METRIC{label="value"} OP NUMBER), labels and annotations. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libconfig.h>

#include "config.h"
#include "config_int.h"
#include "error.h"

/* Prometheus-style names: [A-Za-z_][A-Za-z0-9_]* (':' too if @colon). */
static int config_prom_name(const char *p, size_t len, int colon)
{
	size_t i;

	if (len == 0 || config_is_digit(p[0]))
		return 0;
	for (i = 0; i < len; i++)
		if (!config_is_alnum(p[i]) && p[i] != '_' &&
		    !(colon && p[i] == ':'))
			return 0;
	return 1;
}

/*
 * An alert rule's name: a Prometheus name, not the built-in NodeDown;
 * 0 or -PB_EBAD_NAME.
 */
static int config_alertname_valid(const char *name)
{
	/* NodeDown is built in; a rule of that name would share its state. */
	if (strcmp(name, "NodeDown") == 0)
		return -PB_EBAD_NAME;
	return config_prom_name(name, strlen(name), 0) ? 0 : -PB_EBAD_NAME;
}

/* An alert rule's name (config_alertname_valid()) into @field. */
int config_key_alertname(struct config_ctx *ctx,
			 const config_setting_t *s,
			 const struct config_key *key, void *field)
{
	return config_key_grammar(ctx, s, key, field, config_alertname_valid,
				  "an alert name (expected "
				  "[A-Za-z_][A-Za-z0-9_]*, not the built-in "
				  "NodeDown)");
}

static const struct {
	const char *text;
	enum config_op op;
} config_ops[] = {
	{ ">=", CONFIG_GE }, { "<=", CONFIG_LE }, { "==", CONFIG_EQ },
	{ "!=", CONFIG_NE }, { ">", CONFIG_GT },  { "<", CONFIG_LT },
};

/* @p past any spaces and tabs. */
static const char *config_skip_space(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* {name="value",...} after a metric name: fills @a's matchers. */
static const char *config_parse_matchers(const char *p, struct config_alert *a)
{
	const char *name, *val;
	size_t nlen, vlen;

	p = config_skip_space(p + 1);
	while (*p && *p != '}') {
		name = p;
		while (config_is_alnum(*p) || *p == '_')
			p++;
		nlen = (size_t)(p - name);
		p = config_skip_space(p);
		if (!config_prom_name(name, nlen, 0) || *p != '=' ||
		    p[1] != '"' || a->n_match >= CONFIG_ALERT_MATCH ||
		    nlen >= sizeof(a->match[0].name))
			return NULL;
		val = p + 2;
		p = strchr(val, '"');
		vlen = p ? (size_t)(p - val) : 0;
		if (!p || vlen >= sizeof(a->match[0].value))
			return NULL;
		memcpy(a->match[a->n_match].name, name, nlen);
		memcpy(a->match[a->n_match].value, val, vlen);
		a->n_match++;
		p = config_skip_space(p + 1);
		if (*p == ',')
			p = config_skip_space(p + 1);
	}
	return *p == '}' ? p + 1 : NULL;
}

/* "METRIC{l="v",...} OP NUMBER" into @a; 0 or -PB_EBAD_NAME. */
static int config_alert_expr_parse(const char *expr, struct config_alert *a)
{
	const char *p = config_skip_space(expr), *name = p;
	char *end;
	size_t i, len;

	while (config_is_alnum(*p) || *p == '_' || *p == ':')
		p++;
	len = (size_t)(p - name);
	if (!config_prom_name(name, len, 1) || len >= sizeof(a->metric))
		return -PB_EBAD_NAME;
	memcpy(a->metric, name, len);
	a->metric[len] = '\0';
	p = config_skip_space(p);
	if (*p == '{' && !(p = config_parse_matchers(p, a)))
		return -PB_EBAD_NAME;
	p = config_skip_space(p);
	for (i = 0; i < CONFIG_N(config_ops); i++)
		if (strncmp(p, config_ops[i].text,
			    strlen(config_ops[i].text)) == 0)
			break;
	if (i == CONFIG_N(config_ops))
		return -PB_EBAD_NAME;
	a->op = config_ops[i].op;
	p = config_skip_space(p + strlen(config_ops[i].text));
	a->threshold = strtod(p, &end);
	if (end == p || *config_skip_space(end) != '\0' ||
	    a->threshold != a->threshold)
		return -PB_EBAD_NAME;
	return 0;
}

/*
 * An alert rule's expr: kept as written and parsed into the rule's
 * metric, matchers, operator and threshold (@field is the rule).
 */
int config_key_alert_expr(struct config_ctx *ctx,
			  const config_setting_t *s,
			  const struct config_key *key, void *field)
{
	struct config_alert *a = field;
	const char *v;
	int rc;

	if (!s)
		return 0;
	if ((rc = config_string(ctx, s, key, sizeof(a->expr), &v)) != 0)
		return rc;
	snprintf(a->expr, sizeof(a->expr), "%s", v);
	if (config_alert_expr_parse(v, a) != 0)
		return config_fail(ctx, s, NULL, "\"%s\" is not an alert "
				   "expression (expected %s)", v, key->expect);
	return 0;
}

/* A group of name = "value" settings into @pairs (at most
 * CONFIG_ALERT_PAIRS), counted in *@n. */
static int config_pairs(struct config_ctx *ctx, const config_setting_t *s,
			const struct config_key *key, struct config_pair *pairs,
			size_t *n)
{
	const config_setting_t *e;
	const char *name, *v;
	int rc;

	if (!s)
		return 0;
	if (!config_setting_is_group(s))
		return config_fail(ctx, s, NULL, "is not a group (expected %s)",
				   key->expect);
	for (*n = 0; *n < (size_t)config_setting_length(s); (*n)++) {
		e = config_setting_get_elem(s, (unsigned int)*n);
		name = config_setting_name(e);
		if (*n >= CONFIG_ALERT_PAIRS)
			return config_fail(ctx, e, NULL, "is one too many "
					   "(at most %d)", CONFIG_ALERT_PAIRS);
		if (!config_prom_name(name, strlen(name), 0) ||
		    strlen(name) >= sizeof(pairs[0].name))
			return config_fail(ctx, e, NULL, "is not a valid label "
					   "name");
		if ((rc = config_string(ctx, e, key, sizeof(pairs[0].value),
					&v)) != 0)
			return rc;
		snprintf(pairs[*n].name, sizeof(pairs[0].name), "%s", name);
		snprintf(pairs[*n].value, sizeof(pairs[0].value), "%s", v);
	}
	return 0;
}

/* An alert rule's labels group into the rule at @field. */
int config_key_alert_labels(struct config_ctx *ctx,
			    const config_setting_t *s,
			    const struct config_key *key, void *field)
{
	struct config_alert *a = field;

	return config_pairs(ctx, s, key, a->labels, &a->n_labels);
}

/* An alert rule's annotations group into the rule at @field. */
int config_key_alert_annotations(struct config_ctx *ctx,
				 const config_setting_t *s,
				 const struct config_key *key,
				 void *field)
{
	struct config_alert *a = field;

	return config_pairs(ctx, s, key, a->annotations, &a->n_annotations);
}
