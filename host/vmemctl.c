/*
 * vmemctl - drive QEMU virtio-mem devices over QMP.
 *
 *   vmemctl [-s PATH] [-d ID] [-t SECS] [-q] COMMAND [ARGS] [+ COMMAND [ARGS]]...
 *
 * Commands come from one table (cmds[] below), which drives argument-count
 * checks, dispatch and the generated help.  Several commands separated by a
 * lone "+" run in order over one QMP connection; the first failure stops the
 * chain and gives the exit code.
 *
 * QMP handling: the greeting is read and capabilities are negotiated once per
 * connection.  Every command carries a numeric "id" that is matched against the
 * replies.  Events that arrive while a reply is awaited are stashed in order and
 * handed to "watch" before anything newly read, because QEMU may emit
 * MEMORY_DEVICE_SIZE_CHANGE before it answers the qom-set that caused it.  The
 * byte stream is parsed incrementally with a json_tokener, so a message may be
 * split across reads and several messages may arrive in one read.  Every read
 * and write is bounded by the -t timeout.
 *
 * Exit codes:
 *   0  success
 *   1  usage error (unknown command or option, wrong argument count)
 *   2  connection or I/O error: socket missing or refused, EOF or malformed
 *      data from QEMU, unexpected greeting or reply
 *   3  QEMU answered a command with an error reply
 *   4  invalid size or device: size does not parse, is not a multiple of
 *      block-size or exceeds max-size; device id unknown or ambiguous
 *   5  timeout: a reply, a size wait or a "watch COUNT" did not finish in time
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

enum {
	EXIT_OK = 0,
	EXIT_USAGE = 1,
	EXIT_IO = 2,
	EXIT_QMP = 3,
	EXIT_INVALID = 4,
	EXIT_TIMEOUT = 5,
};

#define DEFAULT_TIMEOUT 60.0
#define POLL_INTERVAL 0.01	/* seconds between qom-get polls of `size` */
#define JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

static const char *prog = "vmemctl";

/* One QMP connection and the bytes and events read but not yet consumed. */
struct qmp {
	int fd;
	const char *path;
	json_tokener *tok;
	char buf[4096];
	size_t pos, len;	/* unparsed bytes are buf[pos..len) */
	bool partial;		/* the tokener holds part of a message */
	int64_t next_id;
	struct json_object **events;	/* stashed events, oldest first */
	size_t nevents, cap;
};

/* One entry of query-memory-devices with type "virtio-mem". */
struct vmem {
	const char *id;	/* points into the query reply, which the ctx keeps */
	uint64_t node, block_size, requested_size, size, max_size;
};

struct ctx {
	const char *socket;
	const char *device;	/* -d, or NULL */
	double timeout;		/* seconds, bounds every wait */
	bool quiet;
	struct qmp *qmp;	/* connected on first use */
	struct json_object *devs_reply;	/* keeps struct vmem ids alive */
};

struct cmd {
	const char *name;
	int (*handler)(struct ctx *c, int argc, char **argv, unsigned int flags);
	int argmin, argmax;	/* positional arguments, flags not counted */
	const char *flags[2];	/* accepted "--flag"s; bit i set if flags[i] given */
	const char *synopsis;
	const char *help;	/* one line, for the command list */
	const char *details;	/* more lines for "help COMMAND", or NULL */
	bool needs_qmp;
	/* Syntax of the positional arguments, checked before connecting. */
	int (*syntax)(const struct cmd *ct, int argc, char **argv);
};

