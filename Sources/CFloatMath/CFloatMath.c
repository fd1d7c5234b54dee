// CFloatMath is header-only (static inline functions in include/CFloatMath.h); SwiftPM wants one
// source file per C target.
#include "CFloatMath.h"
