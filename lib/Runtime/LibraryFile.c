/*===- LibraryFile.c - a model library checked before the loader sees it --===*
 *
 * The dynamic loader trusts its file: a library cut short by a failed copy
 * or with flipped bits can crash it inside dlopen, before the runtime gets
 * to say anything. So the runtime first checks the file itself: a regular
 * file (a FIFO would block dlopen forever), ELF headers and loadable
 * segments that lie inside it, and, for libraries with the model ABI's file
 * trailer (ModelABI.h), the size and checksum the compiler recorded.
 *
 *===----------------------------------------------------------------------===*/

#define _DEFAULT_SOURCE /* madvise */

#include "RuntimeInternal.h"

#include "dsk/Runtime/ModelABI.h"

#include <elf.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Whether [offset, offset + count * entry) lies in the first `size` bytes. */
static int range_inside(uint64_t offset, uint64_t count, uint64_t entry,
                        uint64_t size) {
  uint64_t bytes;
  if (__builtin_mul_overflow(count, entry, &bytes))
    return 0;
  return offset <= size && bytes <= size - offset;
}

/* The ELF64 structure of `file`: the program and section header tables, and
 * every segment's file contents, inside its `size` bytes. Other files pass:
 * dlopen reports them itself. */
static dsk_status check_elf(const char *path, const unsigned char *file,
                            uint64_t size, dsk_error *err) {
  if (size < sizeof(Elf64_Ehdr) || memcmp(file, ELFMAG, SELFMAG) != 0 ||
      file[EI_CLASS] != ELFCLASS64)
    return DSK_OK;
  Elf64_Ehdr header;
  memcpy(&header, file, sizeof(header));
  int ok =
      range_inside(header.e_phoff, header.e_phnum, sizeof(Elf64_Phdr), size) &&
      (header.e_shoff == 0 ||
       range_inside(header.e_shoff, header.e_shnum, sizeof(Elf64_Shdr), size));
  for (uint64_t i = 0; ok && i < header.e_phnum; ++i) {
    Elf64_Phdr segment;
    memcpy(&segment, file + header.e_phoff + i * sizeof(Elf64_Phdr),
           sizeof(segment));
    ok = range_inside(segment.p_offset, segment.p_filesz, 1, size);
  }
  if (!ok)
    return dsk_set_error(err, DSK_ERROR_LOAD,
                         "cannot load model %s: the file is truncated or "
                         "corrupted (its ELF headers describe data past its "
                         "%llu bytes)",
                         path, (unsigned long long)size);
  return DSK_OK;
}

/* The recorded size and checksum, when `file` ends with the trailer. */
static dsk_status check_trailer(const char *path, const unsigned char *file,
                                uint64_t size, dsk_error *err) {
  if (size < DSK_MODEL_TRAILER_SIZE)
    return DSK_OK;
  const unsigned char *trailer = file + size - DSK_MODEL_TRAILER_SIZE;
  if (memcmp(trailer, DSK_MODEL_TRAILER_MAGIC, 8) != 0)
    return DSK_OK;
  uint64_t recorded_size, recorded_checksum;
  memcpy(&recorded_size, trailer + 8, 8);
  memcpy(&recorded_checksum, trailer + 16, 8);
  uint64_t body = size - DSK_MODEL_TRAILER_SIZE;
  if (recorded_size != body)
    return dsk_set_error(err, DSK_ERROR_LOAD,
                         "cannot load model %s: the file has %llu bytes "
                         "before its trailer, but the compiler wrote %llu",
                         path, (unsigned long long)body,
                         (unsigned long long)recorded_size);
  if (dsk_model_checksum(file, body) != recorded_checksum)
    return dsk_set_error(err, DSK_ERROR_LOAD,
                         "cannot load model %s: the file is corrupted (its "
                         "checksum differs from the one the compiler "
                         "recorded); compile the model again",
                         path);
  return DSK_OK;
}

dsk_status dsk_check_library_file(const char *path, dsk_error *err) {
  /* A file that does not open is left to dlopen, whose message says why. */
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0)
    return DSK_OK;
  struct stat info;
  if (fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    close(fd);
    return dsk_set_error(err, DSK_ERROR_LOAD,
                         "cannot load model %s: not a regular file", path);
  }
  uint64_t size = (uint64_t)info.st_size;
  if (size == 0) {
    close(fd);
    return DSK_OK;
  }
  void *mapped = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (mapped == MAP_FAILED)
    return dsk_set_error(err, DSK_ERROR_LOAD,
                         "cannot load model %s: cannot map its %llu bytes",
                         path, (unsigned long long)size);
  madvise(mapped, size, MADV_SEQUENTIAL);
  dsk_status status = check_elf(path, mapped, size, err);
  if (status == DSK_OK)
    status = check_trailer(path, mapped, size, err);
  munmap(mapped, size);
  return status;
}
