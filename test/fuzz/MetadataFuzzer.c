/*===- MetadataFuzzer.c - the runtime's model metadata parser -------------===*
 *
 * libFuzzer target: a model library's metadata text is the runtime's only
 * structured input from the library, read before any of its code runs. The
 * first byte picks the ABI version the text is read as (1 or 2); the rest is
 * the text, cut at its first NUL as the C string in the library would be.
 * The parser must return a model or an error, never read past the text or
 * leak.
 *
 *===----------------------------------------------------------------------===*/

#include "RuntimeInternal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0)
    return 0;
  int version = 1 + (data[0] & 1);
  char *text = malloc(size);
  if (!text)
    return 0;
  memcpy(text, data + 1, size - 1);
  text[size - 1] = '\0';
  dsk_model *model = NULL;
  dsk_error err;
  if (dsk_parse_metadata(text, version, "fuzz.so", &model, &err) == DSK_OK) {
    /* What the runtime does next with a parsed model. */
    (void)dsk_check_cpu(model, &err);
    free(model);
  }
  free(text);
  return 0;
}
