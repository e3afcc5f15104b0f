#ifndef ANOMALY_DISTILL_KERNELS_H
#define ANOMALY_DISTILL_KERNELS_H

#include "ad_text.h"

#endif
