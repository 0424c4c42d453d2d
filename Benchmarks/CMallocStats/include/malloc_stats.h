#include <stddef.h>
/// Bytes the C heap has handed out and not had back (glibc mallinfo2: arenas in use plus mmapped blocks).
size_t aragora_heap_in_use(void);
