/*===- Profile.c - time a model's runs per profiling region ---------------===*
 *
 * A model library calls its exported hook variable around every region
 * (ModelABI.h). The runtime installs one hook for all libraries, once, and
 * records only on a thread that is inside dsk_model_profile: the hook reads
 * a thread-local pointer to the profile being recorded, so other threads'
 * runs, of this model or another, pass straight through.
 *
 *===----------------------------------------------------------------------===*/

#include "RuntimeInternal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* One call of a region. */
typedef struct profile_event {
  int32_t region;
  int32_t run;
  uint64_t begin_ns;
  uint64_t end_ns;
} profile_event;

struct dsk_profile {
  const dsk_model *model;
  int runs;
  uint64_t *run_begin_ns; /* `runs` entries each */
  uint64_t *run_end_ns;
  profile_event *events;
  size_t num_events;
  size_t capacity;
  /* Per region, in region order: its calls and time so far. */
  dsk_region_time *totals;
  /* Recording state: the run being timed, the region open since
   * open_begin_ns (-1: none), and whether an event was lost (out of memory
   * or a region that ended without beginning). */
  int32_t current_run;
  int32_t open_region;
  uint64_t open_begin_ns;
  int lost_events;
};

static _Thread_local dsk_profile *recording;

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static double ms_between(uint64_t begin_ns, uint64_t end_ns) {
  return (double)(end_ns - begin_ns) / 1e6;
}

static void profile_hook(int region, int phase) {
  dsk_profile *p = recording;
  if (!p)
    return;
  uint64_t now = now_ns();
  if (phase == 0) {
    p->open_region = region;
    p->open_begin_ns = now;
    return;
  }
  if (region != p->open_region || region < 0 ||
      (size_t)region >= p->model->num_regions) {
    p->lost_events = 1;
    return;
  }
  p->open_region = -1;
  if (p->num_events == p->capacity) {
    size_t capacity = p->capacity * 2;
    profile_event *grown = realloc(p->events, capacity * sizeof(*grown));
    if (!grown) {
      p->lost_events = 1;
      return;
    }
    p->events = grown;
    p->capacity = capacity;
  }
  p->events[p->num_events++] =
      (profile_event){region, p->current_run, p->open_begin_ns, now};
  ++p->totals[region].calls;
  p->totals[region].total_ms += ms_between(p->open_begin_ns, now);
}

DSK_API size_t dsk_model_num_regions(const dsk_model *model) {
  return model ? model->num_regions : 0;
}

DSK_API dsk_status dsk_model_region_info(const dsk_model *model, size_t index,
                                         dsk_region_info *info,
                                         dsk_error *err) {
  if (!model || !info)
    return dsk_set_error(err, DSK_ERROR_INVALID_ARGUMENT,
                         "dsk_model_region_info: %s is NULL",
                         model ? "info" : "model");
  if (index >= model->num_regions)
    return dsk_set_error(err, DSK_ERROR_INVALID_ARGUMENT,
                         "%s has %zu profiling regions; there is no region %zu",
                         model->path, model->num_regions, index);
  *info = model->regions[index];
  return dsk_set_ok(err);
}

DSK_API void dsk_profile_free(dsk_profile *profile) {
  if (!profile)
    return;
  free(profile->run_begin_ns);
  free(profile->run_end_ns);
  free(profile->events);
  free(profile->totals);
  free(profile);
}

static dsk_profile *new_profile(const dsk_model *model, int runs) {
  dsk_profile *p = calloc(1, sizeof(*p));
  if (!p)
    return NULL;
  p->model = model;
  p->runs = runs;
  p->open_region = -1;
  p->capacity = model->num_regions * (size_t)runs + 16;
  p->run_begin_ns = calloc((size_t)runs, sizeof(uint64_t));
  p->run_end_ns = calloc((size_t)runs, sizeof(uint64_t));
  p->events = malloc(p->capacity * sizeof(profile_event));
  p->totals = calloc(model->num_regions ? model->num_regions : 1,
                     sizeof(dsk_region_time));
  if (!p->run_begin_ns || !p->run_end_ns || !p->events || !p->totals) {
    dsk_profile_free(p);
    return NULL;
  }
  return p;
}