static void err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void err(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_s(double s)
{
	struct timespec ts = { .tv_sec = (time_t)s };

	ts.tv_nsec = (long)((s - ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static const char *jstr(struct json_object *o)
{
	return json_object_to_json_string_ext(o, JSON_FLAGS);
}

/* Return the string member @key of @o, or NULL if absent or not a string. */
static const char *get_str(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* Read the non-negative integer member @key of @o into @out. */
static bool get_u64(struct json_object *o, const char *key, uint64_t *out)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0)
		return false;
	*out = json_object_get_uint64(v);
	return true;
}

/*
 * parse_size() - parse "0", "64K", "512M", "4G", "1T", "2GiB", "4096B".
 * Suffixes are binary; K/M/G/T may be lower case, "iB"/"B" may follow.
 * Return: false if @s is not such a size or does not fit in 64 bits.
 */
static bool parse_size(const char *s, uint64_t *out)
{
	static const char units[] = "KMGT";
	unsigned long long v;
	unsigned int shift = 0;
	const char *u;
	char *end;

	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return false;
	if (*end && (u = strchr(units, toupper((unsigned char)*end)))) {
		shift = 10 * (unsigned int)(u - units + 1);
		end++;
		if (!strcmp(end, "iB"))
			end += 2;
	}
	if (!strcmp(end, "B"))
		end++;
	if (*end || v > (UINT64_MAX >> shift))
		return false;
	*out = (uint64_t)v << shift;
	return true;
}

/* ---- QMP transport ---------------------------------------------------- */

static int qmp_connect(struct qmp *q, const char *path, double timeout)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = (time_t)timeout };

	q->path = path;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		err("QMP socket path '%s' is too long (%zu bytes, limit %zu)",
		    path, strlen(path), sizeof(sa.sun_path) - 1);
		return EXIT_IO;
	}
	strcpy(sa.sun_path, path);
	q->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (q->fd < 0) {
		err("socket() for QMP socket '%s': %s", path, strerror(errno));
		return EXIT_IO;
	}
	/* Backstop only: every read below is bounded by poll() as well. */
	tv.tv_usec = (long)((timeout - tv.tv_sec) * 1e6);
	setsockopt(q->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(q->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(q->fd, (struct sockaddr *)&sa, sizeof(sa))) {
		err("cannot connect to QMP socket '%s': %s", path, strerror(errno));
		err("hint: QEMU must run with -qmp unix:%s,server=on,wait=off", path);
		return EXIT_IO;
	}
	q->tok = json_tokener_new();
	if (!q->tok) {
		err("out of memory for the JSON parser of '%s'", path);
		return EXIT_IO;
	}
	return EXIT_OK;
}

/*
 * qmp_parse_buffered() - take one complete message from the buffered bytes.
 * Return: EXIT_OK with *out set to an object, EXIT_OK with *out NULL when more
 * bytes are needed, or EXIT_IO on malformed input.
 */
static int qmp_parse_buffered(struct qmp *q, struct json_object **out)
{
	enum json_tokener_error jerr;
	struct json_object *o;

	*out = NULL;
	/* Skip the CRLF between messages so a clean EOF is not "partial". */
	while (!q->partial && q->pos < q->len && isspace((unsigned char)q->buf[q->pos]))
		q->pos++;
	if (q->pos == q->len)
		return EXIT_OK;
	o = json_tokener_parse_ex(q->tok, q->buf + q->pos, (int)(q->len - q->pos));
	jerr = json_tokener_get_error(q->tok);
	if (jerr == json_tokener_continue) {
		q->partial = true;
		q->pos = q->len;
		return EXIT_OK;
	}
	if (jerr != json_tokener_success) {
		err("malformed JSON from QEMU on '%s': %s", q->path,
		    json_tokener_error_desc(jerr));
		return EXIT_IO;
	}
	q->pos += json_tokener_get_parse_end(q->tok);
	q->partial = false;
	json_tokener_reset(q->tok);
	if (!json_object_is_type(o, json_type_object)) {
		err("unexpected non-object message from QEMU on '%s': %s",
		    q->path, jstr(o));
		json_object_put(o);
		return EXIT_IO;
	}
	*out = o;
	return EXIT_OK;
}

/* Wait until @deadline for bytes from QEMU and append them to the buffer. */
static int qmp_fill(struct qmp *q, double deadline, const char *what)
{
	struct pollfd pfd = { .fd = q->fd, .events = POLLIN };
	double left;
	ssize_t n;
	int r;

	do {
		left = deadline - now();
		if (left <= 0)
			return EXIT_TIMEOUT;
		r = poll(&pfd, 1, (int)(left * 1000) + 1);
	} while ((r < 0 && errno == EINTR) || r == 0);
	if (r < 0) {
		err("poll on QMP socket '%s' %s: %s", q->path, what, strerror(errno));
		return EXIT_IO;
	}
	q->pos = q->len = 0;
	do
		n = read(q->fd, q->buf, sizeof(q->buf));
	while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return EXIT_TIMEOUT;
	if (n < 0) {
		err("read from QMP socket '%s' %s: %s", q->path, what, strerror(errno));
		return EXIT_IO;
	}
	if (n == 0 && q->partial) {
		err("QEMU closed QMP socket '%s' in the middle of a JSON message %s (stream truncated)",
		    q->path, what);
		return EXIT_IO;
	}
	if (n == 0) {
		err("QEMU closed QMP socket '%s' (EOF) %s", q->path, what);
		return EXIT_IO;
	}
	q->len = (size_t)n;
	return EXIT_OK;
}

/*
 * qmp_read() - read the next message, waiting at most until @deadline.
 * @what describes the wait for error messages ("waiting for ...").
 * Return: EXIT_OK with *out set, EXIT_TIMEOUT (nothing printed, the caller
 * knows what it waited for), or EXIT_IO (reported here).
 */
static int qmp_read(struct qmp *q, double deadline, const char *what,
		    struct json_object **out)
{
	int rc;

	for (;;) {
		rc = qmp_parse_buffered(q, out);
		if (rc || *out)
			return rc;
		rc = qmp_fill(q, deadline, what);
		if (rc)
			return rc;
	}
}

static int qmp_send(struct qmp *q, struct json_object *msg, const char *name)
{
	const char *s = json_object_to_json_string_ext(msg, JSON_C_TO_STRING_PLAIN);
	size_t len = strlen(s), off = 0;
	ssize_t n;

	while (off < len) {
		n = send(q->fd, s + off, len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err("sending '%s' to QMP socket '%s': %s", name, q->path,
			    errno == EAGAIN ? "timed out" : strerror(errno));
			return errno == EAGAIN ? EXIT_TIMEOUT : EXIT_IO;
		}
		off += (size_t)n;
	}
	return EXIT_OK;
}

static void stash_event(struct qmp *q, struct json_object *ev)
{
	struct json_object **p;

	if (q->nevents == q->cap) {
		q->cap = q->cap ? 2 * q->cap : 16;
		p = realloc(q->events, q->cap * sizeof(*p));
		if (!p) {
			err("out of memory stashing QMP event %s", jstr(ev));
			exit(EXIT_IO);
		}
		q->events = p;
	}
	q->events[q->nevents++] = ev;
}

/* Remove and return the oldest stashed event, or NULL. */
static struct json_object *unstash_event(struct qmp *q)
{
	struct json_object *ev;

	if (!q->nevents)
		return NULL;
	ev = q->events[0];
	memmove(q->events, q->events + 1, --q->nevents * sizeof(*q->events));
	return ev;
}

static bool is_event(struct json_object *m)
{
	return json_object_object_get_ex(m, "event", NULL);
}

/*
 * qmp_await_reply() - read until the reply to command @id arrives.
 * Events are stashed; replies to other ids are reported and dropped.  A reply
 * without an id is taken as ours: QEMU omits it when it could not parse the
 * request.  Return: EXIT_OK with *reply set, or EXIT_IO/EXIT_TIMEOUT.
 */
static int qmp_await_reply(struct qmp *q, int64_t id, const char *name,
			   double deadline, struct json_object **reply)
{
	char what[128];
	struct json_object *m, *mid;
	int rc;

	snprintf(what, sizeof(what), "while waiting for the reply to '%s'", name);
	for (;;) {
		rc = qmp_read(q, deadline, what, &m);
		if (rc == EXIT_TIMEOUT)
			err("timed out %s on QMP socket '%s'", what, q->path);
		if (rc)
			return rc;
		if (is_event(m)) {
			stash_event(q, m);
			continue;
		}
		if (!json_object_object_get_ex(m, "return", NULL) &&
		    !json_object_object_get_ex(m, "error", NULL)) {
			err("unexpected message from QEMU %s: %s", what, jstr(m));
			json_object_put(m);
			return EXIT_IO;
		}
		if (json_object_object_get_ex(m, "id", &mid) &&
		    (!json_object_is_type(mid, json_type_int) ||
		     json_object_get_int64(mid) != id)) {
			err("warning: ignoring reply with id %s %s (id %" PRId64 ")",
			    jstr(mid), what, id);
			json_object_put(m);
			continue;
		}
		*reply = m;
		return EXIT_OK;
	}
}

/*
 * qmp_exec() - send the request object @req (its "id" is replaced) and wait
 * for the reply.  Takes ownership of @req.  On success *ret holds a reference
 * to the reply's "return" value (caller puts it).  An error reply is printed
 * with the command name, its arguments, QEMU's class and desc verbatim.
 * Return: EXIT_OK, EXIT_QMP, EXIT_IO or EXIT_TIMEOUT.
 */
static int qmp_exec(struct qmp *q, struct json_object *req, double timeout,
		    struct json_object **ret)
{
	struct json_object *reply = NULL, *args, *e, *r;
	const char *name = get_str(req, "execute");
	int64_t id = ++q->next_id;
	char cmd[64];
	int rc;

	snprintf(cmd, sizeof(cmd), "%s", name ? name : "?");
	json_object_object_add(req, "id", json_object_new_int64(id));
	rc = qmp_send(q, req, cmd);
	if (!rc)
		rc = qmp_await_reply(q, id, cmd, now() + timeout, &reply);
	if (rc)
		goto out;
	if (json_object_object_get_ex(reply, "error", &e)) {
		if (!json_object_object_get_ex(req, "arguments", &args))
			args = NULL;
		err("QMP command '%s'%s%s failed: %s: %s", cmd, args ? " " : "",
		    args ? jstr(args) : "",
		    get_str(e, "class") ? get_str(e, "class") : "(no class)",
		    get_str(e, "desc") ? get_str(e, "desc") : jstr(e));
		rc = EXIT_QMP;
		goto out;
	}
	json_object_object_get_ex(reply, "return", &r);
	*ret = json_object_get(r);
out:
	json_object_put(reply);
	json_object_put(req);
	return rc;
}

/* Run @name with @args (owned, may be NULL); see qmp_exec(). */
static int qmp_call(struct ctx *c, const char *name, struct json_object *args,
		    struct json_object **ret)
{
	struct json_object *req = json_object_new_object();

	json_object_object_add(req, "execute", json_object_new_string(name));
	if (args)
		json_object_object_add(req, "arguments", args);
	return qmp_exec(c->qmp, req, c->timeout, ret);
}

/* Connect, check the greeting and leave capabilities negotiation mode. */
static int qmp_open(struct ctx *c)
{
	struct json_object *greeting, *ret = NULL;
	struct qmp *q;
	int rc;

	q = calloc(1, sizeof(*q));
	if (!q) {
		err("out of memory for QMP connection to '%s'", c->socket);
		return EXIT_IO;
	}
	c->qmp = q;
	q->fd = -1;
	rc = qmp_connect(q, c->socket, c->timeout);
	if (rc)
		return rc;
	rc = qmp_read(q, now() + c->timeout, "while waiting for the QMP greeting",
		      &greeting);
	if (rc == EXIT_TIMEOUT)
		err("timed out after %.3f s waiting for the QMP greeting on '%s'",
		    c->timeout, c->socket);
	if (rc)
		return rc;
	if (!json_object_object_get_ex(greeting, "QMP", NULL)) {
		err("unexpected greeting on QMP socket '%s': %s", c->socket,
		    jstr(greeting));
		json_object_put(greeting);
		return EXIT_IO;
	}
	json_object_put(greeting);
	rc = qmp_call(c, "qmp_capabilities", NULL, &ret);
	json_object_put(ret);
	return rc;
}

static void qmp_close(struct qmp *q)
{
	if (!q)
		return;
	while (q->nevents)
		json_object_put(unstash_event(q));
	free(q->events);
	if (q->tok)
		json_tokener_free(q->tok);
	if (q->fd >= 0)
		close(q->fd);
	free(q);
}

/* ---- virtio-mem devices ----------------------------------------------- */

static void qom_path(char *buf, size_t len, const char *id)
{
	snprintf(buf, len, "/machine/peripheral/%s", id);
}

static struct json_object *qom_args(const char *id, const char *prop)
{
	struct json_object *a = json_object_new_object();
	char path[256];

	qom_path(path, sizeof(path), id);
	json_object_object_add(a, "path", json_object_new_string(path));
	json_object_object_add(a, "property", json_object_new_string(prop));
	return a;
}

/* qom-get an unsigned integer property of device @id. */
static int qom_get_u64(struct ctx *c, const char *id, const char *prop,
		       uint64_t *out)
{
	struct json_object *ret = NULL;
	int rc;

	rc = qmp_call(c, "qom-get", qom_args(id, prop), &ret);
	if (rc)
		return rc;
	if (!json_object_is_type(ret, json_type_int) || json_object_get_int64(ret) < 0) {
		err("qom-get '%s' of device '%s' returned %s, expected an unsigned integer",
		    prop, id, jstr(ret));
		json_object_put(ret);
		return EXIT_IO;
	}
	*out = json_object_get_uint64(ret);
	json_object_put(ret);
	return EXIT_OK;
}

static int parse_vmem(struct json_object *data, struct vmem *v)
{
	v->id = get_str(data, "id");
	if (get_u64(data, "node", &v->node) &&
	    get_u64(data, "block-size", &v->block_size) &&
	    get_u64(data, "requested-size", &v->requested_size) &&
	    get_u64(data, "size", &v->size) &&
	    get_u64(data, "max-size", &v->max_size) && v->block_size)
		return EXIT_OK;
	err("query-memory-devices: malformed virtio-mem entry: %s", jstr(data));
	return EXIT_IO;
}

/*
 * query_vmems() - list the virtio-mem devices that have an id.
 * *devs is malloc'ed; the ids stay valid while c->devs_reply is held.
 */
static int query_vmems(struct ctx *c, struct vmem **devs, size_t *n)
{
	struct json_object *ret = NULL, *e, *data;
	const char *type;
	size_t i, len;
	int rc;

	rc = qmp_call(c, "query-memory-devices", NULL, &ret);
	if (rc)
		return rc;
	json_object_put(c->devs_reply);
	c->devs_reply = ret;
	if (!json_object_is_type(ret, json_type_array)) {
		err("query-memory-devices returned %s, expected an array", jstr(ret));
		return EXIT_IO;
	}
	len = json_object_array_length(ret);
	*devs = calloc(len ? len : 1, sizeof(**devs));
	if (!*devs) {
		err("out of memory for %zu memory devices", len);
		return EXIT_IO;
	}
	for (*n = 0, i = 0; i < len; i++) {
		e = json_object_array_get_idx(ret, i);
		type = get_str(e, "type");
		if (!type || strcmp(type, "virtio-mem") ||
		    !json_object_object_get_ex(e, "data", &data))
			continue;
		rc = parse_vmem(data, &(*devs)[*n]);
		if (rc)
			return rc;
		if ((*devs)[*n].id)	/* anonymous devices cannot be addressed */
			(*n)++;
	}
	return EXIT_OK;
}

static void list_ids(char *buf, size_t len, const struct vmem *devs, size_t n)
{
	size_t i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < n && off < len; i++)
		off += snprintf(buf + off, len - off, "%s%s", i ? ", " : "", devs[i].id);
}

