/* SPDX-License-Identifier: GPL-2.0-only */
/* Domain names, through libxl, as xl knows them. */
#include <xenctrl.h>
#include <libxl.h>
#include <libxl_utils.h>
#include <xentoollog.h>

#include "parse.h"
#include "xen-subpage.h"

int resolve_domain(const char *s, uint32_t *domid)
{
    xentoollog_logger_stdiostream *log;
    libxl_ctx *ctx = NULL;
    uint64_t id;
    int rc = -1;

    if ( !parse_number(s, DOMID_FIRST_RESERVED - 1, &id) )
    {
        *domid = id;
        return 0;
    }

    log = xtl_createlogger_stdiostream(stderr, XTL_ERROR, 0);
    if ( log && !libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0,
                                 (xentoollog_logger *)log) )
        rc = libxl_name_to_domid(ctx, s, domid) ? -1 : 0;
    libxl_ctx_free(ctx);
    if ( log )
        xtl_logger_destroy((xentoollog_logger *)log);

    return rc;
}
