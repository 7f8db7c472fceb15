/* The GPIO character-device binding: a small Node-API addon over the kernel's GPIO uAPI v2
 * (<linux/gpio.h>, Linux >= 5.10). One line per request; edge events arrive through libuv. */
#define NAPI_VERSION 8
#include <errno.h>
#include <fcntl.h>
#include <linux/gpio.h>
#include <node_api.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <uv.h>

#define CHECK(call)                                                                                \
  do {                                                                                             \
    if ((call) != napi_ok) return NULL;                                                            \
  } while (0)

/* Throw an Error whose code is the errno name (ENOENT, EBUSY, ...) and whose message says what failed. */
static napi_value throw_errno(napi_env env, const char *what, int err) {
  const char *code = "EIO";
  switch (err) {
    case ENOENT: code = "ENOENT"; break;
    case EACCES: code = "EACCES"; break;
    case EPERM: code = "EPERM"; break;
    case EBUSY: code = "EBUSY"; break;
    case EINVAL: code = "EINVAL"; break;
    case ENOTTY: code = "ENOTTY"; break;
    case ENODEV: code = "ENODEV"; break;
    case EBADF: code = "EBADF"; break;
    case EOPNOTSUPP: code = "EOPNOTSUPP"; break;
  }
  char message[256];
  snprintf(message, sizeof message, "%s: %s", what, strerror(err));
  napi_throw_error(env, code, message);
  return NULL;
}

static int get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return -1;
  if (argc < want) {
    napi_throw_type_error(env, "EARGS", "missing arguments");
    return -1;
  }
  return 0;
}

static int get_string(napi_env env, napi_value value, char *out, size_t size) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, value, out, size, &len) != napi_ok) {
    napi_throw_type_error(env, "EARGS", "expected a string");
    return -1;
  }
  return 0;
}

static napi_value make_u32(napi_env env, uint32_t v) {
  napi_value out;
  napi_create_uint32(env, v, &out);
  return out;
}

static napi_value make_str(napi_env env, const char *s) {
  napi_value out;
  napi_create_string_utf8(env, s, strnlen(s, GPIO_MAX_NAME_SIZE), &out);
  return out;
}

/* chipInfo(path) -> { name, label, lines } */
static napi_value chip_info(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  char path[256];
  if (get_args(env, info, 1, argv) || get_string(env, argv[0], path, sizeof path)) return NULL;
  int fd = open(path, O_RDWR | O_CLOEXEC);
  if (fd < 0) return throw_errno(env, path, errno);
  struct gpiochip_info ci;
  memset(&ci, 0, sizeof ci);
  int rc = ioctl(fd, GPIO_GET_CHIPINFO_IOCTL, &ci);
  int err = errno;
  close(fd);
  if (rc < 0) return throw_errno(env, path, err);
  napi_value out;
  CHECK(napi_create_object(env, &out));
  napi_set_named_property(env, out, "name", make_str(env, ci.name));
  napi_set_named_property(env, out, "label", make_str(env, ci.label));
  napi_set_named_property(env, out, "lines", make_u32(env, ci.lines));
  return out;
}

