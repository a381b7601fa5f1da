/*
 * One round trip through each kind of proxy the SDK speaks (http:// and https:// with a CONNECT
 * tunnel, socks5://), each requiring the credentials in the proxy URL. The proxy is
 * authcloud-test-proxy (tests/proxy), a real process started here: it prints its URL, then one
 * line per tunnel it opened, and exits when its stdin closes. `make test-c` builds it and names it
 * in AUTHCLOUD_TEST_PROXY; without it (a suite run against a release only) these tests are skipped.
 */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define PROXY_USER "relay"
#define PROXY_PASSWORD "s3cret-proxy-pass"

struct proxy {
  pid_t pid;
  int to_proxy;     /* its stdin: closing it stops the proxy */
  FILE *from_proxy; /* its stdout: the URL, then one line per event */
};

/* Reads one line without its newline into `line`; false at end of output. */
static bool next_line(struct proxy *proxy, char *line, size_t size) {
  if (fgets(line, (int)size, proxy->from_proxy) == NULL) return false;
  line[strcspn(line, "\r\n")] = '\0';
  return true;
}

static bool start_proxy(const char *program, const char *kind, const char *ca_file, struct proxy *proxy) {
  int in[2], out[2];
  if (pipe(in) != 0) return false;
  if (pipe(out) != 0) {
    close(in[0]);
    close(in[1]);
    return false;
  }
  pid_t pid = fork();
  if (pid == 0) {
    dup2(in[0], STDIN_FILENO);
    dup2(out[1], STDOUT_FILENO);
    close(in[0]);
    close(in[1]);
    close(out[0]);
    close(out[1]);
    execl(program, program, "--kind", kind, "--user", PROXY_USER, "--password", PROXY_PASSWORD, "--ca-file", ca_file,
          (char *)NULL);
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  if (pid < 0) {
    close(in[1]);
    close(out[0]);
    return false;
  }
  proxy->pid = pid;
  proxy->to_proxy = in[1];
  proxy->from_proxy = fdopen(out[0], "r");
  if (proxy->from_proxy == NULL) close(out[0]);
  return proxy->from_proxy != NULL;
}

static void stop_proxy(struct proxy *proxy) {
  close(proxy->to_proxy);
  if (proxy->from_proxy != NULL) fclose(proxy->from_proxy);
  int status = 0;
  waitpid(proxy->pid, &status, 0);
}

static void round_trip_through(void *arg) {
  const char *kind = arg;
  const char *program = getenv("AUTHCLOUD_TEST_PROXY");
  char ca_file[] = "/tmp/nevis-c-proxy-ca-XXXXXX";
  int ca_fd = mkstemp(ca_file);
  CHECK(ca_fd >= 0);
  if (ca_fd < 0) return;
  close(ca_fd);
  struct proxy proxy = {0};
  bool started = start_proxy(program, kind, ca_file, &proxy);
  CHECK(started);
  char url[256] = "", event[512] = "";
  if (started && next_line(&proxy, url, sizeof url)) {
    /* scheme://127.0.0.1:port -> scheme://user:password@127.0.0.1:port */
    const char *rest = strstr(url, "://");
    CHECK(rest != NULL && strncmp(url, kind, strlen(kind)) == 0);
    char proxy_url[320];
    snprintf(proxy_url, sizeof proxy_url, "%s://" PROXY_USER ":" PROXY_PASSWORD "@%s", kind,
             rest != NULL ? rest + 3 : "");
    /* The API's CA and, for an https:// proxy, the proxy's: both are verified the same way. */
    char *proxy_ca = strcmp(kind, "https") == 0 ? read_whole_file(ca_file) : NULL;
    struct text pem = {0};
    text_add(&pem, "%s%s", sim_ca_pem(), proxy_ca != NULL ? proxy_ca : "");
    free(proxy_ca);
    nevis_client_options opts = sim_options();
    opts.proxy = proxy_url;
    opts.ca_pem = pem.data;
    nevis_client *client = new_client(&opts);
    CHECK_OK(nevis_client_ping(client));
    nevis_client_free(client);
    free(pem.data);
    CHECK(next_line(&proxy, event, sizeof event));
    /* SOCKS5: the proxy got the name, not an address (it resolves it, like socks5h). */
    char expected[320];
    const char *host = strstr(sim_base_url(), "://") + 3;
    snprintf(expected, sizeof expected, "%s %s", strcmp(kind, "socks5") == 0 ? "socks domain" : "tunnel", host);
    if (strcmp(event, expected) != 0) fprintf(stderr, "    proxy said %s, expected %s\n", event, expected);
    CHECK(strcmp(event, expected) == 0);
  } else {
    CHECK(!"the proxy printed its URL");
  }
  if (started) stop_proxy(&proxy);
  unlink(ca_file);
}

void proxy_tests(void) {
  const char *program = getenv("AUTHCLOUD_TEST_PROXY");
  if (program == NULL || access(program, X_OK) != 0) {
    printf("# skipped: proxies (AUTHCLOUD_TEST_PROXY names no test proxy)\n");
    return;
  }
  run_test_with("a round trip through an http:// proxy with credentials", round_trip_through, "http");
  run_test_with("a round trip through an https:// proxy with credentials", round_trip_through, "https");
  run_test_with("a round trip through a socks5:// proxy with credentials", round_trip_through, "socks5");
}