/*
 * resolve_device() - find the device named by -d, or the only one.
 * Return: EXIT_OK with *dev filled, EXIT_INVALID (unknown or ambiguous id,
 * no device), or the error of query-memory-devices.
 */
static int resolve_device(struct ctx *c, struct vmem *dev)
{
	struct vmem *devs = NULL;
	char ids[512];
	size_t i, n = 0;
	int rc;

	rc = query_vmems(c, &devs, &n);
	if (rc)
		goto out;
	list_ids(ids, sizeof(ids), devs, n);
	rc = EXIT_INVALID;
	if (!n) {
		err("no virtio-mem device with an id found on '%s'", c->socket);
	} else if (c->device) {
		for (i = 0; i < n; i++) {
			if (!strcmp(devs[i].id, c->device)) {
				*dev = devs[i];
				rc = EXIT_OK;
			}
		}
		if (rc)
			err("no virtio-mem device with id '%s' (devices: %s)",
			    c->device, ids);
	} else if (n > 1) {
		err("%zu virtio-mem devices (%s): choose one with -d ID", n, ids);
	} else {
		*dev = devs[0];
		rc = EXIT_OK;
	}
out:
	free(devs);
	return rc;
}

/* Check @arg as a requested-size for @dev; on success store it in *size. */
static int check_size(const char *cmd, const char *arg, const struct vmem *dev,
		      uint64_t *size)
{
	if (!parse_size(arg, size)) {
		err("%s: invalid size '%s' for device '%s': expected bytes with an optional K, M, G or T suffix (e.g. 512M)",
		    cmd, arg, dev->id);
		return EXIT_INVALID;
	}
	if (*size % dev->block_size) {
		err("%s: size '%s' (%" PRIu64 " bytes) is not a multiple of block-size %" PRIu64 " of device '%s'",
		    cmd, arg, *size, dev->block_size, dev->id);
		return EXIT_INVALID;
	}
	if (*size > dev->max_size) {
		err("%s: size '%s' (%" PRIu64 " bytes) exceeds max-size %" PRIu64 " of device '%s'",
		    cmd, arg, *size, dev->max_size, dev->id);
		return EXIT_INVALID;
	}
	return EXIT_OK;
}

