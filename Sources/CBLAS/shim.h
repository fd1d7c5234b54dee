// OpenBLAS's C interface. Debian's libopenblas-dev puts cblas.h on the default include path
// (/usr/include/x86_64-linux-gnu/cblas.h) and libopenblas.so on the default library path.
#include <cblas.h>