/* requestLine(path, offset, flagsLo, debounceUs, initial, consumer) -> line fd */
static napi_value request_line(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  char path[256], consumer[GPIO_MAX_NAME_SIZE];
  uint32_t offset, flags, debounce_us, initial;
  if (get_args(env, info, 6, argv) || get_string(env, argv[0], path, sizeof path)) return NULL;
  CHECK(napi_get_value_uint32(env, argv[1], &offset));
  CHECK(napi_get_value_uint32(env, argv[2], &flags));
  CHECK(napi_get_value_uint32(env, argv[3], &debounce_us));
  CHECK(napi_get_value_uint32(env, argv[4], &initial));
  if (get_string(env, argv[5], consumer, sizeof consumer)) return NULL;

  struct gpio_v2_line_request req;
  memset(&req, 0, sizeof req);
  req.offsets[0] = offset;
  req.num_lines = 1;
  memcpy(req.consumer, consumer, sizeof consumer);
  req.config.flags = flags;
  if (flags & GPIO_V2_LINE_FLAG_OUTPUT) {
    struct gpio_v2_line_config_attribute *a = &req.config.attrs[req.config.num_attrs++];
    a->attr.id = GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES;
    a->attr.values = initial ? 1 : 0;
    a->mask = 1;
  }
  if (debounce_us > 0) {
    struct gpio_v2_line_config_attribute *a = &req.config.attrs[req.config.num_attrs++];
    a->attr.id = GPIO_V2_LINE_ATTR_ID_DEBOUNCE;
    a->attr.debounce_period_us = debounce_us;
    a->mask = 1;
  }
  int chip = open(path, O_RDWR | O_CLOEXEC);
  if (chip < 0) return throw_errno(env, path, errno);
  int rc = ioctl(chip, GPIO_V2_GET_LINE_IOCTL, &req);
  int err = errno;
  close(chip);
  if (rc < 0) return throw_errno(env, "request line", err);
  return make_u32(env, (uint32_t)req.fd);
}

static napi_value get_value(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  uint32_t fd;
  if (get_args(env, info, 1, argv)) return NULL;
  CHECK(napi_get_value_uint32(env, argv[0], &fd));
  struct gpio_v2_line_values v = {.bits = 0, .mask = 1};
  if (ioctl((int)fd, GPIO_V2_LINE_GET_VALUES_IOCTL, &v) < 0) return throw_errno(env, "get value", errno);
  return make_u32(env, (uint32_t)(v.bits & 1));
}

static napi_value set_value(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  uint32_t fd, value;
  if (get_args(env, info, 2, argv)) return NULL;
  CHECK(napi_get_value_uint32(env, argv[0], &fd));
  CHECK(napi_get_value_uint32(env, argv[1], &value));
  struct gpio_v2_line_values v = {.bits = value ? 1 : 0, .mask = 1};
  if (ioctl((int)fd, GPIO_V2_LINE_SET_VALUES_IOCTL, &v) < 0) return throw_errno(env, "set value", errno);
  return NULL;
}

/* ---- edge events: a uv_poll per watched line; the callback gets (rising, timestampNs) ---- */

typedef struct watcher {
  uv_poll_t poll;
  napi_env env;
  napi_ref callback;
  napi_async_context context;
  int fd;
  struct watcher *next;
} watcher;

static watcher *watchers = NULL;

static void on_closed(uv_handle_t *handle) {
  free(handle->data);
}

static void on_readable(uv_poll_t *poll, int status, int events) {
  watcher *w = poll->data;
  if (status < 0 || !(events & UV_READABLE)) return;
  struct gpio_v2_line_event ev[16];
  ssize_t n = read(w->fd, ev, sizeof ev);
  if (n <= 0) return;
  napi_handle_scope scope;
  if (napi_open_handle_scope(w->env, &scope) != napi_ok) return;
  napi_value cb, recv, argv[2];
  napi_get_reference_value(w->env, w->callback, &cb);
  napi_get_undefined(w->env, &recv);
  for (size_t i = 0; i < (size_t)n / sizeof ev[0]; i++) {
    napi_get_boolean(w->env, ev[i].id == GPIO_V2_LINE_EVENT_RISING_EDGE, &argv[0]);
    napi_create_double(w->env, (double)ev[i].timestamp_ns, &argv[1]);
    napi_value result;
    if (napi_make_callback(w->env, w->context, recv, cb, 2, argv, &result) != napi_ok) {
      /* A throwing listener is the program's fault: hand it to process 'uncaughtException'. */
      napi_value error;
      if (napi_get_and_clear_last_exception(w->env, &error) == napi_ok) napi_fatal_exception(w->env, error);
      break;
    }
  }
  napi_close_handle_scope(w->env, scope);
}