/*
 * wait_size() - poll qom-get `size` of @dev until it equals @want.
 * @start is when the wait began; the deadline is @start plus -t.
 * Return: EXIT_OK with *elapsed set, EXIT_TIMEOUT (reported), or a QMP error.
 */
static int wait_size(struct ctx *c, const char *cmd, const struct vmem *dev,
		     uint64_t want, double start, double *elapsed)
{
	double deadline = start + c->timeout, saved = c->timeout;
	uint64_t size = dev->size;
	int rc;

	for (;;) {
		/* Never let a slow reply stretch the wait past its deadline. */
		c->timeout = deadline - now();
		rc = c->timeout > 0 ? qom_get_u64(c, dev->id, "size", &size) : EXIT_TIMEOUT;
		c->timeout = saved;
		if (rc == EXIT_TIMEOUT)
			break;
		if (rc)
			return rc;
		if (size == want) {
			*elapsed = now() - start;
			return EXIT_OK;
		}
		if (now() + POLL_INTERVAL >= deadline)
			break;
		sleep_s(POLL_INTERVAL);
	}
	err("%s: timed out after %.3f s waiting for size of device '%s' to reach %" PRIu64
	    " bytes (last size %" PRIu64 ")", cmd, saved, dev->id, want, size);
	return EXIT_TIMEOUT;
}

