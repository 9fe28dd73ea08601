/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * For programs built with pkg-config's "xensubpage" against a distribution's
 * libxenctrl: its <xenctrl.h>, and the SPP calls that a libxenctrl with the
 * SPP series declares there.
 */
#include_next <xenctrl.h>
#include <xenctrl_subpage.h>
