#ifndef RECUR_CFLUIDSYNTH_SHIM_H
#define RECUR_CFLUIDSYNTH_SHIM_H

#include <fluidsynth.h>

#endif