/* ---- commands --------------------------------------------------------- */

static void print_vmem(const struct vmem *v)
{
	printf("id=%s node=%" PRIu64 " block-size=%" PRIu64 " requested-size=%" PRIu64
	       " size=%" PRIu64 " max-size=%" PRIu64 "\n", v->id, v->node,
	       v->block_size, v->requested_size, v->size, v->max_size);
}

static int status_f(struct ctx *c, int argc, char **argv, unsigned int flags)
{
	struct vmem *devs = NULL, dev;
	size_t i, n = 0;
	int rc;

	(void)argc, (void)argv, (void)flags;
	if (c->device) {
		rc = resolve_device(c, &dev);
		if (!rc)
			print_vmem(&dev);
		return rc;
	}
	rc = query_vmems(c, &devs, &n);
	if (!rc && !n) {
		err("status: no virtio-mem device with an id found on '%s'", c->socket);
		rc = EXIT_INVALID;
	}
	for (i = 0; !rc && i < n; i++)
		print_vmem(&devs[i]);
	free(devs);
	return rc;
}

#define RESIZE_WAIT 1u

static int resize_f(struct ctx *c, int argc, char **argv, unsigned int flags)
{
	struct json_object *args, *ret = NULL;
	struct vmem dev;
	uint64_t size;
	double start, elapsed;
	int rc;

	(void)argc;
	rc = resolve_device(c, &dev);
	if (!rc)
		rc = check_size("resize", argv[0], &dev, &size);
	if (rc)
		return rc;
	args = qom_args(dev.id, "requested-size");
	json_object_object_add(args, "value", json_object_new_uint64(size));
	start = now();
	rc = qmp_call(c, "qom-set", args, &ret);
	json_object_put(ret);
	if (rc)
		return rc;
	if (!(flags & RESIZE_WAIT)) {
		if (!c->quiet)
			printf("resize: %s requested-size %" PRIu64 " -> %" PRIu64 " bytes\n",
			       dev.id, dev.requested_size, size);
		return EXIT_OK;
	}
	rc = wait_size(c, "resize", &dev, size, start, &elapsed);
	if (!rc && !c->quiet)
		printf("resize: %s %" PRIu64 " -> %" PRIu64 " bytes in %.3f s\n",
		       dev.id, dev.size, size, elapsed);
	return rc;
}