DSK_API dsk_status dsk_model_profile(const dsk_model *model,
                                     const dsk_tensor *inputs,
                                     size_t num_inputs, dsk_tensor *outputs,
                                     size_t num_outputs, int runs,
                                     dsk_profile **profile, dsk_error *err) {
  if (!model || !profile)
    return dsk_set_error(err, DSK_ERROR_INVALID_ARGUMENT,
                         "dsk_model_profile: %s is NULL",
                         model ? "profile" : "model");
  *profile = NULL;
  if (runs < 1)
    return dsk_set_error(err, DSK_ERROR_INVALID_ARGUMENT,
                         "dsk_model_profile: runs must be at least 1, got %d",
                         runs);
  if (!model->profile_hook)
    return dsk_set_error(err, DSK_ERROR_INVALID_ARGUMENT,
                         "%s has no profiling regions (compiled with "
                         "--profile-regions=false, or by an older dsk)",
                         model->path);
  dsk_profile *p = new_profile(model, runs);
  if (!p)
    return dsk_set_error(err, DSK_ERROR_INVALID_ARGUMENT,
                         "%s: out of memory for a profile of %d runs",
                         model->path, runs);
  /* Every library's variable gets the same hook and keeps it: a store that
   * concurrent runs may observe at any point, hence atomic. */
  __atomic_store_n(model->profile_hook, profile_hook, __ATOMIC_RELEASE);

  dsk_status st = dsk_model_run(model, inputs, num_inputs, outputs, num_outputs,
                                err); /* warm-up */
  for (int run = 0; run < runs && st == DSK_OK; ++run) {
    p->current_run = run;
    recording = p;
    p->run_begin_ns[run] = now_ns();
    st = dsk_model_run(model, inputs, num_inputs, outputs, num_outputs, err);
    p->run_end_ns[run] = now_ns();
    recording = NULL;
  }
  if (st == DSK_OK && p->lost_events)
    st = dsk_set_error(err, DSK_ERROR_INVALID_ARGUMENT,
                       "%s: the profile lost events (out of memory, or the "
                       "library's region marks do not pair up)",
                       model->path);
  if (st != DSK_OK) {
    dsk_profile_free(p);
    return st;
  }
  *profile = p;
  return st;
}

DSK_API int dsk_profile_num_runs(const dsk_profile *profile) {
  return profile ? profile->runs : 0;
}

DSK_API double dsk_profile_run_ms(const dsk_profile *profile, int run) {
  if (!profile || run < 0 || run >= profile->runs)
    return -1;
  return ms_between(profile->run_begin_ns[run], profile->run_end_ns[run]);
}

DSK_API dsk_status dsk_profile_region_time(const dsk_profile *profile,
                                           size_t region, dsk_region_time *time,
                                           dsk_error *err) {
  if (!profile || !time)
    return dsk_set_error(err, DSK_ERROR_INVALID_ARGUMENT,
                         "dsk_profile_region_time: %s is NULL",
                         profile ? "time" : "profile");
  if (region >= profile->model->num_regions)
    return dsk_set_error(err, DSK_ERROR_INVALID_ARGUMENT,
                         "%s has %zu profiling regions; there is no region %zu",
                         profile->model->path, profile->model->num_regions,
                         region);
  *time = profile->totals[region];
  return dsk_set_ok(err);
}

/* A snprintf-style writer: keeps what fits in `buf`, counts everything. */
typedef struct text_out {
  char *buf;
  size_t size;
  size_t len;
} text_out;

