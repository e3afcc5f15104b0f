#ifndef ANOMALY_DISTILL_KERNELS_H
#define ANOMALY_DISTILL_KERNELS_H

#include "ad_text.h"
#include "ad_gemm.h"
#include "ad_mlp.h"
#include "ad_attribution.h"

#endif
