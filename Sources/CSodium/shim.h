#ifndef LESSOR_CSODIUM_SHIM_H
#define LESSOR_CSODIUM_SHIM_H
#include <sodium.h>
#endif
