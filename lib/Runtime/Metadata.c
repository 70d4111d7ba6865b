/*===- Metadata.c - parse a model's metadata text (versions 1 and 2) -----===*
 *
 * The format is described in ModelABI.h. The parser is strict: the text
 * comes from a file the caller chose, so anything that does not follow the
 * format exactly is reported with its line number instead of being guessed
 * at. The one leniency is the format's own: a version-2 reader skips header
 * lines it does not know, which later revisions may add.
 *
 *===----------------------------------------------------------------------===*/

#include "RuntimeInternal.h"

#include <stdalign.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Tokens quoted in messages are cut to this many bytes. */
#define QUOTE_MAX 40

/* A field of a line: not NUL-terminated. */
typedef struct field {
  const char *p;
  size_t len;
} field;

/* Parser state. The pools are sized from a pre-scan of the text (at most one
 * tensor per line, one dimension per field, decoded names no longer than the
 * text), so filling them never allocates. */
typedef struct parser {
  const char *path;
  dsk_error *err;
  unsigned line;
  dsk_model *model;
  int64_t *dims;
  const char **dim_names;
  int32_t *dim_symbols;
  char *strings;
} parser;

/* Reports a BAD_MODEL error on the current line. */
static dsk_status line_error(parser *ps, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static dsk_status line_error(parser *ps, const char *fmt, ...) {
  if (!ps->err)
    return DSK_ERROR_BAD_MODEL;
  char detail[DSK_ERROR_MESSAGE_SIZE];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(detail, sizeof(detail), fmt, ap);
  va_end(ap);
  return dsk_set_error(ps->err, DSK_ERROR_BAD_MODEL,
                       "%s: malformed model metadata, line %u: %s", ps->path,
                       ps->line, detail);
}

static int field_is(field f, const char *word) {
  return f.len == strlen(word) && memcmp(f.p, word, f.len) == 0;
}

static int quote_len(field f) {
  return (int)(f.len < QUOTE_MAX ? f.len : QUOTE_MAX);
}

/* Splits a line (without its '\n') into at most `max` fields. Fields are
 * separated by exactly one space, so an empty field is an error. Returns the
 * number of fields, or -1 (error reported) when the line has more than
 * `max` fields or an empty one. */
static long split(parser *ps, const char *p, size_t len, field *fields,
                  size_t max) {
  if (len == 0) {
    line_error(ps, "empty line");
    return -1;
  }
  size_t n = 0, start = 0;
  for (size_t i = 0; i <= len; ++i) {
    if (i < len && p[i] != ' ')
      continue;
    if (i == start) {
      line_error(ps,
                 "empty field at column %zu (fields are separated by "
                 "exactly one space)",
                 i + 1);
      return -1;
    }
    if (n == max) {
      line_error(ps, "too many fields (expected %zu)", max);
      return -1;
    }
    fields[n].p = p + start;
    fields[n].len = i - start;
    ++n;
    start = i + 1;
  }
  return (long)n;
}

/* Parses a non-negative decimal int64 (digits only). Returns 0 when `f` is
 * not one, -1 on overflow, 1 on success. */
static int parse_int(field f, int64_t *out) {
  if (f.len == 0)
    return 0;
  int64_t v = 0;
  for (size_t i = 0; i < f.len; ++i) {
    if (f.p[i] < '0' || f.p[i] > '9')
      return 0;
    int d = f.p[i] - '0';
    if (v > (INT64_MAX - d) / 10)
      return -1;
    v = v * 10 + d;
  }
  *out = v;
  return 1;
}

static int hex_digit(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Percent-decodes `f` into the string pool; `what` names the field in
 * messages. Returns NULL (error reported) on a malformed encoding. */
static const char *decode_name(parser *ps, field f, const char *what) {
  char *out = ps->strings, *o = out;
  for (size_t i = 0; i < f.len; ++i) {
    unsigned char c = (unsigned char)f.p[i];
    if (c < 0x21 || c > 0x7e) {
      line_error(ps, "%s contains byte 0x%02X, which must be percent-encoded",
                 what, c);
      return NULL;
    }
    if (c != '%') {
      *o++ = (char)c;
      continue;
    }
    int hi = i + 1 < f.len ? hex_digit(f.p[i + 1]) : -1;
    int lo = i + 2 < f.len ? hex_digit(f.p[i + 2]) : -1;
    if (hi < 0 || lo < 0) {
      line_error(ps,
                 "%s '%.*s' has a bad percent escape at byte %zu (expected %% "
                 "and two uppercase hex digits)",
                 what, quote_len(f), f.p, i + 1);
      return NULL;
    }
    if (hi == 0 && lo == 0) {
      line_error(ps, "%s '%.*s' contains %%00 (a NUL byte)", what, quote_len(f),
                 f.p);
      return NULL;
    }
    *o++ = (char)(hi * 16 + lo);
    i += 2;
  }
  *o++ = '\0';
  ps->strings = o;
  return out;
}

/* Copies a field verbatim into the string pool. */
static const char *copy_field(parser *ps, field f) {
  char *out = ps->strings;
  memcpy(out, f.p, f.len);
  out[f.len] = '\0';
  ps->strings += f.len + 1;
  return out;
}

static dsk_dtype parse_dtype(field f) {
  for (int d = DSK_DTYPE_F16; d <= DSK_DTYPE_BOOL; ++d)
    if (field_is(f, dsk_dtype_name((dsk_dtype)d)))
      return (dsk_dtype)d;
  return DSK_DTYPE_INVALID;
}

/* Interns a symbolic dimension name, returning its index. */
static int32_t intern_symbol(dsk_model *m, const char *name) {
  for (size_t i = 0; i < m->num_symbols; ++i)
    if (strcmp(m->symbols[i], name) == 0)
      return (int32_t)i;
  m->symbols[m->num_symbols] = name;
  return (int32_t)m->num_symbols++;
}

/* Parses "input|output <name> <dtype> <rank> <d0> ... <dN-1>". */
static dsk_status parse_tensor(parser *ps, const field *fields, long n,
                               dsk_decl *decl) {
  const char *kind = fields[0].len == 5 ? "input" : "output";
  if (n < 4)
    return line_error(ps,
                      "%s line has %ld fields, expected '%s <name> <dtype> "
                      "<rank> <dims...>'",
                      kind, n, kind);
  dsk_tensor_info *info = &decl->info;
  info->name = decode_name(ps, fields[1], "name");
  if (!info->name)
    return DSK_ERROR_BAD_MODEL;
  info->dtype = parse_dtype(fields[2]);
  if (info->dtype == DSK_DTYPE_INVALID)
    return line_error(ps, "%s '%s' has unknown dtype '%.*s'", kind, info->name,
                      quote_len(fields[2]), fields[2].p);
  int64_t rank;
  int ok = parse_int(fields[3], &rank);
  if (ok <= 0)
    return line_error(ps,
                      "%s '%s' has rank '%.*s', expected a non-negative "
                      "integer",
                      kind, info->name, quote_len(fields[3]), fields[3].p);
  if (rank != n - 4)
    return line_error(ps, "%s '%s' has rank %lld but %ld dimensions follow",
                      kind, info->name, (long long)rank, n - 4);
  info->rank = rank;
  int64_t *dims = ps->dims;
  const char **names = ps->dim_names;
  int32_t *syms = ps->dim_symbols;
  info->dims = dims;
  info->dim_names = names;
  decl->dim_symbols = syms;
  decl->has_symbolic = 0;
  int has_zero = 0;
  for (int64_t i = 0; i < rank; ++i) {
    field f = fields[4 + i];
    if (f.len > 0 && f.p[0] == '?') {
      field sym = {f.p + 1, f.len - 1};
      if (sym.len == 0)
        return line_error(ps,
                          "%s '%s' dimension %lld is '?' without a "
                          "symbol name",
                          kind, info->name, (long long)i);
      names[i] = decode_name(ps, sym, "symbol");
      if (!names[i])
        return DSK_ERROR_BAD_MODEL;
      dims[i] = -1;
      syms[i] = intern_symbol(ps->model, names[i]);
      decl->has_symbolic = 1;
      continue;
    }
    ok = parse_int(f, &dims[i]);
    if (ok == 0)
      return line_error(ps,
                        "%s '%s' dimension %lld is '%.*s', expected a "
                        "non-negative integer or ?<symbol>",
                        kind, info->name, (long long)i, quote_len(f), f.p);
    if (ok < 0)
      return line_error(ps,
                        "%s '%s' dimension %lld '%.*s' does not fit in int64",
                        kind, info->name, (long long)i, quote_len(f), f.p);
    names[i] = NULL;
    syms[i] = -1;
    has_zero |= dims[i] == 0;
  }
  ps->dims += rank;
  ps->dim_names += rank;
  ps->dim_symbols += rank;

  /* Size of the static part; a zero dimension makes the tensor empty
   * whatever the others are. */
  uint64_t bytes = dsk_dtype_size(info->dtype);
  for (int64_t i = 0; i < rank && !has_zero; ++i) {
    if (dims[i] >= 0 &&
        __builtin_mul_overflow(bytes, (uint64_t)dims[i], &bytes))
      return line_error(ps,
                        "%s '%s' is too large: its size in bytes "
                        "overflows 64 bits",
                        kind, info->name);
  }
  if (has_zero)
    bytes = 0;
  if (bytes > SIZE_MAX)
    return line_error(ps, "%s '%s' is too large for this machine", kind,
                      info->name);
  decl->static_bytes = (size_t)bytes;
  return DSK_OK;
}

/* Carves `count` objects of `size` bytes aligned to `align` from *cursor. */
static void *carve(char **cursor, size_t count, size_t size, size_t align) {
  uintptr_t p = ((uintptr_t)*cursor + align - 1) & ~(uintptr_t)(align - 1);
  *cursor = (char *)p + count * size;
  return (void *)p;
}

/* The header lines between `dsk-model N` and the first tensor. */
typedef enum header_key {
  KEY_KIND,
  KEY_TARGET,
  KEY_FEATURES,
  KEY_WORKSPACE,
  NUM_KEYS
} header_key;

static const char *const key_names[NUM_KEYS] = {"kind", "target", "features",
                                                "workspace"};
static const char *const key_syntax[NUM_KEYS] = {
    "kind <kind>", "target <arch> <cpu>", "features <f1>,<f2>,...",
    "workspace <bytes>"};

/* The header lines of each version, in the order they must come. */
static const header_key v1_keys[] = {KEY_TARGET, KEY_FEATURES};
static const header_key v2_keys[] = {KEY_KIND, KEY_TARGET, KEY_FEATURES,
                                     KEY_WORKSPACE};

/* Returns the header key among `keys` that `f` names, or NUM_KEYS. */
static header_key find_key(field f, const header_key *keys, size_t num_keys) {
  for (size_t i = 0; i < num_keys; ++i)
    if (field_is(f, key_names[keys[i]]))
      return keys[i];
  return NUM_KEYS;
}

/* Parses "dsk-model N", which must name `version`. */
static dsk_status parse_version(parser *ps, const char *line, size_t len,
                                int version) {
  field fields[2];
  long n = split(ps, line, len, fields, 2);
  if (n < 0)
    return DSK_ERROR_BAD_MODEL;
  if (!field_is(fields[0], "dsk-model") || n != 2)
    return line_error(ps, "expected 'dsk-model %d', got '%.*s'", version,
                      (int)(len < QUOTE_MAX ? len : QUOTE_MAX), line);
  int64_t got;
  if (parse_int(fields[1], &got) <= 0 || got < 1 || got > DSK_MODEL_ABI_VERSION)
    return line_error(ps,
                      "metadata version '%.*s' is not supported (this "
                      "runtime reads versions 1 and 2)",
                      quote_len(fields[1]), fields[1].p);
  if (got != version)
    return line_error(ps,
                      "metadata version %lld does not match its symbol '%s', "
                      "which holds version %d",
                      (long long)got,
                      version == 1 ? DSK_MODEL_METADATA_SYMBOL_V1
                                   : DSK_MODEL_METADATA_SYMBOL,
                      version);
  return DSK_OK;
}

/* Parses "features <f1>,<f2>,..." (or "features -"). */
static dsk_status parse_features(parser *ps, field f) {
  if (field_is(f, "-")) {
    ps->model->features = copy_field(ps, (field){"", 0});
    return DSK_OK;
  }
  for (size_t i = 0, start = 0; i <= f.len; ++i) {
    if (i < f.len && f.p[i] != ',')
      continue;
    if (i == start)
      return line_error(ps, "empty feature name in '%.*s'", quote_len(f), f.p);
    start = i + 1;
  }
  ps->model->features = copy_field(ps, f);
  return DSK_OK;
}

/* Parses "workspace <bytes>". The size is rounded up to the alignment when
 * the runtime allocates it, so that must not overflow either. */
static dsk_status parse_workspace(parser *ps, field f) {
  int64_t bytes;
  int ok = parse_int(f, &bytes);
  if (ok == 0)
    return line_error(ps,
                      "workspace size '%.*s' is not a non-negative decimal "
                      "integer",
                      quote_len(f), f.p);
  if (ok < 0 ||
      (uint64_t)bytes > SIZE_MAX - (DSK_MODEL_WORKSPACE_ALIGNMENT - 1))
    return line_error(ps, "workspace size '%.*s' is too large for this machine",
                      quote_len(f), f.p);
  ps->model->workspace_size = (size_t)bytes;
  return DSK_OK;
}

/* Parses "region <op> <kernel> <node> <shapes>", where "-" is an empty
 * field. */
static dsk_status parse_region(parser *ps, const field *fs, long n) {
  if (n != 5)
    return line_error(ps,
                      "expected 'region <op> <kernel> <node> <shapes>', got "
                      "%ld fields",
                      n);
  static const char *const what[4] = {"region op", "region kernel",
                                      "region node", "region shapes"};
  const char *values[4];
  for (int i = 0; i < 4; ++i) {
    values[i] =
        field_is(fs[i + 1], "-") ? "" : decode_name(ps, fs[i + 1], what[i]);
    if (!values[i])
      return DSK_ERROR_BAD_MODEL;
  }
  dsk_region_info *region = &ps->model->regions[ps->model->num_regions++];
  region->op = values[0];
  region->kernel = values[1];
  region->node = values[2];
  region->shapes = values[3];
  return DSK_OK;
}

/* Parses header line `key`, whose first field has been matched. */
static dsk_status parse_header(parser *ps, header_key key, const field *fs,
                               long n) {
  long want = key == KEY_TARGET ? 3 : 2;
  if (n != want)
    return line_error(ps, "expected '%s', got %ld fields", key_syntax[key], n);
  dsk_model *m = ps->model;
  switch (key) {
  case KEY_KIND:
    /* Not malformed, just meant for another runtime. */
    if (!field_is(fs[1], "cpu"))
      return dsk_set_error(ps->err, DSK_ERROR_BAD_MODEL,
                           "%s: the model is for target kind '%.*s' (metadata "
                           "line %u), but this runtime runs cpu models only",
                           ps->path, quote_len(fs[1]), fs[1].p, ps->line);
    m->kind = "cpu";
    return DSK_OK;
  case KEY_TARGET:
    m->arch = copy_field(ps, fs[1]);
    m->cpu = copy_field(ps, fs[2]);
    return DSK_OK;
  case KEY_FEATURES:
    return parse_features(ps, fs[1]);
  case KEY_WORKSPACE:
    return parse_workspace(ps, fs[1]);
  case NUM_KEYS:
    break;
  }
  return DSK_OK;
}

dsk_status dsk_parse_metadata(const char *text, int version, const char *path,
                              dsk_model **out, dsk_error *err) {
  *out = NULL;
  /* Pre-scan for pool sizes. */
  size_t text_len = strlen(text), lines = 1, fields_total = 1;
  for (size_t i = 0; i < text_len; ++i) {
    lines += text[i] == '\n';
    fields_total += text[i] == ' ' || text[i] == '\n';
  }
  size_t path_len = strlen(path);
  size_t string_bytes = text_len + fields_total + path_len + 1;
  /* Sizes cannot overflow: each term is bounded by the length of text that
   * already sits in memory, times a small constant. */
  size_t total =
      sizeof(dsk_model) + lines * (sizeof(dsk_decl) + sizeof(dsk_region_info)) +
      fields_total * (sizeof(int64_t) + 2 * sizeof(char *) + sizeof(int32_t)) +
      string_bytes + 8 * alignof(max_align_t);
  char *block = calloc(1, total);
  if (!block)
    return dsk_set_error(err, DSK_ERROR_LOAD,
                         "%s: out of memory reading model metadata", path);
  /* The model comes first, so freeing it frees the block. */
  dsk_model *m = (dsk_model *)block;
  char *cursor = block + sizeof(dsk_model);
  m->decls = carve(&cursor, lines, sizeof(dsk_decl), alignof(dsk_decl));
  m->symbols = carve(&cursor, fields_total, sizeof(char *), alignof(char *));
  m->regions =
      carve(&cursor, lines, sizeof(dsk_region_info), alignof(dsk_region_info));
  parser ps = {path, err, 0, m, NULL, NULL, NULL, NULL};
  ps.dims = carve(&cursor, fields_total, sizeof(int64_t), alignof(int64_t));
  ps.dim_names = carve(&cursor, fields_total, sizeof(char *), alignof(char *));
  ps.dim_symbols =
      carve(&cursor, fields_total, sizeof(int32_t), alignof(int32_t));
  ps.strings = cursor;
  m->path = copy_field(&ps, (field){path, path_len});
  m->abi_version = version;
  /* Version 1 predates the kind line: its models are all cpu models. */
  m->kind = "cpu";

  const header_key *keys = version == 1 ? v1_keys : v2_keys;
  size_t num_keys = version == 1 ? sizeof(v1_keys) / sizeof(v1_keys[0])
                                 : sizeof(v2_keys) / sizeof(v2_keys[0]);
  const char *order =
      version == 1 ? "target, features" : "kind, target, features, workspace";
  /* Where we are: the next header key expected, whether a tensor line or the
   * 'end' line has been seen. */
  size_t next_key = 0;
  int seen_tensor = 0, seen_end = 0;
  dsk_status st = DSK_OK;
  const char *p = text, *end = text + text_len;
  while (st == DSK_OK) {
    ++ps.line;
    if (p == end) {
      if (!seen_end)
        st = line_error(&ps, "the metadata ends without an 'end' line");
      break;
    }
    if (seen_end) {
      st = line_error(&ps, "unexpected text after the 'end' line");
      break;
    }
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    if (!nl) {
      st = line_error(&ps, "the line does not end with a newline");
      break;
    }
    size_t len = (size_t)(nl - p);
    const char *line = p;
    p = nl + 1;

    if (ps.line == 1) {
      st = parse_version(&ps, line, len, version);
      continue;
    }

    /* Tensor lines have any number of fields; the others a few. */
    long n;
    field stack_fields[64];
    field *fs = stack_fields;
    size_t max = len / 2 + 1;
    if (max > sizeof(stack_fields) / sizeof(field)) {
      fs = malloc(max * sizeof(field));
      if (!fs) {
        st = dsk_set_error(err, DSK_ERROR_LOAD,
                           "%s: out of memory reading model metadata", path);
        break;
      }
    }
    n = split(&ps, line, len, fs, max);
    int is_input = n > 0 && field_is(fs[0], "input");
    int is_output = n > 0 && field_is(fs[0], "output");
    int is_end = n > 0 && field_is(fs[0], "end");
    int is_region = version >= 2 && n > 0 && field_is(fs[0], "region");
    header_key key = n > 0 ? find_key(fs[0], keys, num_keys) : NUM_KEYS;
    if (n < 0) {
      st = DSK_ERROR_BAD_MODEL;
    } else if (is_region) {
      if (next_key < num_keys || seen_tensor)
        st = line_error(&ps, "'region' line out of place (region lines come "
                             "after the workspace line, before the first "
                             "input)");
      else
        st = parse_region(&ps, fs, n);
    } else if (next_key < num_keys && key == keys[next_key]) {
      st = parse_header(&ps, key, fs, n);
      ++next_key;
    } else if (version >= 2 && !seen_tensor && key == NUM_KEYS && !is_input &&
               !is_output && !is_end) {
      /* A header field of a later revision of version 2: skipped. */
    } else if (next_key < num_keys) {
      st = line_error(&ps, "expected a '%s' line, got '%.*s'",
                      key_syntax[keys[next_key]], quote_len(fs[0]), fs[0].p);
    } else if (is_input || is_output) {
      if (is_input && m->num_outputs > 0) {
        st = line_error(&ps, "input line after an output line (inputs must "
                             "come first)");
      } else {
        dsk_decl *decl = &m->decls[m->num_inputs + m->num_outputs];
        st = parse_tensor(&ps, fs, n, decl);
        if (is_input)
          ++m->num_inputs;
        else
          ++m->num_outputs;
        seen_tensor = 1;
      }
    } else if (is_end) {
      if (n != 1)
        st = line_error(&ps, "the 'end' line has %ld fields, expected 1", n);
      else if (m->num_outputs == 0)
        st = line_error(&ps, "the model declares no outputs");
      seen_end = 1;
    } else if (key != NUM_KEYS) {
      st = line_error(&ps,
                      "'%s' line out of place (version %d header lines come "
                      "once each, in the order %s, before the first input)",
                      key_names[key], version, order);
    } else {
      st = line_error(&ps,
                      "unknown line '%.*s' (expected input, output or "
                      "end)",
                      quote_len(fs[0]), fs[0].p);
    }
    if (fs != stack_fields)
      free(fs);
  }
  if (st != DSK_OK) {
    free(block);
    return st;
  }
  *out = m;
  return DSK_OK;
}
