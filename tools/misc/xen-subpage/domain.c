/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Domain names, as xl knows them: the domains Xen lists, each named by
 * its /local/domain/<domid>/name in xenstore (what libxl_name_to_domid()
 * does, without loading libxl and what it needs for every call).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xenctrl.h>
#include <xenstore.h>

#include "parse.h"
#include "xen-subpage.h"

#define DOMAINS_PER_CALL    256

/* Whether xenstore names domid s. */
static bool has_name(struct xs_handle *xsh, uint32_t domid, const char *s)
{
    char path[64];
    unsigned int len;
    char *name;
    bool same;

    snprintf(path, sizeof(path), "/local/domain/%u/name", domid);
    name = xs_read(xsh, XBT_NULL, path, &len);
    same = name && !strcmp(name, s);
    free(name);

    return same;
}

/* The domid of the domain named s, among those Xen lists. */
static int name_to_domid(xc_interface *xch, struct xs_handle *xsh,
                         const char *s, uint32_t *domid, const char **why)
{
    xc_domaininfo_t info[DOMAINS_PER_CALL];
    uint32_t first = 0;
    int i, n;

    do {
        n = xc_domain_getinfolist(xch, first, DOMAINS_PER_CALL, info);
        if ( n < 0 )
        {
            *why = "cannot list the domains";
            return RESOLVE_FAILED;
        }
        for ( i = 0; i < n; i++ )
            if ( has_name(xsh, info[i].domain, s) )
            {
                *domid = info[i].domain;
                return 0;
            }
        if ( n )
            first = info[n - 1].domain + 1;
    } while ( n == DOMAINS_PER_CALL );

    return RESOLVE_NO_DOMAIN;
}

int resolve_domain(const char *s, uint32_t *domid, const char **why)
{
    struct xs_handle *xsh;
    xc_interface *xch;
    uint64_t id;
    int rc;

    if ( !parse_number(s, DOMID_FIRST_RESERVED - 1, &id) )
    {
        *domid = id;
        return 0;
    }

    xch = xc_interface_open(NULL, NULL, 0);
    if ( !xch )
    {
        *why = "cannot open the hypervisor interface";
        return RESOLVE_FAILED;
    }
    xsh = xs_open(XS_OPEN_READONLY);
    if ( !xsh )
    {
        *why = "cannot open xenstore";
        rc = RESOLVE_FAILED;
    }
    else
        rc = name_to_domid(xch, xsh, s, domid, why);
    if ( xsh )
        xs_close(xsh);
    xc_interface_close(xch);

    return rc;
}
