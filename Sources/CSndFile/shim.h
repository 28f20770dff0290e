#ifndef RECUR_CSNDFILE_SHIM_H
#define RECUR_CSNDFILE_SHIM_H

#include <sndfile.h>

#endif
