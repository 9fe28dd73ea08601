/* SPDX-License-Identifier: GPL-2.0-only */
#include "xen-subpage.h"

int main(int argc, char **argv)
{
    return xen_subpage_main(argc, argv, stdout, stderr);
}