static int get_f(struct ctx *c, int argc, char **argv, unsigned int flags)
{
	struct json_object *ret = NULL;
	struct vmem dev;
	int rc;

	(void)argc, (void)flags;
	rc = resolve_device(c, &dev);
	if (!rc)
		rc = qmp_call(c, "qom-get", qom_args(dev.id, argv[0]), &ret);
	if (!rc)
		printf("%s\n", jstr(ret));
	json_object_put(ret);
	return rc;
}

static int wait_size_f(struct ctx *c, int argc, char **argv, unsigned int flags)
{
	struct vmem dev;
	uint64_t size;
	double elapsed;
	int rc;

	(void)argc, (void)flags;
	rc = resolve_device(c, &dev);
	if (!rc)
		rc = check_size("wait-size", argv[0], &dev, &size);
	if (!rc)
		rc = wait_size(c, "wait-size", &dev, size, now(), &elapsed);
	if (!rc && !c->quiet)
		printf("%.3f\n", elapsed);
	return rc;
}

/* Print @ev if it is a size change of the watched device; return true if so. */
static bool print_size_event(struct ctx *c, struct json_object *ev)
{
	struct json_object *data;
	const char *name = get_str(ev, "event"), *id, *path;
	uint64_t size;

	if (!name || strcmp(name, "MEMORY_DEVICE_SIZE_CHANGE") ||
	    !json_object_object_get_ex(ev, "data", &data) ||
	    !get_u64(data, "size", &size))
		return false;
	id = get_str(data, "id");
	path = get_str(data, "qom-path");
	if (c->device && (!id || strcmp(id, c->device)))
		return false;
	printf("event id=%s size=%" PRIu64 " qom-path=%s\n", id ? id : "-", size,
	       path ? path : "-");
	fflush(stdout);
	return true;
}

/*
 * watch: stashed events first, then new ones until COUNT or the timeout.
 * Without COUNT, reaching the timeout is the normal end (exit 0); with COUNT,
 * it is a failure (exit 5).
 */
static int watch_f(struct ctx *c, int argc, char **argv, unsigned int flags)
{
	struct json_object *m;
	struct vmem dev;
	unsigned long count = 0, seen = 0;
	double deadline;
	int rc = EXIT_OK;

	(void)flags;
	if (argc)	/* checked by count_syntax() */
		count = strtoul(argv[0], NULL, 10);
	if (c->device)
		rc = resolve_device(c, &dev);
	deadline = now() + c->timeout;
	while (!rc && (!count || seen < count)) {
		m = unstash_event(c->qmp);
		if (!m)
			rc = qmp_read(c->qmp, deadline, "while watching for events", &m);
		if (rc)
			break;
		if (print_size_event(c, m))
			seen++;
		else if (!is_event(m))
			err("warning: watch: ignoring unexpected message %s", jstr(m));
		json_object_put(m);
	}
	if (rc == EXIT_TIMEOUT && !count)
		return EXIT_OK;
	if (rc == EXIT_TIMEOUT)
		err("watch: timed out after %.3f s with %lu of %lu MEMORY_DEVICE_SIZE_CHANGE events",
		    c->timeout, seen, count);
	return rc;
}

static int qmp_f(struct ctx *c, int argc, char **argv, unsigned int flags)
{
	struct json_object *req, *ret = NULL;
	enum json_tokener_error jerr;
	int rc;

	(void)argc, (void)flags;
	req = json_tokener_parse_verbose(argv[0], &jerr);
	if (!req || !json_object_is_type(req, json_type_object) ||
	    !get_str(req, "execute")) {
		err("qmp: argument '%s' is not a JSON object with an \"execute\" member%s%s",
		    argv[0], req ? "" : ": ", req ? "" : json_tokener_error_desc(jerr));
		json_object_put(req);
		return EXIT_USAGE;
	}
	rc = qmp_exec(c->qmp, req, c->timeout, &ret);
	if (!rc)
		printf("%s\n", jstr(ret));
	json_object_put(ret);
	return rc;
}

static int help_f(struct ctx *c, int argc, char **argv, unsigned int flags);

