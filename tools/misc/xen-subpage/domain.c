/* SPDX-License-Identifier: GPL-2.0-only */
/* Domain names, through libxl, as xl knows them. */
#include <xenctrl.h>
#include <libxl.h>
#include <libxl_utils.h>
#include <xentoollog.h>

#include "parse.h"
#include "xen-subpage.h"

/* The domid of the domain named s, through libxl ctx. */
static int name_to_domid(libxl_ctx *ctx, const char *s, uint32_t *domid,
                         const char **why)
{
    switch ( libxl_name_to_domid(ctx, s, domid) )
    {
    case 0:
        return 0;

    case ERROR_INVAL:           /* listed all, and none has that name */
        return RESOLVE_NO_DOMAIN;

    default:
        *why = "libxl cannot list the domains";
        return RESOLVE_FAILED;
    }
}

int resolve_domain(const char *s, uint32_t *domid, const char **why)
{
    xentoollog_logger_stdiostream *log;
    libxl_ctx *ctx = NULL;
    uint64_t id;
    int rc;

    if ( !parse_number(s, DOMID_FIRST_RESERVED - 1, &id) )
    {
        *domid = id;
        return 0;
    }

    log = xtl_createlogger_stdiostream(stderr, XTL_ERROR, 0);
    if ( !log )
    {
        *why = "cannot create libxl's logger";
        return RESOLVE_FAILED;
    }
    if ( libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0, (xentoollog_logger *)log) )
    {
        *why = "cannot start libxl";
        rc = RESOLVE_FAILED;
    }
    else
        rc = name_to_domid(ctx, s, domid, why);
    libxl_ctx_free(ctx);
    xtl_logger_destroy((xentoollog_logger *)log);

    return rc;
}