static napi_value watch(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  uint32_t fd;
  if (get_args(env, info, 2, argv)) return NULL;
  CHECK(napi_get_value_uint32(env, argv[0], &fd));
  uv_loop_t *loop;
  CHECK(napi_get_uv_event_loop(env, &loop));
  watcher *w = calloc(1, sizeof *w);
  if (!w) return throw_errno(env, "watch", ENOMEM);
  w->env = env;
  w->fd = (int)fd;
  napi_value name;
  napi_create_string_utf8(env, "gpiod:edge", NAPI_AUTO_LENGTH, &name);
  napi_create_reference(env, argv[1], 1, &w->callback);
  napi_async_init(env, NULL, name, &w->context);
  int rc = uv_poll_init(loop, &w->poll, w->fd);
  if (rc == 0) {
    w->poll.data = w;
    rc = uv_poll_start(&w->poll, UV_READABLE, on_readable);
  }
  if (rc != 0) {
    napi_delete_reference(env, w->callback);
    napi_async_destroy(env, w->context);
    free(w);
    return throw_errno(env, "watch", -rc);
  }
  w->next = watchers;
  watchers = w;
  return NULL;
}

/* release(fd): stop watching and close the line. */
static napi_value release(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  uint32_t fd;
  if (get_args(env, info, 1, argv)) return NULL;
  CHECK(napi_get_value_uint32(env, argv[0], &fd));
  for (watcher **p = &watchers; *p; p = &(*p)->next) {
    watcher *w = *p;
    if (w->fd != (int)fd) continue;
    *p = w->next;
    uv_poll_stop(&w->poll);
    napi_delete_reference(env, w->callback);
    napi_async_destroy(env, w->context);
    uv_close((uv_handle_t *)&w->poll, on_closed);
    break;
  }
  if (close((int)fd) < 0) return throw_errno(env, "release", errno);
  return NULL;
}

static void export_fn(napi_env env, napi_value exports, const char *name, napi_callback fn) {
  napi_value f;
  napi_create_function(env, name, NAPI_AUTO_LENGTH, fn, NULL, &f);
  napi_set_named_property(env, exports, name, f);
}

static void export_u32(napi_env env, napi_value object, const char *name, uint32_t value) {
  napi_set_named_property(env, object, name, make_u32(env, value));
}

static napi_value init(napi_env env, napi_value exports) {
  export_fn(env, exports, "chipInfo", chip_info);
  export_fn(env, exports, "requestLine", request_line);
  export_fn(env, exports, "getValue", get_value);
  export_fn(env, exports, "setValue", set_value);
  export_fn(env, exports, "watch", watch);
  export_fn(env, exports, "release", release);
  napi_value flags;
  napi_create_object(env, &flags);
  export_u32(env, flags, "ACTIVE_LOW", GPIO_V2_LINE_FLAG_ACTIVE_LOW);
  export_u32(env, flags, "INPUT", GPIO_V2_LINE_FLAG_INPUT);
  export_u32(env, flags, "OUTPUT", GPIO_V2_LINE_FLAG_OUTPUT);
  export_u32(env, flags, "EDGE_RISING", GPIO_V2_LINE_FLAG_EDGE_RISING);
  export_u32(env, flags, "EDGE_FALLING", GPIO_V2_LINE_FLAG_EDGE_FALLING);
  export_u32(env, flags, "BIAS_PULL_UP", GPIO_V2_LINE_FLAG_BIAS_PULL_UP);
  export_u32(env, flags, "BIAS_PULL_DOWN", GPIO_V2_LINE_FLAG_BIAS_PULL_DOWN);
  export_u32(env, flags, "BIAS_DISABLED", GPIO_V2_LINE_FLAG_BIAS_DISABLED);
  napi_set_named_property(env, exports, "flags", flags);
  export_u32(env, exports, "uapi", 2);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