/* SIZE must parse before QEMU is asked anything (exit 4, as check_size()). */
static int size_syntax(const struct cmd *ct, int argc, char **argv)
{
	uint64_t size;

	if (argc && !parse_size(argv[0], &size)) {
		err("%s: invalid size '%s': expected bytes with an optional K, M, G or T suffix (e.g. 512M)",
		    ct->name, argv[0]);
		return EXIT_INVALID;
	}
	return EXIT_OK;
}

static int count_syntax(const struct cmd *ct, int argc, char **argv)
{
	unsigned long count;
	char *end;

	if (!argc)
		return EXIT_OK;
	errno = 0;
	count = strtoul(argv[0], &end, 10);
	if (errno || *end || !count || !isdigit((unsigned char)*argv[0])) {
		err("%s: invalid event count '%s': expected a positive integer",
		    ct->name, argv[0]);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

static const struct cmd cmds[] = {
	{ "status", status_f, 0, 0, { NULL }, "",
	  "one line per virtio-mem device (only -d ID, if given)",
	  "Prints id=ID node=N block-size=B requested-size=R size=S max-size=M,\n"
	  "all in bytes, decimal.", true, NULL },
	{ "resize", resize_f, 1, 1, { "--wait" }, "SIZE [--wait]",
	  "set requested-size; --wait polls size until it matches",
	  "SIZE must parse, be a multiple of block-size and not exceed max-size\n"
	  "(else exit 4, nothing sent).  Prints 'resize: ID requested-size OLD -> NEW\n"
	  "bytes'; with --wait, polls qom-get size until it equals SIZE and prints\n"
	  "'resize: ID OLD -> NEW bytes in X.XXX s' (OLD is the plugged size), or\n"
	  "exits 5 after -t seconds.  -q prints nothing on success.", true,
	  size_syntax },
	{ "get", get_f, 1, 1, { NULL }, "PROP",
	  "print a device property (qom-get) as raw JSON", NULL, true, NULL },
	{ "wait-size", wait_size_f, 1, 1, { NULL }, "SIZE",
	  "wait until size equals SIZE, print elapsed seconds",
	  "Exits 5 if size does not reach SIZE within -t seconds.", true,
	  size_syntax },
	{ "watch", watch_f, 0, 1, { NULL }, "[COUNT]",
	  "print MEMORY_DEVICE_SIZE_CHANGE events as they arrive",
	  "Prints 'event id=ID size=S qom-path=P' per event (only those of -d ID, if\n"
	  "given), events seen by earlier '+' commands first.  With COUNT, stops\n"
	  "after COUNT events (exit 0) or exits 5 after -t seconds; without COUNT,\n"
	  "watches for -t seconds and exits 0.", true, count_syntax },
	{ "qmp", qmp_f, 1, 1, { NULL }, "JSON",
	  "send a raw QMP command object, print its \"return\" as JSON",
	  "Its \"id\" is replaced.  An error reply exits 3.", true, NULL },
	{ "help", help_f, 0, 1, { NULL }, "[COMMAND]",
	  "show this help, or the help of COMMAND", NULL, false, NULL },
};

#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

/* One table gives getopt_long(), the short option string and the usage text. */
static const struct opt {
	struct option lo;
	const char *arg, *help;
} opts[] = {
	{ { "socket", required_argument, NULL, 's' }, "PATH",
	  "QMP unix socket (default: $VMEMCTL_SOCKET)" },
	{ { "device", required_argument, NULL, 'd' }, "ID",
	  "virtio-mem device id (default: the only one)" },
	{ { "timeout", required_argument, NULL, 't' }, "SECS",
	  "bound on every reply and wait (default: 60)" },
	{ { "quiet", no_argument, NULL, 'q' }, "",
	  "print nothing on success for resize and wait-size" },
	{ { "help", no_argument, NULL, 'h' }, "", "show this help" },
};

#define NOPTS (sizeof(opts) / sizeof(opts[0]))

static const struct cmd *find_cmd(const char *name)
{
	size_t i;

	for (i = 0; i < NCMDS; i++)
		if (!strcmp(cmds[i].name, name))
			return &cmds[i];
	return NULL;
}

static void cmd_usage(FILE *f, const struct cmd *ct)
{
	char head[64];

	snprintf(head, sizeof(head), "%s %s", ct->name, ct->synopsis);
	fprintf(f, "  %-22s %s\n", head, ct->help);
}

static void usage(FILE *f)
{
	char head[64];
	size_t i;

	fprintf(f, "Usage: %s [OPTIONS] COMMAND [ARGS] [+ COMMAND [ARGS]]...\n"
		"Drive QEMU virtio-mem devices over QMP.  Commands joined by a lone '+'\n"
		"share one QMP connection; events seen by one are kept for 'watch'.\n\n"
		"Options:\n", prog);
	for (i = 0; i < NOPTS; i++) {
		snprintf(head, sizeof(head), "-%c, --%s%s%s", opts[i].lo.val,
			 opts[i].lo.name, *opts[i].arg ? " " : "", opts[i].arg);
		fprintf(f, "  %-22s %s\n", head, opts[i].help);
	}
	fprintf(f, "\nCommands:\n");
	for (i = 0; i < NCMDS; i++)
		cmd_usage(f, &cmds[i]);
	fprintf(f, "\nSIZE is bytes with an optional binary suffix: 0, 64K, 512M, 4G, 2GiB.\n"
		"The device's QOM path is /machine/peripheral/ID.\n\n"
		"Exit codes: 0 ok, 1 usage error, 2 connection or I/O error,\n"
		"3 QMP error reply, 4 invalid size or device, 5 timeout.\n");
}

static int help_f(struct ctx *c, int argc, char **argv, unsigned int flags)
{
	const struct cmd *ct;

	(void)c, (void)flags;
	if (!argc) {
		usage(stdout);
		return EXIT_OK;
	}
	ct = find_cmd(argv[0]);
	if (!ct) {
		err("help: unknown command '%s'; try '%s help'", argv[0], prog);
		return EXIT_USAGE;
	}
	cmd_usage(stdout, ct);
	if (ct->details)
		printf("\n%s\n", ct->details);
	return EXIT_OK;
}

/*
 * run_cmd() - check the argument counts and flags of one command, connect if
 * it needs QMP, and call its handler.  Flags are removed from argv in place.
 */
static int run_cmd(struct ctx *c, int argc, char **argv)
{
	const struct cmd *ct = find_cmd(argv[0]);
	unsigned int flags = 0, k;
	int i, npos = 0;

	if (!ct) {
		err("unknown command '%s'; try '%s help'", argv[0], prog);
		return EXIT_USAGE;
	}
	for (i = 1; i < argc; i++) {
		if (strncmp(argv[i], "--", 2)) {
			argv[1 + npos++] = argv[i];
			continue;
		}
		for (k = 0; k < 2 && ct->flags[k] && strcmp(ct->flags[k], argv[i]); k++)
			;
		if (k == 2 || !ct->flags[k]) {
			err("%s: unknown option '%s'; usage:", ct->name, argv[i]);
			cmd_usage(stderr, ct);
			return EXIT_USAGE;
		}
		flags |= 1u << k;
	}
	if (npos < ct->argmin || npos > ct->argmax) {
		err("%s: expected %d to %d arguments, got %d; usage:", ct->name,
		    ct->argmin, ct->argmax, npos);
		cmd_usage(stderr, ct);
		return EXIT_USAGE;
	}
	if (ct->syntax) {
		i = ct->syntax(ct, npos, argv + 1);
		if (i)
			return i;
	}
	if (ct->needs_qmp && !c->qmp) {
		if (!c->socket) {
			err("%s: no QMP socket: use -s PATH or set VMEMCTL_SOCKET", ct->name);
			return EXIT_USAGE;
		}
		i = qmp_open(c);
		if (i)
			return i;
	}
	return ct->handler(c, npos, argv + 1, flags);
}

static int parse_options(struct ctx *c, int argc, char **argv)
{
	struct option lo[NOPTS + 1] = { { 0 } };
	char shorts[2 * NOPTS + 2] = "+", *p = shorts + 1, *end;
	size_t i;
	int ch;

	for (i = 0; i < NOPTS; i++) {
		lo[i] = opts[i].lo;
		*p++ = (char)opts[i].lo.val;
		if (opts[i].lo.has_arg)
			*p++ = ':';
	}
	while ((ch = getopt_long(argc, argv, shorts, lo, NULL)) != -1) {
		switch (ch) {
		case 's':
			c->socket = optarg;
			break;
		case 'd':
			c->device = optarg;
			break;
		case 't':
			c->timeout = strtod(optarg, &end);
			if (*end || end == optarg || !(c->timeout > 0 && c->timeout < 1e6)) {
				err("invalid timeout '%s': expected seconds, more than 0 and less than 1000000",
				    optarg);
				return EXIT_USAGE;
			}
			break;
		case 'q':
			c->quiet = true;
			break;
		case 'h':
			usage(stdout);
			exit(EXIT_OK);
		default:
			fprintf(stderr, "Try '%s --help'.\n", prog);
			return EXIT_USAGE;
		}
	}
	if (optind == argc) {
		err("no command given; try '%s --help'", prog);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	struct ctx c = { .socket = getenv("VMEMCTL_SOCKET"), .timeout = DEFAULT_TIMEOUT };
	int rc, i, first;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (c.socket && !*c.socket)
		c.socket = NULL;
	rc = parse_options(&c, argc, argv);
	/* Run each "+"-separated command in turn; stop at the first failure. */
	for (first = optind, i = optind; !rc && i <= argc; i++) {
		if (i < argc && strcmp(argv[i], "+"))
			continue;
		if (i == first) {
			err("empty command around '+'; try '%s --help'", prog);
			rc = EXIT_USAGE;
			break;
		}
		if (i < argc)
			argv[i] = NULL;
		rc = run_cmd(&c, i - first, argv + first);
		first = i + 1;
	}
	qmp_close(c.qmp);
	json_object_put(c.devs_reply);
	return rc;
}
