/*
 * fake-qmp - replay a QMP server transcript over a unix socket, for testing
 * vmemctl without QEMU.
 *
 *   fake-qmp SOCKET TRANSCRIPT
 *
 * The socket is bound under a temporary name and renamed to SOCKET once it
 * listens, so a client that sees SOCKET can connect.  One client is served.
 * The transcript is read line by line:
 *
 *   # text        comment; blank lines are ignored too
 *   expect NAME   read one JSON object from the client; its "execute" must be
 *                 NAME.  Its "id" is remembered for @ID@.
 *   send TEXT     write TEXT plus CRLF in one write(); "\n" in TEXT becomes a
 *                 CRLF, so one write can carry several messages
 *   part TEXT     write TEXT as is, for a message split across writes
 *   sleep MS      pause, so the client sees separate reads
 *   close         close the connection and stop (a truncated stream when it
 *                 follows a part)
 *
 * @ID@ in TEXT is replaced by the remembered id.  At the end of the transcript
 * the client must close the connection without sending anything more.
 *
 * Exit status: 0 transcript played, 1 the client deviated from it (message on
 * stderr naming the transcript line), 2 usage or system error.  An alarm ends
 * the process after 30 s in any case.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

static const char *script;
static unsigned int lineno;

static void die(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));
static void die(int status, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fake-qmp: %s:%u: ", script, lineno);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(status);
}

static int listen_at(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char tmp[sizeof(sa.sun_path)];
	int fd;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		die(2, "socket path '%s' too long", path);
	strcpy(sa.sun_path, tmp);
	unlink(tmp);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 1))
		die(2, "cannot listen on '%s': %s", tmp, strerror(errno));
	if (rename(tmp, path))
		die(2, "cannot rename '%s' to '%s': %s", tmp, path, strerror(errno));
	return fd;
}

/* Read one JSON object from the client, byte by byte; NULL on EOF. */
static struct json_object *read_command(int fd)
{
	json_tokener *tok = json_tokener_new();
	struct json_object *o = NULL;
	enum json_tokener_error jerr = json_tokener_continue;
	char ch;
	ssize_t n = 0;

	while (jerr == json_tokener_continue) {
		n = read(fd, &ch, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		o = json_tokener_parse_ex(tok, &ch, 1);
		jerr = json_tokener_get_error(tok);
	}
	json_tokener_free(tok);
	if (n > 0 && jerr != json_tokener_success)
		die(1, "client sent malformed JSON: %s", json_tokener_error_desc(jerr));
	return o;
}

static void expect(int fd, const char *name, char *id, size_t idlen)
{
	struct json_object *cmd = read_command(fd), *v;
	const char *got;

	if (!cmd)
		die(1, "client closed the connection; expected command '%s'", name);
	got = json_object_object_get_ex(cmd, "execute", &v) ? json_object_get_string(v) : "";
	if (strcmp(got, name))
		die(1, "expected command '%s', client sent %s", name,
		    json_object_to_json_string(cmd));
	snprintf(id, idlen, "%s", json_object_object_get_ex(cmd, "id", &v) ?
		 json_object_to_json_string(v) : "null");
	json_object_put(cmd);
}

/* Expand "\n" to CRLF and @ID@ to @id; append CRLF if @crlf. */
static void send_text(int fd, const char *text, const char *id, int crlf)
{
	char out[8192];
	size_t len = 0;

	while (*text && len + strlen(id) + 3 < sizeof(out)) {
		if (!strncmp(text, "\\n", 2)) {
			memcpy(out + len, "\r\n", 2);
			len += 2, text += 2;
		} else if (!strncmp(text, "@ID@", 4)) {
			memcpy(out + len, id, strlen(id));
			len += strlen(id), text += 4;
		} else {
			out[len++] = *text++;
		}
	}
	if (*text)
		die(2, "line too long");
	if (crlf) {
		memcpy(out + len, "\r\n", 2);
		len += 2;
	}
	if (send(fd, out, len, MSG_NOSIGNAL) != (ssize_t)len)
		die(1, "write to client failed: %s", strerror(errno));
}

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = ms % 1000 * 1000000 };

	nanosleep(&ts, NULL);
}

int main(int argc, char **argv)
{
	char line[8192], id[256] = "null", *arg, *nl;
	struct json_object *extra;
	FILE *f;
	int lfd, fd;

	if (argc != 3) {
		fprintf(stderr, "usage: fake-qmp SOCKET TRANSCRIPT\n");
		return 2;
	}
	script = argv[2];
	alarm(30);
	f = fopen(script, "r");
	if (!f)
		die(2, "cannot open transcript: %s", strerror(errno));
	lfd = listen_at(argv[1]);
	fd = accept(lfd, NULL, NULL);
	if (fd < 0)
		die(2, "accept on '%s': %s", argv[1], strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		arg = strchr(line, ' ');
		if (arg)
			*arg++ = '\0';
		if (!line[0] || line[0] == '#')
			continue;
		if (!strcmp(line, "expect") && arg)
			expect(fd, arg, id, sizeof(id));
		else if (!strcmp(line, "send") && arg)
			send_text(fd, arg, id, 1);
		else if (!strcmp(line, "part") && arg)
			send_text(fd, arg, id, 0);
		else if (!strcmp(line, "sleep") && arg)
			sleep_ms(atol(arg));
		else if (!strcmp(line, "close"))
			return close(fd) ? 2 : 0;
		else
			die(2, "unknown directive '%s'", line);
	}
	lineno++;
	extra = read_command(fd);
	if (extra)
		die(1, "client sent %s after the end of the transcript",
		    json_object_to_json_string(extra));
	return 0;
}