static void put(text_out *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void put(text_out *out, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  size_t room = out->len < out->size ? out->size - out->len : 0;
  int n = vsnprintf(room ? out->buf + out->len : NULL, room, fmt, ap);
  va_end(ap);
  if (n > 0)
    out->len += (size_t)n;
}

typedef struct ranked_region {
  size_t index;
  dsk_region_time time;
} ranked_region;

static int by_time_descending(const void *a, const void *b) {
  const ranked_region *x = a, *y = b;
  if (x->time.total_ms != y->time.total_ms)
    return x->time.total_ms < y->time.total_ms ? 1 : -1;
  return x->index < y->index ? -1 : x->index > y->index;
}

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median_run_ms(const dsk_profile *profile) {
  double *times = malloc((size_t)profile->runs * sizeof(double));
  if (!times)
    return dsk_profile_run_ms(profile, 0);
  for (int i = 0; i < profile->runs; ++i)
    times[i] = dsk_profile_run_ms(profile, i);
  qsort(times, (size_t)profile->runs, sizeof(double), by_value);
  int mid = profile->runs / 2;
  double median =
      profile->runs % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2;
  free(times);
  return median;
}

static const char *or_dash(const char *text) { return *text ? text : "-"; }

/* The table's text columns. */
typedef enum column { COLUMN_OP, COLUMN_KERNEL, COLUMN_NODE } column;

static const char *column_text(const dsk_region_info *region, column c) {
  switch (c) {
  case COLUMN_OP:
    return region->op;
  case COLUMN_KERNEL:
    return or_dash(region->kernel);
  case COLUMN_NODE:
    return or_dash(region->node);
  }
  return "";
}

/* The width of column `c` over the regions that ran, at least that of
 * `title`, at most 48 (longer texts overflow their column). */
static int column_width(const dsk_model *model, const ranked_region *ranked,
                        size_t count, column c, const char *title) {
  size_t width = strlen(title);
  for (size_t i = 0; i < count; ++i) {
    size_t len = strlen(column_text(&model->regions[ranked[i].index], c));
    width = len > width ? len : width;
  }
  return (int)(width < 48 ? width : 48);
}

DSK_API size_t dsk_profile_format_table(const dsk_profile *profile,
                                        char *buffer, size_t size) {
  text_out out = {buffer, buffer ? size : 0, 0};
  if (out.size)
    buffer[0] = '\0';
  if (!profile)
    return 0;
  const dsk_model *model = profile->model;
  const dsk_region_time *totals = profile->totals;
  ranked_region *ranked =
      calloc(model->num_regions ? model->num_regions : 1, sizeof(*ranked));
  if (!ranked) {
    put(&out, "out of memory for the profile's table\n");
    return out.len;
  }
  size_t count = 0;
  double region_ms = 0, run_ms = 0;
  for (size_t i = 0; i < model->num_regions; ++i) {
    region_ms += totals[i].total_ms;
    if (totals[i].calls > 0)
      ranked[count++] = (ranked_region){i, totals[i]};
  }
  for (int i = 0; i < profile->runs; ++i)
    run_ms += dsk_profile_run_ms(profile, i);
  qsort(ranked, count, sizeof(*ranked), by_time_descending);

  double runs = profile->runs;
  put(&out,
      "%d runs, median %.4g ms; the %zu regions that ran take %.1f%% of the "
      "run time (the rest: calls, checks, between ops)\n",
      profile->runs, median_run_ms(profile), count,
      run_ms > 0 ? 100 * region_ms / run_ms : 0.0);
  int op_width = column_width(model, ranked, count, COLUMN_OP, "op");
  int kernel_width =
      column_width(model, ranked, count, COLUMN_KERNEL, "kernel");
  int node_width = column_width(model, ranked, count, COLUMN_NODE, "node");
  put(&out, "%10s %6s %6s  %-*s  %-*s  %-*s  %s\n", "ms/run", "share", "calls",
      op_width, "op", kernel_width, "kernel", node_width, "node", "shapes");
  for (size_t i = 0; i < count; ++i) {
    const dsk_region_info *r = &model->regions[ranked[i].index];
    const dsk_region_time *t = &ranked[i].time;
    put(&out, "%10.4f %5.1f%% %6.4g  %-*s  %-*s  %-*s  %s\n",
        t->total_ms / runs, run_ms > 0 ? 100 * t->total_ms / run_ms : 0.0,
        (double)t->calls / runs, op_width, column_text(r, COLUMN_OP),
        kernel_width, column_text(r, COLUMN_KERNEL), node_width,
        column_text(r, COLUMN_NODE), r->shapes);
  }
  free(ranked);
  return out.len;
}

/* Writes `text` as a JSON string. */
static void put_json_string(FILE *f, const char *text) {
  fputc('"', f);
  for (const unsigned char *c = (const unsigned char *)text; *c; ++c) {
    if (*c == '"' || *c == '\\')
      fprintf(f, "\\%c", *c);
    else if (*c < 0x20)
      fprintf(f, "\\u%04x", *c);
    else
      fputc(*c, f);
  }
  fputc('"', f);
}

DSK_API dsk_status dsk_profile_write_trace(const dsk_profile *profile,
                                           const char *path, dsk_error *err) {
  if (!profile || !path)
    return dsk_set_error(err, DSK_ERROR_INVALID_ARGUMENT,
                         "dsk_profile_write_trace: %s is NULL",
                         profile ? "path" : "profile");
  FILE *f = fopen(path, "w");
  if (!f)
    return dsk_set_error(err, DSK_ERROR_INVALID_ARGUMENT,
                         "cannot write the trace to %s: %s", path,
                         strerror(errno));
  const dsk_model *model = profile->model;
  uint64_t origin = profile->run_begin_ns[0];
  fputs("{\"displayTimeUnit\": \"ms\", \"traceEvents\": [\n", f);
  for (int run = 0; run < profile->runs; ++run)
    fprintf(f,
            "{\"name\": \"run %d\", \"cat\": \"run\", \"ph\": \"X\", "
            "\"pid\": 1, \"tid\": 1, \"ts\": %.3f, \"dur\": %.3f},\n",
            run, (double)(profile->run_begin_ns[run] - origin) / 1e3,
            (double)(profile->run_end_ns[run] - profile->run_begin_ns[run]) /
                1e3);
  for (size_t i = 0; i < profile->num_events; ++i) {
    const profile_event *e = &profile->events[i];
    const dsk_region_info *r = &model->regions[e->region];
    fputs("{\"name\": ", f);
    put_json_string(f, *r->node ? r->node : r->op);
    fputs(", \"cat\": ", f);
    put_json_string(f, *r->kernel ? r->kernel : "reference");
    fprintf(f,
            ", \"ph\": \"X\", \"pid\": 1, \"tid\": 1, \"ts\": %.3f, "
            "\"dur\": %.3f, \"args\": {\"region\": %d, \"run\": %d, "
            "\"op\": ",
            (double)(e->begin_ns - origin) / 1e3,
            (double)(e->end_ns - e->begin_ns) / 1e3, e->region, e->run);
    put_json_string(f, r->op);
    fputs(", \"kernel\": ", f);
    put_json_string(f, r->kernel);
    fputs(", \"shapes\": ", f);
    put_json_string(f, r->shapes);
    fputs("}},\n", f);
  }
  /* JSON has no trailing commas: a metadata event closes the list. */
  fputs("{\"name\": \"process_name\", \"ph\": \"M\", \"pid\": 1, "
        "\"args\": {\"name\": ",
        f);
  put_json_string(f, model->path);
  fputs("}}\n]}\n", f);
  if (ferror(f) | fclose(f))
    return dsk_set_error(err, DSK_ERROR_INVALID_ARGUMENT,
                         "cannot write the trace to %s: %s", path,
                         strerror(errno));
  return dsk_set_ok(err);
}
